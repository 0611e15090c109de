"""Property: the class II/III account rules (Ⅱ/Ⅲ类户, ``ClassCeilingRule`` and
``ClassLimitsRule`` under random ``ClassLimits`` settings) follow a small model
through the kernel, over several business days and across a year end. Model
(DOMAIN.md §2, 银发〔2018〕16号 as the rule's docstring states it): a class III
account never holds more than 2,000.00, whoever pays in; a class II account
takes in and pays out at most the daily and the annual limit each way, counting
every posting on the account in that direction from the start of the day /
the year except money to or from its bound class-I account, reversals and
entries since reversed; a class III account's money out is limited the same
way (its money in only by the ceiling). Cash and transfers count alike. The
available balance is heard before the ceiling and the ceiling before the
limits, the daily limit before the annual one; a reversal (冲正) is not
limited, but cannot lift a class III balance over the ceiling. A refused
posting moves no balance."""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from teller.core.accounts.rules import ClassLimits
from teller.core.cash.counts import CashCount, active_denominations, read_holdings
from teller.core.customers.models import Customer
from teller.core.ledger import models as m
from teller.core.ledger.accounts import open_account
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.rulebook import check_books
from teller.core.ledger.records import AuthGrant, EntryRequest, Leg, PostingRefused
from teller.core.rulebook import ledger
from teller.core.services import CoreServices
from teller.domain import cash as dc

pytestmark = pytest.mark.postgres
EXAMPLES = {"sqlite": 45, "postgres": 12}
CEILING_III = 200_000  # Ⅲ类户: at most 2,000.00 at any time
FUNDS = 5_000_000
keys = itertools.count()


# -- the model ---------------------------------------------------------------------------
@dataclass
class Entry:
    entry_id: int
    day: dt.date
    legs: tuple[Leg, ...]
    cash_in: dict[int, int] = field(default_factory=dict)  # notes a cash deposit took in
    reversed: bool = False


@dataclass
class Model:
    limits: ClassLimits
    classes: dict[str, str]          # II / III account -> class
    bound: str                       # their bound class-I account
    balances: dict[str, int]
    entries: list[Entry] = field(default_factory=list)

    def used(self, acct: str, inflow: bool, start: dt.date, end: dt.date) -> int:
        side = "C" if inflow else "D"  # customer accounts are credit-natured (2017)
        return sum(leg.amount for e in self.entries if not e.reversed and start <= e.day <= end
                   and not any(x.account == self.bound for x in e.legs)
                   for leg in e.legs if leg.account == acct and leg.direction == side)

    def caps(self, cls: str, inflow: bool) -> tuple[int, int] | None:
        lim = self.limits
        if cls == "II":
            return (lim.ii_daily_in, lim.ii_annual_in) if inflow else \
                (lim.ii_daily_out, lim.ii_annual_out)
        return None if inflow else (lim.iii_daily_out, lim.iii_annual_out)

    def refusal(self, legs, day: dt.date, reversal: bool = False) -> str | None:
        balances = dict(self.balances)
        after = {}
        for leg in legs:  # the available balance, leg by leg
            if leg.account not in balances:
                continue
            if leg.direction == "D" and leg.amount > balances[leg.account]:
                return "insufficient"
            balances[leg.account] += leg.amount if leg.direction == "C" else -leg.amount
            after[leg] = balances[leg.account]
        for leg in legs:  # the class III ceiling
            if self.classes.get(leg.account) == "III" and leg.direction == "C" \
                    and after[leg] > CEILING_III:
                return "class_ceiling"
        if reversal:
            return None
        others = {leg.account for leg in legs}
        for leg in legs:  # the daily and annual limits
            cls = self.classes.get(leg.account)
            inflow = leg.direction == "C"
            caps = self.caps(cls, inflow) if cls else None
            if caps is None or self.bound in others - {leg.account}:
                continue
            amount = sum(x.amount for x in legs
                         if x.account == leg.account and x.direction == leg.direction)
            for period, start, cap in (("daily", day, caps[0]),
                                       ("annual", day.replace(month=1, day=1), caps[1])):
                if self.used(leg.account, inflow, start, day) + amount > cap:
                    return f"class_{cls.lower()}_{period}_limit"
        return None

    def apply(self, legs) -> None:
        for leg in legs:
            if leg.account in self.balances:
                self.balances[leg.account] += leg.amount if leg.direction == "C" else -leg.amount


