"""Headless API: sign-on, deposit/withdrawal, authorization, reversal, journal —
on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from teller.core.controls.models import AccountControl
from teller.core.operators.models import Authorization, User
from teller.api import Authorizer
from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.rulebook import check_books

pytestmark = pytest.mark.postgres
PW = "demo123"


def entry_count(core) -> int:
    with reader(core.engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(m.JournalEntry)).scalar_one()


def authorizations(core) -> list:
    with reader(core.engine) as conn:
        return conn.execute(sa.select(Authorization.__table__)
                            .order_by(Authorization.id)).all()


def failures(core, user) -> int:
    with reader(core.engine) as conn:
        return conn.execute(sa.select(User.consecutive_failures)
                            .where(User.code == user)).scalar_one()


def test_sign_on_refusals_are_outcomes(terminal):
    # WHEN a teller types a wrong password
    out = terminal.sign_on("T001", "wrong999")
    # THEN no session, and the message says how many attempts are left
    assert not out.ok and out.session is None
    assert out.remaining_attempts == 5 and "还可尝试5次" in out.message


def test_first_sign_on_must_change_password(core, terminal):
    def flag(conn):
        conn.execute(sa.update(User.__table__).where(User.code == "T002")
                     .values(must_change_password=True))
    run_in_transaction(core.engine, flag)
    # GIVEN a user who must change the initial password
    out = terminal.sign_on("T002", PW)
    assert not out.ok and out.must_change_password
    # WHEN the password is changed THEN the next sign-on works
    assert terminal.change_password("T002", PW, "abc12345") == []
    assert terminal.sign_on("T002", "abc12345").ok


def test_cash_deposit_posts_and_prints_voucher(core, terminal, session):
    number, name, pan = core.demo.accounts[0]
    box = core.account("cash_box", "T001")
    before, box_before = core.balance(number), core.balance(box)
    # WHEN the teller deposits 1,000.00 cash against the card
    out = session.run("10020", {"account": pan, "amount": "1,000.00", "mode": "cash"})
    # THEN it is posted with a journal number, both balances moved, a voucher printed
    assert out.ok and out.finished, out.problems
    assert len(out.journal_numbers) == 1
    assert core.balance(number) == before + 100_000
    assert core.balance(box) == box_before + 100_000
    v = out.vouchers[0]
    assert terminal.printed == [v]
    assert (v.amount_fen, v.amount_capital, v.account_name) == (100_000, "壹仟元整", name)
    assert v.account_masked == f"{number[:6]}****{number[-4:]}" and v.authorizer is None
    assert v.balance_after == before + 100_000
    # AND today's journal lists it for this teller
    line = session.journal_today()[-1]
    assert (line.journal_number, line.txn_code, line.account, line.amount, line.status) == \
        (out.journal_numbers[0], "10020", number, 100_000, "posted")
    assert check_books(core.engine).ok


def test_transfer_deposit_moves_between_customers(core, session):
    (a, _, _), (b, _, pan_b) = core.demo.accounts[:2]
    before_a, before_b = core.balance(a), core.balance(b)
    out = session.run("10020", {"account": a, "amount": "25.50", "mode": "transfer",
                                "from_account": pan_b})
    assert out.ok, out.problems
    assert core.balance(a) == before_a + 2550 and core.balance(b) == before_b - 2550


def test_page_problems_come_back_at_the_field_and_nothing_posts(core, session):
    n = entry_count(core)
    out = session.run("10020", {"account": "01012017000000015", "amount": "1.00"})
    assert not out.ok and out.problems[0].field == "account"
    out = session.run("10020", {"account": core.demo.accounts[0][0], "amount": "abc"})
    assert [p.field for p in out.problems] == ["amount"]
    out = session.run("10020", {"account": core.demo.accounts[0][0], "amount": "1",
                                "colour": "red"})
    assert out.problems[0].field == "colour"
    assert session.run("99999", {}).problems[0].message == "交易码 99999 不存在"
    assert entry_count(core) == n


def test_withdrawal_refused_by_control_with_the_rules_message(core, session):
    number = core.demo.accounts[1][0]

    def seal(conn):
        conn.execute(sa.insert(AccountControl.__table__).values(
            account_number=number, kind="sealed", amount=0, incident_number="1" * 19,
            status="active", starts_on=core.demo.business_date, created_by="S001",
            created_at=dt.datetime.now(), detail="{}"))
    run_in_transaction(core.engine, seal)
    n = entry_count(core)
    out = session.run("10030", {"account": number, "amount": "10.00", "mode": "cash"})
    assert not out.ok
    assert out.problems[0].field == "account"
    assert out.problems[0].message.startswith("账户已封存，不能支取")
    assert entry_count(core) == n


def test_large_cash_withdrawal_needs_authorization_nothing_posted_without(core, session):
    number = core.demo.accounts[1][0]  # 86,000.50
    values = {"account": number, "amount": "60,000.00", "mode": "cash", "funds_detail": "购车"}
    n = entry_count(core)
    # WHEN no supervisor is given
    out = session.run("10030", values)
    # THEN the outcome asks for level A and nothing is posted
    assert not out.ok and [n_.level for n_ in out.needs_authorization] == ["A"]
    assert entry_count(core) == n
    # WHEN the teller tries to authorize their own transaction
    out = session.run("10030", values, ("T001", PW))
    assert not out.ok and out.problems[0].message == "不能为本人的交易授权"
    # WHEN another teller (not a supervisor) is given
    out = session.run("10030", values, ("T002", PW))
    assert not out.ok and "不是授权主管" in out.problems[0].message
    assert entry_count(core) == n
    # WHEN a level-A supervisor authorizes
    out = session.run("10030", values, ("S002", PW))
    # THEN it posts, and the authorization is linked to the entry
    assert out.ok, out.problems
    assert entry_count(core) == n + 1
    (grant,) = authorizations(core)
    assert (grant.supervisor_code, grant.teller_code, grant.level, grant.outcome) == \
        ("S002", "T001", "A", "granted")
    assert grant.entry_id == out.entries[0].entry_id
    assert "须A级主管授权" in json.loads(grant.reasons)[0]
    assert out.vouchers[0].authorizer == "S002"


def test_level_b_needed_above_limit_b(core, session):
    def fund(conn):  # a rich customer and a limit_b of 80,000
        conn.execute(sa.update(m.Branch.__table__).values(cash_auth_limit_b=8_000_000))
    run_in_transaction(core.engine, fund)
    number = core.demo.accounts[1][0]
    values = {"account": number, "amount": "85,000.00", "mode": "cash", "funds_detail": "购房"}
    out = session.run("10030", values, ("S002", PW))  # S002 is level A only
    assert not out.ok and out.needs_authorization[0].level == "B"
    assert out.problems[0].message == "授权级别不足：需要B级授权"
    out = session.run("10030", values, ("S001", PW))
    assert out.ok, out.problems


def test_wrong_supervisor_password_counts_toward_lock_out(core, session):
    values = {"account": core.demo.accounts[1][0], "amount": "60,000.00", "mode": "cash",
              "funds_detail": "x"}
    n = entry_count(core)
    out = session.run("10030", values, ("S002", "bad12345"))
    assert not out.ok and "还可尝试5次" in out.problems[0].message
    assert failures(core, "S002") == 1
    for _ in range(5):
        out = session.run("10030", values, ("S002", "bad12345"))
    assert "锁定" in out.problems[0].message
    # THEN even the right password is refused now: the supervisor is locked out
    out = session.run("10030", values, ("S002", PW))
    assert not out.ok and "锁定" in out.problems[0].message
    assert entry_count(core) == n


def test_supervisor_refusal_is_recorded_with_remark(core, session):
    values = {"account": core.demo.accounts[1][0], "amount": "60,000.00", "mode": "cash",
              "funds_detail": "x"}
    n = entry_count(core)
    out = session.run("10030", values, Authorizer("S001", PW, remark="客户身份存疑",
                                                  refuse=True))
    assert not out.ok and out.refused.remark == "客户身份存疑"
    (row,) = authorizations(core)
    assert (row.outcome, row.remark, row.entry_id, row.txn_code) == \
        ("refused", "客户身份存疑", None, "10030")
    assert entry_count(core) == n


def test_reversal_once_with_authorization_and_balances_restored(core, session):
    number, _, pan = core.demo.accounts[0]
    before = core.balance(number)
    dep = session.run("10020", {"account": pan, "amount": "300.00", "mode": "cash"})
    jn = dep.journal_numbers[0]
    # WHEN reversing without a supervisor THEN authorization is asked for
    out = session.run("08210", {"journal_number": jn})
    assert not out.ok and out.needs_authorization[0].level == "A"
    # WHEN a supervisor authorizes THEN the compensating entry restores the balance
    out = session.run("08210", {"journal_number": jn}, ("S002", PW))
    assert out.ok, out.problems
    assert core.balance(number) == before
    statuses = {line.journal_number: line.status for line in session.journal_today()}
    assert statuses[jn] == "reversed" and statuses[out.journal_numbers[0]] == "reversal"
    # AND neither can be reversed again
    again = session.run("08210", {"journal_number": jn}, ("S002", PW))
    assert not again.ok and "已冲正" in again.problems[0].message
    rev = session.run("08210", {"journal_number": out.journal_numbers[0]}, ("S002", PW))
    assert "冲正交易不能再冲正" in rev.problems[0].message
    assert check_books(core.engine).ok


def test_reversal_only_today_and_only_own_entries(core, terminal, session):
    dep = session.run("10020", {"account": core.demo.accounts[0][0], "amount": "1.00",
                                "mode": "cash"})
    other = terminal.sign_on("T002", PW).session
    out = other.run("08210", {"journal_number": dep.journal_numbers[0]}, ("S002", PW))
    assert not out.ok and out.problems[0].message == "只能冲正本柜员的交易"

    def next_day(conn):
        conn.execute(sa.update(m.Branch.__table__).values(
            business_date=core.demo.business_date + dt.timedelta(days=1)))
    run_in_transaction(core.engine, next_day)
    out = session.run("08210", {"journal_number": dep.journal_numbers[0]}, ("S002", PW))
    assert not out.ok and out.problems[0].message == "只能冲正当日交易"
    assert session.journal_today() == ()


def test_sign_off_ends_the_session(session):
    session.sign_off()
    out = session.run("10020", {})
    assert not out.ok and "签退" in out.problems[0].message


def test_menu_and_codes_come_from_the_registry(terminal):
    menu = {c.code: [i.code for i in c.items] for c in terminal.registry.menu()}
    # other areas add their flows to these menus: check ours are there, in code order
    assert menu["personal"] == sorted(menu["personal"])
    assert {"10020", "10030"} <= set(menu["personal"]) and "08210" in menu["general"]


def test_voucher_is_rebuilt_from_the_core_in_a_later_session(core, terminal, session):
    number = core.demo.accounts[1][0]  # 86,000.50
    # GIVEN an authorized cash withdrawal posted in one session, which then signs off
    out = session.run("10030", {"account": number, "amount": "60,000.00", "mode": "cash",
                                "funds_detail": "购车"}, ("S002", PW))
    assert out.ok, out.problems
    printed = out.vouchers[0]
    session.sign_off()
    # WHEN the teller signs on again and asks for that entry's voucher
    later = terminal.sign_on("T001", PW).session
    v = later.voucher(out.journal_numbers[0])
    # THEN it is the same voucher the printer got, rebuilt from the core's entry
    assert v is not None
    for name in ("bank", "branch", "branch_name", "txn_code", "txn_name", "account_masked",
                 "account_name", "amount_fen", "amount_capital", "journal_number", "teller",
                 "authorizer", "time", "business_date", "mode", "balance_after"):
        assert getattr(v, name) == getattr(printed, name), name
    assert v.authorizer == "S002" and v.mode == "cash"
    # AND an unknown number or another teller's entry has no voucher for this teller
    assert later.voucher("20990101T001999999") is None
    other = terminal.sign_on("T002", PW).session
    assert other.voucher(out.journal_numbers[0]) is None


def test_voucher_of_a_transfer_names_the_counter_account(core, session):
    (a, _, _), (b, _, pan_b) = core.demo.accounts[:2]
    out = session.run("10020", {"account": a, "amount": "25.50", "mode": "transfer",
                                "from_account": pan_b})
    assert out.ok, out.problems
    v = session.voucher(out.journal_numbers[0])
    assert v is not None and v.mode == "transfer" and v.amount_fen == 2550
    assert {v.account_masked, v.counter_account_masked} == \
        {f"{a[:6]}****{a[-4:]}", f"{b[:6]}****{b[-4:]}"}
