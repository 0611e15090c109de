"""Property: large cash (大额现金数据采集, ``LargeCashRule`` with the
``FundsDeclaration`` attachment of the 18590 page inside 10020/10030) follows a
small model of DOMAIN.md §4. Cash of 50,000.00 or more in one posting on a
customer's account must carry the customer's source (存入) or use (支取) of
funds: without it the posting is refused; with a declaration that is not
acceptable (an unknown category, 'other' without a description, a description
over 120 characters) it is refused too; accepted, the 18590 register holds one
line for the entry — account, deposit/withdrawal, the cash amount, category,
description (trimmed) and the teller. Below the threshold nothing is asked and
nothing registered, whatever is attached; a reversal (冲正) needs no
declaration and registers nothing more. The amount is the customer leg's (net
of change given back, 找零). A refused posting moves no balance.

A second property holds it for a unit (单位) account too: DOMAIN.md's "cash of
50,000 or more in one transaction" names no kind of account."""
from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from teller.core.cash.counts import (
    CashCount, active_denominations, cash_payout_need, read_holdings,
)
from teller.core.cash.large_cash import FundsDeclaration, LargeCashRegister
from teller.core.cash.models import LargeCashRecord
from teller.core.customers.models import Customer
from teller.core.ledger.accounts import open_account
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.rulebook import check_books
from teller.core.ledger.records import AuthGrant, EntryRequest, Leg, PostingRefused
from teller.core.rulebook import ledger
from teller.core.services import CoreServices
from teller.domain import cash as dc

pytestmark = pytest.mark.postgres
EXAMPLES = {"sqlite": 50, "postgres": 15}
THRESHOLD = 5_000_000  # DOMAIN.md §4: 50,000.00 or more
CATEGORIES = ("salary", "business", "investment", "savings", "consumption", "property",
              "repayment", "other")
OPENING = 30_000_000
keys = itertools.count()


# -- the model ------------------------------------------------------------------------------
def declaration_problem(d: FundsDeclaration) -> bool:
    return (d.category not in CATEGORIES or (d.category == "other" and not d.detail.strip())
            or len(d.detail) > 120)


def expected(amount: int, declaration: FundsDeclaration | None) -> str | None:
    if amount < THRESHOLD:
        return None
    if declaration is None:
        return "large_cash_needs_funds"
    if declaration_problem(declaration):
        return "bad_funds_declaration"
    return None


# -- the strategies ---------------------------------------------------------------------------
amounts = st.one_of(
    st.integers(-2_000, 2_000).map(lambda d: THRESHOLD + d),   # at the threshold
    st.integers(-20, 20).map(lambda d: THRESHOLD + d * 10_000),  # around it, in 100.00s
    st.integers(1, 10_000).map(lambda y: y * 100),            # small cash
)
text = st.text("工资 款项a", min_size=1, max_size=20)
edge_details = st.one_of(st.just(""), st.just("   "),  # blank, and around 120 characters:
                         st.integers(119, 122).map(lambda n: "说" * n),
                         st.integers(119, 123).map(lambda n: " " + "x" * (n - 2) + " "))
declarations = st.one_of(
    st.none(),
    *[st.builds(FundsDeclaration, st.sampled_from(CATEGORIES), text)] * 3,
    *[st.builds(FundsDeclaration, st.sampled_from(CATEGORIES), edge_details)] * 2,
    st.builds(FundsDeclaration, st.sampled_from(("", "lottery", "OTHER")), text),
)
ops = st.one_of(
    *[st.tuples(st.sampled_from(("deposit", "withdraw")), amounts, declarations,
                st.sampled_from((0, 0, 50, 10_000)))] * 6,
    st.tuples(st.just("reverse"), st.none(), st.none(), st.none()),
)


@pytest.fixture
def world(core):
    cs = CoreServices(core.engine)
    assert cs.teller_day.sign_on("T001", "T01").box is not None
    with core.engine.connect() as conn:
        cid = conn.execute(sa.select(Customer.id)).scalars().first()
        denoms = list(active_denominations(conn))
    return core, cs, ledger(core.engine), core.account("cash_box", "T001"), cid, denoms


def request(legs, txn_code: str, **kw) -> EntryRequest:
    return EntryRequest(key=f"lc-{next(keys)}", branch="0101", teller="T001", terminal="T01",
                        txn_code=txn_code, step="post", legs=tuple(legs), **kw)


def register_size(core) -> int:
    with reader(core.engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(LargeCashRecord)).scalar_one()


def holdings(core, box: str) -> dict[int, int]:
    with reader(core.engine) as conn:
        return read_holdings(conn, box)


def open_customer_account(core, cs, cid, kind="personal_current", subject="2017",
                          product="P-CUR", title="大额现金测试") -> str:
    bdate = cs.branch("0101").business_date
    return run_in_transaction(core.engine, lambda c: open_account(
        c, branch="0101", subject=subject, title=title, kind=kind, opened_on=bdate,
        customer_id=cid, product=product, account_class="I" if kind.startswith("personal")
        else None))


