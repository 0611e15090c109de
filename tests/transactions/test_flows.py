"""Flows stepped through page by page with plain values — no Qt, no API."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from teller.core.controls.models import AccountControl
from teller.core.ledger.db import run_in_transaction

from teller.core.ledger.records import AuthGrant
from teller.core.services import CoreServices
from teller.transactions.context import Services
from teller.transactions.flow import FlowRun
from teller.transactions.registry import default_registry


@pytest.fixture
def services(core):
    cs = CoreServices(core.engine)
    assert cs.teller_day.sign_on("T001", "T01").box is not None  # 签到领用尾箱
    return Services(core=cs, teller="T001", terminal="T01", branch_info=cs.branch("0101"))


def start(code, services):
    return FlowRun(default_registry().get(code), services)


def names(run):
    return run.current.name if run.current else None


def test_deposit_cash_path_skips_the_transfer_page(core, services):
    run = start("10020", services)
    assert names(run) == "account"
    assert run.next()[0].message == "请输入账号/卡号"
    run.set("account", core.demo.accounts[0][2])
    assert run.next() == [] and names(run) == "amount"
    run.set_many({"amount": "200.00", "mode": "cash"})
    assert run.next() == [] and names(run) == "cash"
    assert run.next() == [] and names(run) == "post"  # transfer page skipped
    assert run.can_submit and run.authorization_needs() == []
    # WHEN going back THEN the skipped page is skipped backwards too
    assert run.back() and names(run) == "cash"
    assert run.back() and names(run) == "amount"
    run.set("mode", "transfer")
    assert run.next() == [] and names(run) == "transfer"


def test_holder_summary_shows_name_and_available_balance(core, services):
    run = start("10030", services)
    run.set("account", core.demo.accounts[1][2])
    summary = dict((label, text) for label, _, text in run.summary())
    assert summary["户名"] == "刘芳" and summary["可用余额"] == "¥86,000.50"
    assert summary["账号"] == core.demo.accounts[1][0]


def test_transfer_to_the_same_account_is_refused(core, services):
    number, _, pan = core.demo.accounts[0]
    run = start("10020", services)
    run.set_many({"account": pan, "amount": "1.00", "mode": "transfer", "from_account": number})
    assert run.next() == [] and run.next() == []
    assert [p.message for p in run.next()] == ["转出与转入账户不能相同"]


def test_cash_page_rules_large_cash_and_note_count(core, services):
    run = start("10020", services)
    run.set_many({"account": core.demo.accounts[0][0], "amount": "50,000.00", "mode": "cash",
                  "notes": {"10000": 499}})
    run.next(), run.next()
    assert {p.field for p in run.next()} == {"notes"}
    run.set_many({"notes": {"10000": 500}})
    assert run.next() == []
    # the 18590 page: "other" (the default) needs its description, once
    assert run.current.name == "funds"
    assert {p.field for p in run.next()} == {"funds_detail"}
    run.set_many({"funds_category": "business"})
    assert run.next() == []


def test_withdrawal_authorization_levels_follow_branch_limits(core, services):
    run = start("10030", services)
    run.set_many({"account": core.demo.accounts[1][0], "mode": "cash"})
    limits = services.branch_info
    for amount, needs in (("50,000.00", []), ("50,000.01", ["A"]), ("200,000.01", ["B"])):
        run.set("amount", amount)
        assert [n.level for n in run.authorization_needs()] == needs, amount
    run.set_many({"amount": "60,000.00", "mode": "transfer"})
    assert run.authorization_needs() == []  # the limits are for cash
    assert limits.cash_auth_limit_a == 5_000_000


def test_commit_without_authorization_posts_nothing_and_with_it_moves_on(core, services):
    number = core.demo.accounts[1][0]
    run = start("10030", services)
    run.set_many({"account": number, "amount": "60,000.00", "mode": "cash",
                  "funds_detail": "购车"})
    while names(run) != "post":
        assert run.next() == []
    before = core.balance(number)
    out = run.commit()
    assert not out.ok and out.needs[0].level == "A" and core.balance(number) == before
    out = run.commit(AuthGrant("S002", "A"))
    assert out.ok and run.finished and core.balance(number) == before - 6_000_000
    assert [c.journal_number for c in run.committed] == [out.entries[0].journal_number]
    assert not run.back()  # nothing to go back to once committed


def test_refused_step_gets_a_fresh_key_for_the_next_attempt(core, services):
    number = core.demo.accounts[2][0]
    run = start("10030", services)
    run.set_many({"account": number, "amount": "100.00", "mode": "cash"})
    while names(run) != "post":
        assert run.next() == []
    first = run.key_for()

    # GIVEN the account is sealed after the pages were checked (another counter)
    def seal(conn):
        conn.execute(sa.insert(AccountControl.__table__).values(
            account_number=number, kind="sealed", amount=0, incident_number="2" * 19,
            status="active", starts_on=core.demo.business_date, created_by="S001",
            created_at=dt.datetime.now(), detail="{}"))
    run_in_transaction(core.engine, seal)
    # WHEN the step is committed THEN the engine's rule message lands on the field
    out = run.commit()
    assert not out.ok and out.problems[0].field == "account"
    assert out.problems[0].message == f"账户已封存，不能支取：{number}"
    # AND a new attempt will not reuse the refused key
    assert run.key_for() != first and names(run) == "post"
