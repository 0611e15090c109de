"""Judicial freeze and deduction (18090) and holds (18100) on a time deposit
(整存整取, personal_time): a freeze stops its withdrawal, a court may deduct it
in full, and a hold may not exceed what is available."""
from __future__ import annotations

import datetime as dt

import pytest

from teller.core.rulebook import check_books
from tests.transactions.test_judicial import cases, freeze, messages, today
from tests.transactions.test_time_deposits import doc, learned

pytestmark = pytest.mark.postgres

A, B = ("S002", "demo123"), ("S001", "demo123")


def open_time_deposit(core, session, amount="10,000.00"):
    current = core.demo.accounts[0][0]
    out = session.run("10110", {"customer_doc": doc(0), "term": "12", "amount": amount,
                                "rollover": "0", "mode": "transfer", "from_account": current}, A)
    assert out.ok, out.problems
    return learned(out, session, "account_number")


def test_a_frozen_time_deposit_cannot_be_withdrawn_and_a_court_deducts_it_in_full(core, session):
    number = open_time_deposit(core, session)
    receiver = core.demo.accounts[2][0]
    before = core.balance(receiver)
    # WHEN a court freezes the time deposit in full
    out = freeze(session, number, "freeze_full", today(session) + dt.timedelta(days=30))
    assert out.ok, out.problems
    (case,) = cases(session, number)
    assert (case.kind, case.status) == ("freeze_full", "active")
    # THEN its withdrawal is refused with the freeze's words, nothing moves
    out = session.run("10130", {"account": number, "slip": "30000001", "mode": "transfer",
                                "to_account": core.demo.accounts[0][0]}, A)
    assert not out.ok and "司法冻结" in messages(out)[0]
    assert core.balance(number) == 1_000_000
    # WHEN the court deducts the whole deposit against its freeze
    out = session.run("18090", {"account": number, "action": "deduct",
                                "incident": case.incident_number, "d_amount": "10,000.00",
                                "to_account": receiver}, authorizer=B)
    # THEN the principal goes to the court's account and the case records it
    assert out.ok, out.problems
    assert core.balance(number) == 0 and core.balance(receiver) == before + 1_000_000
    (case,) = cases(session, number)
    assert case.deducted_total == 1_000_000
    assert check_books(core.engine).ok


def test_a_deduction_from_a_time_deposit_cannot_exceed_its_balance(core, session):
    number = open_time_deposit(core, session, "1,000.00")
    assert freeze(session, number, "freeze_full", today(session) + dt.timedelta(days=30)).ok
    (case,) = cases(session, number)
    out = session.run("18090", {"account": number, "action": "deduct",
                                "incident": case.incident_number, "d_amount": "1,000.01",
                                "to_account": core.demo.accounts[2][0]}, authorizer=B)
    assert not out.ok and core.balance(number) == 100_000


def test_a_hold_on_a_time_deposit_may_not_exceed_its_available_balance(core, session):
    number = open_time_deposit(core, session, "1,000.00")
    values = {"account": number, "action": "add", "kind": "hold",
              "expires_on": str(today(session) + dt.timedelta(days=30))}
    out = session.run("18100", {**values, "amount": "1,000.01"}, authorizer=A)
    assert not out.ok and "圈存金额不能大于可用余额" in messages(out)[0]
    assert session.run("18100", {**values, "amount": "600.00"}, authorizer=A).ok
    # AND the first hold counts against what a second one may take
    out = session.run("18100", {**values, "amount": "400.01"}, authorizer=A)
    assert not out.ok and "圈存金额不能大于可用余额" in messages(out)[0]
