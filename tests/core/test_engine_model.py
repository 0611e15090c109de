"""A Hypothesis state machine drives the posting engine (SQLite) and a small
in-memory model of the rules side by side; after every step the balances
agree, and at the end ``check_books`` passes.

The model knows: natural balances, holds (reduce what can be paid out),
sealed accounts (no debits), idempotent keys, same-day reversal once.
"""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.conftest import BUSINESS_DATE, float_account
from teller.core.controls.models import AccountControl
from teller.core.ledger import models as m
from teller.core import schema
from teller.core.ledger.db import make_engine, reader, run_in_transaction
from teller.core.demo import create_demo
from teller.core.rulebook import check_books
from teller.core.ledger.accounts import internal_account
from teller.core.rulebook import ledger
from teller.core.ledger.records import AuthGrant, EntryRequest, Leg, PostingRefused

amounts = st.integers(min_value=1, max_value=3_000_000)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "core.sqlite"
    url = f"sqlite:///{path}"
    schema.upgrade(url)
    engine = make_engine(url)
    create_demo(engine, business_date=BUSINESS_DATE, scrypt_n=2**10)
    # the counter leg: like a box it cannot go below zero, but it is not cash
    float_account(engine, overdraft_limit=0)
    engine.dispose()
    return path


def make_machine(template, workdir):
    counter = iter(range(10**6))

    class EngineVersusModel(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            path = workdir / f"m{next(counter)}.sqlite"
            shutil.copy(template, path)
            self.engine = make_engine(f"sqlite:///{path}")
            self.posting = ledger(self.engine)
            with reader(self.engine) as conn:
                self.box = internal_account(conn, "0101", "engine_float")
                rows = conn.execute(sa.select(m.Account.number, m.Account.balance)
                                    .where(m.Account.kind == "personal_current")
                                    .order_by(m.Account.number)).all()
            self.customers = [r.number for r in rows]
            self.balance = {r.number: int(r.balance) for r in rows}
            self.box_balance = self._db_balance(self.box)
            self.holds = {n: 0 for n in self.customers}
            self.sealed: set[str] = set()
            self.posted: list[tuple[int, list[tuple[str, int]], bool]] = []  # id, deltas, reversed
            self.keys: dict[str, int] = {}
            self.seq = 0

        def _db_balance(self, number):
            with reader(self.engine) as conn:
                return int(conn.execute(sa.select(m.Account.balance)
                                        .where(m.Account.number == number)).scalar_one())

        def _post(self, legs, deltas, *, ok: bool, key=None):
            self.seq += 1
            key = key or f"sm-{self.seq}"
            req = EntryRequest(key=key, branch="0101", teller="T001", terminal="T01",
                               txn_code="10020", step="post", legs=tuple(legs))
            try:
                posted = self.posting.post(req)
            except PostingRefused as exc:
                assert not ok, f"engine refused what the model allows: {exc}"
                return
            assert ok, "engine posted what the model refuses"
            for number, delta in deltas:
                self._apply(number, delta)
            self.posted.append((posted.entry_id, deltas, False))
            self.keys[key] = posted.entry_id

        def _apply(self, number, delta):
            if number == self.box:
                self.box_balance += delta
            else:
                self.balance[number] += delta

        def _can_pay(self, number, amount):
            return number not in self.sealed and amount <= self.balance[number] - self.holds[number]

        @rule(i=st.integers(0, 2), amount=amounts)
        def deposit(self, i, amount):
            n = self.customers[i]
            self._post([Leg(self.box, "D", amount), Leg(n, "C", amount)],
                       [(self.box, amount), (n, amount)], ok=True)

        @rule(i=st.integers(0, 2), amount=amounts)
        def withdraw(self, i, amount):
            n = self.customers[i]
            ok = self._can_pay(n, amount) and amount <= self.box_balance
            self._post([Leg(n, "D", amount), Leg(self.box, "C", amount)],
                       [(n, -amount), (self.box, -amount)], ok=ok)

        @rule(i=st.integers(0, 2), j=st.integers(0, 2), amount=amounts)
        def transfer(self, i, j, amount):
            a, b = self.customers[i], self.customers[j]
            if a == b:
                return
            self._post([Leg(a, "D", amount), Leg(b, "C", amount)], [(a, -amount), (b, amount)],
                       ok=self._can_pay(a, amount))

        @rule(i=st.integers(0, 2), amount=st.integers(1, 2_000_000))
        def hold(self, i, amount):
            n = self.customers[i]
            self.seq += 1
            run_in_transaction(self.engine, lambda c: c.execute(sa.insert(
                AccountControl.__table__).values(
                account_number=n, kind="hold", amount=amount, incident_number=f"{self.seq:019d}",
                status="active", starts_on=dt.date(2000, 1, 1), created_by="S001",
                created_at=dt.datetime.now(), detail="{}")))
            self.holds[n] += amount

        @rule(i=st.integers(0, 2))
        def toggle_seal(self, i):
            n = self.customers[i]
            if n in self.sealed:
                run_in_transaction(self.engine, lambda c: c.execute(
                    sa.update(AccountControl.__table__).where(
                        AccountControl.account_number == n,
                        AccountControl.kind == "sealed").values(status="released")))
                self.sealed.discard(n)
            else:
                self.seq += 1
                run_in_transaction(self.engine, lambda c: c.execute(sa.insert(
                    AccountControl.__table__).values(
                    account_number=n, kind="sealed", amount=0,
                    incident_number=f"{self.seq:019d}", status="active",
                    starts_on=dt.date(2000, 1, 1), created_by="S001",
                    created_at=dt.datetime.now(), detail="{}")))
                self.sealed.add(n)

        @precondition(lambda self: self.keys)
        @rule(data=st.data())
        def replay_a_key(self, data):
            key = data.draw(st.sampled_from(sorted(self.keys)))
            entry_id = self.keys[key]
            posted = self.posting.find(key)
            assert posted is not None and posted.entry_id == entry_id

        @precondition(lambda self: self.posted)
        @rule(data=st.data())
        def reverse(self, data):
            index = data.draw(st.integers(0, len(self.posted) - 1))
            entry_id, deltas, reversed_ = self.posted[index]
            undo = [(n, -d) for n, d in deltas]
            ok = not reversed_ and all(
                d >= 0 or (n == self.box and -d <= self.box_balance)
                or (n != self.box and self._can_pay(n, -d)) for n, d in undo)
            self.seq += 1
            try:
                self.posting.reverse(entry_id, key=f"rv-{self.seq}", teller="T001",
                                     terminal="T01", authorization=AuthGrant("S001", "B"))
            except PostingRefused as exc:
                assert not ok, f"engine refused a reversal the model allows: {exc}"
                return
            assert ok, "engine reversed what the model refuses"
            for n, d in undo:
                self._apply(n, d)
            self.posted[index] = (entry_id, deltas, True)

        @invariant()
        def balances_agree(self):
            for n in self.customers:
                assert self._db_balance(n) == self.balance[n]
            assert self._db_balance(self.box) == self.box_balance

        def teardown(self):
            report = check_books(self.engine)
            self.engine.dispose()
            assert report.ok, report.summary()

    return EngineVersusModel


def test_engine_matches_model(template, tmp_path):
    machine = make_machine(template, tmp_path)
    settings_ = settings(max_examples=25, stateful_step_count=25, deadline=None,
                         suppress_health_check=[HealthCheck.too_slow])
    machine.TestCase.settings = settings_
    machine.TestCase().runTest()
