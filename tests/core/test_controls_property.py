"""Property: random sequences of controls, holds, freezes, loss reports,
deposits and withdrawals on one account always leave the available balance and
the allowed operations exactly where a small model of the rules says
(DOMAIN.md §3) — and the books balance afterwards."""
from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import float_account
from teller.core.controls.models import AccountControl
from teller.core.customers.models import Customer
from teller.core.ledger.db import run_in_transaction
from teller.core.rulebook import check_books
from teller.core.controls.controls import ControlAdd, ControlRelease
from teller.core.controls.judicial import Authority, Freeze, Officer, Unfreeze
from teller.core.ledger.accounts import open_account
from teller.core.rulebook import ledger
from teller.core.ledger.records import AuthGrant, EntryRequest, Leg, PostingRefused
from teller.core.services import CoreServices

GRANT = AuthGrant("S002", "A")
COURTS = [Authority("court", f"演示第{i}法院", f"N{i}", (Officer("官", "work_id", f"F{i}"),))
          for i in range(3)]
keys = itertools.count()


@dataclass
class Model:
    """The rules, small: what is in force and what that allows."""

    balance: int
    exclusive: str | None = None
    holds: dict[str, int] = field(default_factory=dict)
    freezes: list[tuple[str, str, int]] = field(default_factory=list)  # (incident, kind, amt)
    lost: bool = False

    @property
    def active_freeze(self):
        return self.freezes[0] if self.freezes else None

    @property
    def available(self) -> int:
        f = self.active_freeze
        partial = f[2] if f and f[1] == "freeze_partial" else 0
        return self.balance - sum(self.holds.values()) - partial

    def may_credit(self) -> bool:
        f = self.active_freeze
        return self.exclusive != "pay_only" and not (f and f[1] == "freeze_full")

    def may_debit(self, amount: int) -> bool:
        f = self.active_freeze
        return (self.exclusive not in ("sealed", "receive_only") and not self.lost
                and not (f and f[1] in ("freeze_full", "freeze_one_way"))
                and amount <= self.available)


ops = st.one_of(
    st.tuples(st.just("exclusive"), st.sampled_from(["receive_only", "pay_only", "sealed"])),
    st.tuples(st.just("release_exclusive"), st.just(None)),
    st.tuples(st.just("hold"), st.integers(1, 400_000)),
    st.tuples(st.just("release_hold"), st.integers(0, 5)),
    st.tuples(st.just("freeze"), st.tuples(
        st.sampled_from(["freeze_full", "freeze_partial", "freeze_one_way"]),
        st.integers(1, 400_000), st.integers(0, 2))),
    st.tuples(st.just("unfreeze"), st.just(None)),
    st.tuples(st.just("loss"), st.booleans()),
    st.tuples(st.just("deposit"), st.integers(1, 300_000)),
    st.tuples(st.just("withdraw"), st.integers(1, 300_000)),
)


@pytest.fixture
def world(core):
    cs = CoreServices(core.engine)
    cid = None
    with core.engine.connect() as conn:
        cid = conn.execute(sa.select(Customer.id)).scalars().first()
    return core, cs, ledger(core.engine), float_account(core.engine), cid


def _fresh_account(core, engine, box, cid) -> str:
    bdate = CoreServices(core.engine).branch("0101").business_date
    number = run_in_transaction(core.engine, lambda c: open_account(
        c, branch="0101", subject="2017", title="性质测试", kind="personal_current",
        opened_on=bdate, customer_id=cid, product="P-CUR"))
    engine.post(EntryRequest(key=f"p-{next(keys)}", branch="0101", teller="T001",
                             terminal="T01", txn_code="10020", step="post",
                             legs=(Leg(box, "D", 500_000), Leg(number, "C", 500_000))))
    return number


def _set_loss(core, number, on: bool) -> None:
    """挂失 as its control kind (the 18010 flow is another area's)."""
    t = AccountControl.__table__
    with core.engine.begin() as conn:
        if on:
            conn.execute(sa.insert(t).values(
                account_number=number, kind="loss_report", amount=0, incident_number="0" * 19,
                status="active", starts_on=dt.date(2000, 1, 1), created_by="T001",
                created_at=dt.datetime.now(), detail=json.dumps({})))
        else:
            conn.execute(sa.update(t).where(t.c.account_number == number,
                                            t.c.kind == "loss_report").values(status="released"))


