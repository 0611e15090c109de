"""Property: the counter's cash authorization limits (授权限额,
``CashAuthorizationRule`` over ``cash_payout_need``) follow a small model
through the kernel under random branch limits. Cash paid out of a customer's
account above the branch's ``cash_auth_limit_a`` needs a level-A supervisor,
above ``cash_auth_limit_b`` a level-B one; cash paid in, and money moved by
transfer, need none. Without a grant a payout that needs one is refused as
needing authorization and names the level; with a grant of too low a level it
is refused too; a posting that needs nothing posts whatever grant comes with
it. A refused posting moves no balance and no note. (The ranking of the
levels themselves is ``records.LEVELS``; see test_authorization_levels.)"""
from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from teller.core.cash.counts import CashCount, active_denominations, read_holdings
from teller.core.customers.models import Customer
from teller.core.ledger import models as m
from teller.core.ledger.accounts import open_account
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.records import LEVELS, AuthGrant, EntryRequest, Leg, PostingRefused
from teller.core.rulebook import check_books, ledger
from teller.core.services import CoreServices
from teller.domain import cash as dc

pytestmark = pytest.mark.postgres
EXAMPLES = {"sqlite": 40, "postgres": 12}
OPENING = 40_000_000
GRANTS = {None: None, "A": AuthGrant("S002", "A"), "B": AuthGrant("S001", "B")}
keys = itertools.count()


# -- the model ------------------------------------------------------------------------------
def level_needed(op: str, amount: int, limit_a: int, limit_b: int) -> str | None:
    if op != "withdraw":
        return None
    return "B" if amount > limit_b else "A" if amount > limit_a else None


def expected(need: str | None, grant: str | None) -> str | None:
    if need is None:
        return None
    if grant is None:
        return "needs_authorization"
    return None if LEVELS[grant] >= LEVELS[need] else "level_too_low"


# -- the strategies -------------------------------------------------------------------------
limits = st.tuples(st.integers(1, 300), st.integers(0, 300)).map(
    lambda t: (t[0] * 10_000, (t[0] + t[1]) * 10_000))  # a <= b, whole hundreds
steps = st.lists(st.tuples(st.sampled_from(("withdraw", "withdraw", "deposit", "transfer")),
                           # below large cash (50,000.00): that rule has its own test
                           st.integers(1, 4_999).map(lambda y: y * 1_000),
                           st.sampled_from((None, "A", "B"))), min_size=1, max_size=6)


@pytest.fixture
def world(core):
    cs = CoreServices(core.engine)
    assert cs.teller_day.sign_on("T001", "T01").box is not None
    with core.engine.connect() as conn:
        cid = conn.execute(sa.select(Customer.id)).scalars().first()
        denoms = list(active_denominations(conn))
    return core, cs, ledger(core.engine), core.account("cash_box", "T001"), cid, denoms


def request(legs, txn_code: str, **kw) -> EntryRequest:
    return EntryRequest(key=f"cpa-{next(keys)}", branch="0101", teller="T001", terminal="T01",
                        txn_code=txn_code, step="post", legs=tuple(legs), **kw)


def set_limits(core, limit_a: int, limit_b: int) -> None:
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Branch.__table__).where(m.Branch.code == "0101")
        .values(cash_auth_limit_a=limit_a, cash_auth_limit_b=limit_b)))


def test_cash_payouts_need_the_level_the_model_says(world, backend):
    core, cs, kernel, box, cid, denoms = world
    clearing = core.account("clearing")

    @settings(max_examples=EXAMPLES[backend], deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(limits, steps)
    def payouts_follow_the_model(branch_limits, ops):
        # GIVEN the branch's limits and a funded personal account
        limit_a, limit_b = branch_limits
        set_limits(core, limit_a, limit_b)
        bdate = cs.branch("0101").business_date
        acct = run_in_transaction(core.engine, lambda c: open_account(
            c, branch="0101", subject="2017", title="授权限额测试", kind="personal_current",
            opened_on=bdate, customer_id=cid, product="P-CUR", account_class="I"))
        kernel.post(request((Leg(clearing, "D", OPENING), Leg(acct, "C", OPENING)), "10020"))
        for op, amount, grant in ops:
            with reader(core.engine) as conn:
                held = read_holdings(conn, box)
            if op == "withdraw":
                notes = dc.propose(amount, denoms, held)
                if notes is None:
                    continue  # the box cannot pay it: the cash rule's business
                attach = (CashCount(box, paid=dc.pairs(notes)),)
                legs = (Leg(acct, "D", amount), Leg(box, "C", amount))
            elif op == "deposit":
                attach = (CashCount(box, received=dc.pairs(dc.propose(amount, denoms))),)
                legs = (Leg(box, "D", amount), Leg(acct, "C", amount))
            else:
                attach, legs = (), (Leg(acct, "D", amount), Leg(clearing, "C", amount))
            before = core.balance(acct)
            want = expected(level_needed(op, amount, limit_a, limit_b), grant)
            # WHEN the teller posts it with the grant drawn (or none)
            try:
                kernel.post(request(legs, {"withdraw": "10030", "deposit": "10020",
                                           "transfer": "10110"}[op],
                                    attachments=attach, authorization=GRANTS[grant]))
                got = None
            except PostingRefused as exc:
                got = exc.code
            # THEN it is refused exactly when the model says, for the model's reason
            event(f"{op}: {got}")
            assert got == want, (op, amount, grant, limit_a, limit_b)
            moved = 0 if got else (amount if op == "deposit" else -amount)
            assert core.balance(acct) == before + moved
            if got:
                with reader(core.engine) as conn:
                    assert read_holdings(conn, box) == held
    payouts_follow_the_model()
    assert check_books(core.engine).ok