def limits_strategy():
    def build(ii_in, ii_out, iii_out, more):
        return ClassLimits(ii_daily_in=ii_in, ii_annual_in=ii_in + ii_in * more[0] // 100,
                           ii_daily_out=ii_out, ii_annual_out=ii_out + ii_out * more[1] // 100,
                           iii_daily_out=iii_out,
                           iii_annual_out=iii_out + iii_out * more[2] // 100)
    daily = st.integers(50, 1000).map(lambda y: y * 100)
    small = st.builds(build, daily, daily, daily, st.tuples(*[st.integers(0, 80)] * 3))
    # the bank's own settings, or tighter ones that a few days' postings reach
    return st.one_of(st.just(ClassLimits()), small, small, small)


yuan = st.integers(1, 800).map(lambda y: y * 100)


MONEY_OPS = ("cash_in", "cash_out", "from_other", "to_other", "from_bound", "to_bound",
             "ii_to_iii", "iii_to_ii")
#: (operation, II or III, amount in fen, a number that picks days or an entry)
ops = st.tuples(st.sampled_from(MONEY_OPS * 3 + ("reverse",) * 4 + ("next_days",) * 3
                                + ("new_year",)),
                st.sampled_from(("II", "III")), yuan, st.integers(1, 20))


@pytest.fixture
def world(core):
    cs = CoreServices(core.engine)
    assert cs.teller_day.sign_on("T001", "T01").box is not None
    with core.engine.connect() as conn:
        cid = conn.execute(sa.select(Customer.id)).scalars().first()
    return core, cs, core.account("cash_box", "T001"), cid


def request(legs, txn_code: str, attach=()) -> EntryRequest:
    return EntryRequest(key=f"cl-{next(keys)}", branch="0101", teller="T001", terminal="T01",
                        txn_code=txn_code, step="post", legs=tuple(legs),
                        attachments=tuple(attach))


def business_date(core) -> dt.date:
    return CoreServices(core.engine).branch("0101").business_date


def move_date(core, day: dt.date) -> None:
    """The branch's business date, moved forward as the day-end would."""
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Branch.__table__).where(m.Branch.code == "0101").values(business_date=day)))


def open_personal(core, cid, cls: str) -> str:
    bdate = business_date(core)
    return run_in_transaction(core.engine, lambda c: open_account(
        c, branch="0101", subject="2017", title=f"{cls}类户测试", kind="personal_current",
        opened_on=bdate, customer_id=cid, product="P-CUR", account_class=cls))


def bind(core, number: str, bound: str) -> None:
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Account.__table__).where(m.Account.number == number)
        .values(bound_account=bound)))


def holdings(core, box: str) -> dict[int, int]:
    with reader(core.engine) as conn:
        return read_holdings(conn, box)


def denominations(core) -> list[int]:
    with reader(core.engine) as conn:
        return list(active_denominations(conn))


