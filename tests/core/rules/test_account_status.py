"""Property: the account-status rule (账户状态, ``AccountStatusRule``) lets a
posting through exactly when a small model of the statuses says so. The schema
knows five statuses (DOMAIN.md §3): normal, dormant (睡眠), off-book (营业外),
settled (结清) and closed (销户). The rule's model: closed, settled and off-book
accounts take nothing in and pay nothing out; a dormant account takes money in
but pays nothing out until reactivated; a normal one does both. The status is
heard first — a dormant account short of money is refused for being dormant,
not for the balance — and a refused posting moves no balance. (DOMAIN.md lists
the statuses but not what each allows; CBUS §4.23 only adds that dormant and
off-book accounts are reactivated by 18550 before anything else: the model
follows the rule's code.)"""
from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import float_account
from teller.core.customers.models import Customer
from teller.core.ledger import models as m
from teller.core.ledger.accounts import open_account
from teller.core.ledger.db import run_in_transaction
from teller.core.rulebook import check_books
from teller.core.ledger.records import EntryRequest, Leg, PostingRefused
from teller.core.rulebook import ledger
from teller.core.services import CoreServices

pytestmark = pytest.mark.postgres
STATUSES = ("normal", "dormant", "off_book", "settled", "closed")
#: Examples per backend: PostgreSQL round trips make each one several times slower.
EXAMPLES = {"sqlite": 100, "postgres": 30}
OPENING = 100_000
keys = itertools.count()


# -- the model ---------------------------------------------------------------------
def status_refusal(status: str, inflow: bool) -> str | None:
    """The model of the rule: which status stops which movement."""
    if status in ("closed", "settled", "off_book"):
        return f"status_{status}"
    if status == "dormant" and not inflow:
        return "status_dormant"
    return None


def expected(legs, statuses: dict[str, str], balances: dict[str, int]) -> str | None:
    """The refusal code the kernel should give, or None: the first leg (in leg
    order) a status stops, else the first debit beyond its balance. Customer
    accounts are credit-natured (2017): 'C' is money in."""
    for leg in legs:
        if leg.account in statuses:
            code = status_refusal(statuses[leg.account], leg.direction == "C")
            if code:
                return code
    for leg in legs:
        if leg.account in balances and leg.direction == "D" and leg.amount > balances[leg.account]:
            return "insufficient"
    return None


ops = st.one_of(
    st.tuples(st.just("status"), st.integers(0, 1), st.sampled_from(STATUSES)),
    st.tuples(st.just("deposit"), st.integers(0, 1), st.integers(1, 150_000)),
    st.tuples(st.just("withdraw"), st.integers(0, 1), st.integers(1, 150_000)),
    st.tuples(st.just("transfer"), st.integers(0, 1), st.integers(1, 150_000)),
)


@pytest.fixture
def world(core):
    with core.engine.connect() as conn:
        cid = conn.execute(sa.select(Customer.id)).scalars().first()
    return core, ledger(core.engine), float_account(core.engine, overdraft_limit=None), cid


def request(legs, txn_code: str) -> EntryRequest:
    return EntryRequest(key=f"st-{next(keys)}", branch="0101", teller="T001", terminal="T01",
                        txn_code=txn_code, step="post", legs=tuple(legs))


def fresh_account(core, kernel, float_acct, cid) -> str:
    bdate = CoreServices(core.engine).branch("0101").business_date
    number = run_in_transaction(core.engine, lambda c: open_account(
        c, branch="0101", subject="2017", title="状态测试", kind="personal_current",
        opened_on=bdate, customer_id=cid, product="P-CUR", account_class="I"))
    kernel.post(request((Leg(float_acct, "D", OPENING), Leg(number, "C", OPENING)), "10020"))
    return number


def set_status(core, number: str, status: str) -> None:
    """The status as 18550 / 10040 / day-end dormancy leave it (their flows are
    other families' business): straight into the account row."""
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Account.__table__).where(m.Account.number == number).values(status=status)))


def test_status_decides_like_the_model(world, backend):
    @settings(max_examples=EXAMPLES[backend], deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(ops, min_size=1, max_size=10))
    def sequence_follows_the_model(steps):
        check_sequence(world, steps)
    sequence_follows_the_model()


def check_sequence(world, steps) -> None:
    core, kernel, float_acct, cid = world
    # GIVEN two fresh, funded personal accounts in status normal
    accts = [fresh_account(core, kernel, float_acct, cid) for _ in range(2)]
    statuses = {a: "normal" for a in accts}
    balances = {a: OPENING for a in accts}
    for op, which, arg in steps:
        acct, other = accts[which], accts[1 - which]
        if op == "status":
            set_status(core, acct, arg)
            statuses[acct] = arg
            continue
        # WHEN a deposit, a withdrawal or a transfer between the two is posted
        if op == "deposit":
            legs, code = (Leg(float_acct, "D", arg), Leg(acct, "C", arg)), "10020"
        elif op == "withdraw":
            legs, code = (Leg(acct, "D", arg), Leg(float_acct, "C", arg)), "10030"
        else:
            legs, code = (Leg(acct, "D", arg), Leg(other, "C", arg)), "10030"
        want = expected(legs, statuses, balances)
        try:
            kernel.post(request(legs, code))
            got = None
        except PostingRefused as exc:
            got = exc.code
        # THEN it is refused exactly when the model says, with the model's reason
        assert got == want, (op, arg, statuses, balances)
        if got is None:
            for leg in legs:
                if leg.account in balances:
                    balances[leg.account] += leg.amount if leg.direction == "C" else -leg.amount
        # AND a refusal moved nothing
        assert {a: core.balance(a) for a in accts} == balances, (op, arg)
    assert check_books(core.engine).ok
