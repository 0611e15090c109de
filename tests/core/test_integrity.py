"""``teller check`` finds edited, inserted and deleted journal rows, and the
journal refuses UPDATE/DELETE in the first place."""
from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa

from tests.conftest import float_account
from teller.core.ledger.db import run_in_transaction
from teller.core.rulebook import check_books
from teller.core.rulebook import ledger
from teller.core.ledger.records import EntryRequest, Leg

pytestmark = pytest.mark.postgres


def deposit(core, key, amount=10_000):
    box, customer = float_account(core.engine), core.demo.accounts[0][0]
    return ledger(core.engine).post(EntryRequest(
        key=key, branch="0101", teller="T001", terminal="T01", txn_code="10020", step="post",
        legs=(Leg(box, "D", amount), Leg(customer, "C", amount))))


def run_check(url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "teller.cli", "check", "--url", url],
                          capture_output=True, text=True, timeout=120)


def tamper(core, sql: str) -> None:
    """Change the journal the way an intruder with database rights would:
    switch the append-only triggers off first."""
    def work(conn):
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE postings DISABLE TRIGGER USER")
            conn.exec_driver_sql("ALTER TABLE journal_entries DISABLE TRIGGER USER")
        else:
            for t in ("postings", "journal_entries"):
                conn.exec_driver_sql(f"DROP TRIGGER {t}_no_update")
                conn.exec_driver_sql(f"DROP TRIGGER {t}_no_delete")
        conn.exec_driver_sql(sql)
    run_in_transaction(core.engine, work)


def test_clean_books_pass_and_cli_exits_zero(core):
    deposit(core, "k-1")
    report = check_books(core.engine)
    assert report.ok and report.entries >= 7
    result = run_check(core.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_journal_refuses_update_and_delete(core):
    deposit(core, "k-2")
    for sql in ("UPDATE postings SET amount = amount + 1",
                "DELETE FROM postings",
                "UPDATE journal_entries SET memo = 'x'"):
        with pytest.raises(sa.exc.DBAPIError):
            run_in_transaction(core.engine, lambda c, s=sql: c.exec_driver_sql(s))


def test_edited_amount_is_detected_and_named(core):
    posted = deposit(core, "k-3")
    # WHEN someone raises the customer's leg of an entry
    tamper(core, f"UPDATE postings SET amount = 20000 WHERE entry_id = {posted.entry_id} "
                 f"AND leg = 2")
    report = check_books(core.engine)
    # THEN the entry no longer balances and its hash no longer matches
    assert not report.ok
    checks = {(v.check, v.row) for v in report.violations}
    assert ("chain", f"entry {posted.entry_id}") in checks
    assert ("balanced", f"entry {posted.entry_id}") in checks
    assert ("balance", f"account {core.demo.accounts[0][0]}") in checks
    result = run_check(core.url)
    assert result.returncode == 1 and f"entry {posted.entry_id}" in result.stdout


def test_edited_memo_breaks_only_the_hash(core):
    posted = deposit(core, "k-4")
    tamper(core, f"UPDATE journal_entries SET memo = '改' WHERE id = {posted.entry_id}")
    report = check_books(core.engine)
    assert [(v.check, v.row) for v in report.violations] == [("chain", f"entry {posted.entry_id}")]


def test_deleted_entry_is_detected(core):
    first = deposit(core, "k-5", 100)
    second = deposit(core, "k-6", 100)
    # WHEN the teller's latest entry is removed with its postings
    tamper(core, f"DELETE FROM postings WHERE entry_id = {second.entry_id}")
    run_in_transaction(core.engine, lambda c: c.exec_driver_sql(
        f"DELETE FROM journal_entries WHERE id = {second.entry_id}"))
    # THEN the head no longer matches and the balances no longer add up
    report = check_books(core.engine)
    messages = " ".join(v.message for v in report.violations)
    assert not report.ok and first.entry_id < second.entry_id
    assert "journal head does not match" in messages
    assert any(v.check == "balance" for v in report.violations)


def test_posting_under_another_subject_is_found(core):
    posted = deposit(core, "k-7")
    # WHEN the customer's leg is moved to another subject (an existing one, so
    # SQLite's declared key lets it through too)
    tamper(core, f"UPDATE postings SET subject_code = '9001' WHERE entry_id = {posted.entry_id}"
                 f" AND leg = 2")
    # THEN check names the leg, whose subject is not its account's
    rows = {(v.check, v.row) for v in check_books(core.engine).violations}
    assert ("reference", f"entry {posted.entry_id} leg 2") in rows


def test_entry_of_an_unknown_branch_is_found_or_refused(core):
    posted = deposit(core, "k-8")
    sql = f"UPDATE journal_entries SET branch_code = '9999' WHERE id = {posted.entry_id}"
    if core.engine.dialect.name == "postgresql":
        # GIVEN PostgreSQL, which keeps this reference without a declared key
        tamper(core, sql)
        rows = {(v.check, v.row) for v in check_books(core.engine).violations}
        assert ("reference", f"entry {posted.entry_id}") in rows
    else:
        # GIVEN SQLite, whose declared key still refuses the change itself
        with pytest.raises(sa.exc.IntegrityError):
            tamper(core, sql)