def test_class_rules_follow_the_model(world, backend):
    @settings(max_examples=EXAMPLES[backend], deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(limits_strategy(), st.lists(ops, min_size=10, max_size=24))
    def sequence_follows_the_model(limits, steps):
        check_sequence(world, limits, steps)
    sequence_follows_the_model()


def check_sequence(world, limits: ClassLimits, steps) -> None:
    core, cs, box, cid = world
    kernel = ledger(core.engine, class_limits=limits)
    denoms = denominations(core)
    # GIVEN a class-I account, a class II and a class III account bound to it,
    # and another customer's class-I account (not bound), both class-I funded
    bound, other = open_personal(core, cid, "I"), open_personal(core, cid, "I")
    ii, iii = open_personal(core, cid, "II"), open_personal(core, cid, "III")
    bind(core, ii, bound)
    bind(core, iii, bound)
    clearing = core.account("clearing")
    for acct in (bound, other):
        kernel.post(request((Leg(clearing, "D", FUNDS), Leg(acct, "C", FUNDS)), "10020"))
    # AND money in II and III from the bound account (not limited)
    for acct, amount in ((ii, FUNDS // 5), (iii, CEILING_III // 2)):
        kernel.post(request((Leg(bound, "D", amount), Leg(acct, "C", amount)), "10020"))
    model = Model(limits, {ii: "II", iii: "III"}, bound,
                  {bound: FUNDS - FUNDS // 5 - CEILING_III // 2, other: FUNDS,
                   ii: FUNDS // 5, iii: CEILING_III // 2})
    names = {"II": ii, "III": iii}
    for op, which, arg, n in steps:
        day = business_date(core)
        if op == "next_days":
            move_date(core, day + dt.timedelta(days=(1, 2, 3, 31, 45)[n % 5]))
            continue
        if op == "new_year":
            move_date(core, dt.date(day.year + 1, 1, 1))
            continue
        if op == "reverse":
            if not model.entries:
                continue
            e = model.entries[-1 - (n - 1) % len(model.entries)]
            swapped = tuple(Leg(x.account, "C" if x.direction == "D" else "D", x.amount)
                            for x in e.legs)
            held = holdings(core, box)
            if any(held.get(d, 0) < pieces for d, pieces in e.cash_in.items()):
                continue  # the deposit's notes have left the box: the cash rule's business
            if e.day != day:
                want = "not_same_day"
            elif e.reversed:
                want = "already_reversed"
            else:
                want = model.refusal(swapped, day, reversal=True)
            # WHEN the teller reverses an earlier entry (with the supervisor's grant)
            try:
                kernel.reverse(e.entry_id, key=f"cl-{next(keys)}", teller="T001",
                               terminal="T01", authorization=AuthGrant("S002", "A"))
                got = None
            except PostingRefused as exc:
                got = exc.code
            # THEN it is refused exactly when the model says; a reversed entry stops counting
            event(f"reverse: {got}")
            assert got == want, (op, e, model.balances)
            if got is None:
                e.reversed = True
                model.apply(swapped)
        else:
            acct = names[which]
            legs, attach, code = {
                "cash_in": lambda: ((Leg(box, "D", arg), Leg(acct, "C", arg)), "in", "10020"),
                "cash_out": lambda: ((Leg(acct, "D", arg), Leg(box, "C", arg)), "out", "10030"),
                "from_other": lambda: ((Leg(other, "D", arg), Leg(acct, "C", arg)), None, "10020"),
                "to_other": lambda: ((Leg(acct, "D", arg), Leg(other, "C", arg)), None, "10030"),
                "from_bound": lambda: ((Leg(bound, "D", arg), Leg(acct, "C", arg)), None, "10020"),
                "to_bound": lambda: ((Leg(acct, "D", arg), Leg(bound, "C", arg)), None, "10030"),
                "ii_to_iii": lambda: ((Leg(ii, "D", arg), Leg(iii, "C", arg)), None, "10030"),
                "iii_to_ii": lambda: ((Leg(iii, "D", arg), Leg(ii, "C", arg)), None, "10030"),
            }[op]()
            notes: dict[int, int] = {}
            cash: tuple = ()
            if attach == "in":
                notes = dc.propose(arg, denoms)
                cash = (CashCount(box, received=dc.pairs(notes)),)
            elif attach == "out":
                notes = dc.propose(arg, denoms, holdings(core, box))
                if notes is None:
                    continue  # the box cannot pay it: the cash rule's business, not this one's
                cash = (CashCount(box, paid=dc.pairs(notes)),)
            want = model.refusal(legs, day)
            # WHEN a deposit, withdrawal or transfer is posted as 10020/10030 would
            try:
                posted = kernel.post(request(legs, code, cash))
                got = None
            except PostingRefused as exc:
                got = exc.code
            # THEN it is refused exactly when the model says, with the model's reason
            event(f"{op}: {got}")
            assert got == want, (op, which, arg, day, model.balances, limits)
            if got is None:
                model.entries.append(Entry(posted.entry_id, day, legs,
                                           notes if attach == "in" else {}))
                model.apply(legs)
        # AND every balance is the model's (a refusal moved nothing)
        assert {a: core.balance(a) for a in model.balances} == model.balances, (op, which, arg)
    assert check_books(core.engine).ok