def test_large_cash_follows_the_model(world, backend):
    @settings(max_examples=EXAMPLES[backend], deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(ops, min_size=2, max_size=10))
    def sequence_follows_the_model(steps):
        check_sequence(world, steps)
    sequence_follows_the_model()


def check_sequence(world, steps) -> None:
    core, cs, kernel, box, cid, denoms = world
    # GIVEN a funded personal account and the teller's drawn cash box
    acct = open_customer_account(core, cs, cid)
    clearing = core.account("clearing")
    kernel.post(request((Leg(clearing, "D", OPENING), Leg(acct, "C", OPENING)), "10020"))
    balance, registered = OPENING, register_size(core)
    branch = cs.branch("0101")
    accepted: list[tuple[int, str, int, dict[int, int]]]  # entry, op, amount, notes taken in
    accepted = []
    for op, amount, declaration, change in steps:
        if op == "reverse":
            if not accepted:
                continue
            entry_id, was, amount, taken = accepted.pop()
            held = holdings(core, box)
            if any(held.get(d, 0) < n for d, n in taken.items()) or \
                    (was == "deposit" and amount > balance):
                continue  # the notes left the box, the money the account: other rules
            # WHEN the teller reverses a cash entry (a supervisor's grant, no declaration)
            kernel.reverse(entry_id, key=f"lc-{next(keys)}", teller="T001", terminal="T01",
                           authorization=AuthGrant("S002", "A"))
            # THEN it posts and registers nothing more
            balance += -amount if was == "deposit" else amount
            assert register_size(core) == registered
            assert core.balance(acct) == balance
            continue
        if op == "deposit":
            notes = dc.propose(amount + change, denoms)
            back = dc.propose(change, denoms) if change else {}
            cash = CashCount(box, received=dc.pairs(notes), paid=dc.pairs(back))
            legs = (Leg(box, "D", amount), Leg(acct, "C", amount))
        else:
            if amount > balance:
                continue
            notes = dc.propose(amount, denoms, holdings(core, box))
            if notes is None:
                continue  # the box cannot pay it out: the cash rule's business
            cash = CashCount(box, paid=dc.pairs(notes))
            legs = (Leg(acct, "D", amount), Leg(box, "C", amount))
        # 授权限额: a payout above the branch's limits goes with the grant its flow asks for
        need = cash_payout_need(amount, branch.cash_auth_limit_a, branch.cash_auth_limit_b) \
            if op == "withdraw" else None
        grant = {"A": AuthGrant("S002", "A"), "B": AuthGrant("S001", "B")}.get(
            need[0]) if need else None
        want = expected(amount, declaration)
        # WHEN the teller posts the cash deposit or withdrawal with whatever the
        # 18590 page gave (a declaration or none)
        try:
            posted = kernel.post(request(
                legs, "10020" if op == "deposit" else "10030",
                attachments=(cash,) + ((declaration,) if declaration else ()),
                required_level=need[0] if need else None, authorization=grant))
            got = None
        except PostingRefused as exc:
            got, posted = exc.code, None
        # THEN it is refused exactly when the model says, with the model's reason
        event(f"{op} {'large' if amount >= THRESHOLD else 'small'}: {got}")
        assert got == want, (op, amount, declaration)
        if posted is not None:
            balance += amount if op == "deposit" else -amount
            accepted.append((posted.entry_id, op, amount, dict(notes) if op == "deposit" else {}))
            line = LargeCashRegister(core.engine).record_for(posted.journal_number)
            if amount >= THRESHOLD:
                # AND the register holds the line of the entry
                assert declaration is not None and line is not None
                assert (line.account, line.direction, line.cash_amount, line.category,
                        line.detail, line.recorded_by) == (
                    acct, "deposit" if op == "deposit" else "withdrawal", amount,
                    declaration.category, declaration.detail.strip()[:120], "T001")
                registered += 1
            else:
                assert line is None
        # AND nothing else was registered, and a refusal moved no balance
        assert register_size(core) == registered
        assert core.balance(acct) == balance
    assert check_books(core.engine).ok


def test_unit_account_large_cash_needs_the_source_of_funds(world, backend):
    core, cs, kernel, box, cid, denoms = world
    # GIVEN a unit current account (单位活期) and the teller's drawn box
    unit = open_customer_account(core, cs, cid, kind="unit_current", subject="2012",
                                 product="U-CUR", title="演示单位")

    @settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(0, 3_000_000))
    def large_unit_deposit_is_refused(extra):
        amount = THRESHOLD + extra
        # WHEN 50,000.00 or more is deposited in cash without a declaration
        with pytest.raises(PostingRefused) as exc:
            kernel.post(request((Leg(box, "D", amount), Leg(unit, "C", amount)), "10020",
                                attachments=(CashCount(box, received=dc.pairs(
                                    dc.propose(amount, denoms))),)))
        # THEN it is refused for the missing source of funds
        assert exc.value.code == "large_cash_needs_funds"
    large_unit_deposit_is_refused()