#: Examples per backend: PostgreSQL round trips make each one several times slower.
EXAMPLES = {"sqlite": 120, "postgres": 30}


@pytest.mark.postgres
def test_controls_follow_the_model(world, backend):
    @settings(max_examples=EXAMPLES[backend], deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(ops, min_size=1, max_size=12))
    def sequence_follows_the_model(steps):
        check_sequence(world, steps)
    sequence_follows_the_model()


def check_sequence(world, steps) -> None:
    core, cs, engine, box, cid = world
    number = _fresh_account(core, engine, box, cid)
    model = Model(balance=500_000)
    until = cs.branch("0101").business_date + dt.timedelta(days=30)
    def step(code: str, what) -> str:
        """Post one 18090/18100 step (an entry without legs) the way its flow does."""
        return engine.post(EntryRequest(
            key=f"p-{next(keys)}", branch="0101", teller="T001", terminal="T01",
            txn_code=code, step="submit", reversible=False, attachments=(what,),
            authorization=GRANT)).fact("incident_number")

    def attempt(fn) -> bool:
        try:
            fn()
            return True
        except PostingRefused:
            return False

    for op, arg in steps:
        if op == "exclusive":
            ok = attempt(lambda: step("18100", ControlAdd(number, arg)))
            assert ok == (model.exclusive is None)
            model.exclusive = arg if ok else model.exclusive
        elif op == "release_exclusive" and model.exclusive:
            (c,) = cs.controls.controls(number, kinds=(model.exclusive,))
            step("18100", ControlRelease(c.incident_number))
            model.exclusive = None
        elif op == "hold":
            ok = attempt(lambda: step("18100", ControlAdd(number, "hold", arg)))
            assert ok == (arg <= model.available)
            if ok:
                (c,) = [c for c in cs.controls.controls(number, kinds=("hold",))
                        if c.incident_number not in model.holds]
                model.holds[c.incident_number] = arg
        elif op == "release_hold" and model.holds:
            incident = sorted(model.holds)[arg % len(model.holds)]
            step("18100", ControlRelease(incident))
            del model.holds[incident]
        elif op == "freeze":
            kind, amount, court = arg
            f = model.active_freeze
            clash = f is not None and {f[1], kind} == {"freeze_full", "freeze_one_way"}
            ok = attempt(lambda: step("18090", Freeze(number, kind, until, amount,
                                                      COURTS[court])))
            assert ok == (not clash)
            if ok:
                case = cs.judicial.cases(number)[-1]
                assert case.status == ("queued" if model.freezes else "active")
                model.freezes.append((case.incident_number, kind,
                                      amount if kind == "freeze_partial" else 0))
        elif op == "unfreeze" and model.freezes:
            incident = model.freezes[0][0]
            authority = cs.judicial.case(incident).authority
            step("18090", Unfreeze(incident, authority))
            model.freezes.pop(0)
        elif op == "loss":
            _set_loss(core, number, arg)
            model.lost = arg
        elif op == "deposit":
            ok = attempt(lambda: engine.post(EntryRequest(
                key=f"p-{next(keys)}", branch="0101", teller="T001", terminal="T01",
                txn_code="10020", step="post", legs=(Leg(box, "D", arg), Leg(number, "C", arg)))))
            assert ok == model.may_credit(), (op, arg, model)
            model.balance += arg if ok else 0
        elif op == "withdraw":
            allowed = model.may_debit(arg)
            ok = attempt(lambda: engine.post(EntryRequest(
                key=f"p-{next(keys)}", branch="0101", teller="T001", terminal="T01",
                txn_code="10030", step="post", legs=(Leg(number, "D", arg), Leg(box, "C", arg)))))
            assert ok == allowed, (op, arg, model)
            model.balance -= arg if ok else 0
        info = cs.account(number)
        assert (info.balance, info.available) == (model.balance, model.available), (op, model)
    assert check_books(core.engine).ok
