"""Cash boxes by denomination in the core (teller.core.cash.counts): counts are
written with the posting, refused as a whole, and the boxes always agree with
their 1001 GL balances — including a Hypothesis run of random cash movements."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings, strategies as st

from teller.core.cash.models import CashHolding, CashMovement
from teller.core.ledger import models as m
from teller.core.ledger.db import reader
from teller.core.cash.counts import (
    CashBalancing, CashCount, CashTransferConfirm, CashTransferOut,
)
from teller.core.ledger.records import AuthGrant, EntryRequest, Leg, PostingRefused
from teller.core.services import CoreServices
from teller.core.cash.teller_day import day_end_blockers
from teller.core.time_deposits.deposits import TimeDepositOpening
from teller.domain import cash as dc

pytestmark = pytest.mark.postgres
DENOMS = (10000, 5000, 1000, 100, 50)  # the demo boxes hold only 200 pieces of 50


@pytest.fixture
def cs(core):
    services = CoreServices(core.engine)
    for teller in ("T001", "T002"):
        assert services.teller_day.sign_on(teller, "T01").box is not None
    return services


def req(teller, legs, cash=(), action=None, txn_code="99999", step="post", **kw):
    return EntryRequest(key=f"t-{uuid.uuid4().hex}", branch="0101", teller=teller,
                        terminal="T01", txn_code=txn_code, step=step, legs=tuple(legs),
                        attachments=tuple(cash) + ((action,) if action else ()), **kw)


def snapshot(core):
    """(GL balances of every account, every holding) — what a refusal must not change."""
    with reader(core.engine) as conn:
        gl = dict(conn.execute(sa.select(m.Account.number, m.Account.balance)).all())
        held = {(a, int(d)): int(n) for a, d, n in conn.execute(
            sa.select(CashHolding.account_number, CashHolding.value_fen,
                      CashHolding.pieces))}
    return gl, {k: v for k, v in held.items() if v}


def assert_boxes_agree(core):
    gl, held = snapshot(core)
    assert all(n >= 0 for n in held.values())
    with reader(core.engine) as conn:
        boxes = conn.execute(sa.select(m.Account.number).where(
            m.Account.kind.in_(("vault", "cash_box")))).scalars().all()
    for box in boxes:
        assert sum(d * n for (a, d), n in held.items() if a == box) == gl[box], box


def test_a_cash_entry_without_a_matching_count_posts_nothing(core, cs):
    box, cust = core.account("cash_box", "T001"), core.demo.accounts[0][0]
    before = snapshot(core)
    cases = [
        ((), "cash_count_missing"),
        ((CashCount(box, received=((10000, 2),)),), "cash_count_mismatch"),
        ((CashCount(box, received=((3000, 3), (1000, 1))),), "bad_denomination"),
        ((CashCount(cust, received=((10000, 1),)),), "cash_count_not_cash"),
    ]
    for cash, code in cases:
        with pytest.raises(PostingRefused) as exc:
            cs.post(req("T001", [Leg(box, "D", 10000), Leg(cust, "C", 10000)], cash))
        assert exc.value.code == code
    # another teller may not use T001's box
    with pytest.raises(PostingRefused) as exc:
        cs.post(req("T002", [Leg(box, "D", 10000), Leg(cust, "C", 10000)],
                    (CashCount(box, received=((10000, 1),)),)))
    assert exc.value.code == "no_cash_box"
    assert snapshot(core) == before


def test_change_is_counted_and_a_payout_beyond_the_notes_held_is_refused(core, cs):
    box, cust = core.account("cash_box", "T001"), core.demo.accounts[1][0]
    held = dict(((d, n) for (a, d), n in snapshot(core)[1].items() if a == box))
    posted = cs.post(req("T001", [Leg(box, "D", 25000), Leg(cust, "C", 25000)],
                         (CashCount(box, received=((10000, 3),), paid=((5000, 1),)),)))
    assert sorted(cs.cash.movements(posted.entry_id)) == [
        (box, 5000, "out", 1), (box, 10000, "in", 3)]
    too_many = held.get(50, 0) + 1
    before = snapshot(core)
    with pytest.raises(PostingRefused) as exc:
        cs.post(req("T001", [Leg(cust, "D", 50 * too_many), Leg(box, "C", 50 * too_many)],
                    (CashCount(box, paid=((50, too_many),)),)))
    assert exc.value.code == "cash_insufficient_notes" and "5角不足" in exc.value.message
    assert snapshot(core) == before
    assert_boxes_agree(core)


def test_balancing_difference_needs_authorization_and_lands_in_the_register(core, cs):
    box = core.account("cash_box", "T001")
    over = core.account("suspense_over")
    counted = {d: n for (a, d), n in snapshot(core)[1].items() if a == box}
    counted[1000] = counted.get(1000, 0) + 2  # two 10-yuan notes too many: 长款 20.00
    legs = [Leg(box, "D", 2000), Leg(over, "C", 2000)]
    count = (CashCount(box, received=dc.pairs(counted)),)
    with pytest.raises(PostingRefused) as exc:
        cs.post(req("T001", legs, count, CashBalancing()))
    assert exc.value.code == "needs_authorization"
    cs.post(req("T001", legs, count, CashBalancing(), authorization=AuthGrant("S002", "A"),
                required_level="A"))
    (item,) = cs.cash.over_short("0101")
    assert (item.kind, item.amount) == ("over", 2000)
    assert cs.teller_day.status("T001").balanced
    with reader(core.engine) as conn:
        fields = {p.field for p in day_end_blockers(conn, "0101")}
    assert f"over_short:{item.id}" in fields and "teller:T001" in fields
    assert {p.field for p in day_end_blockers(core.engine, "0101")} == fields
    assert_boxes_agree(core)


SLIPS = iter(range(70000001, 80000000))  # across examples: the database is shared
movement = st.one_of(
    st.tuples(st.just("deposit"), st.sampled_from(("T001", "T002")),
              st.dictionaries(st.sampled_from(DENOMS), st.integers(0, 4), max_size=3),
              st.dictionaries(st.sampled_from(DENOMS), st.integers(0, 2), max_size=2)),
    st.tuples(st.just("withdraw"), st.sampled_from(("T001", "T002")),
              st.dictionaries(st.sampled_from(DENOMS), st.integers(0, 300), max_size=3),
              st.just({})),
    st.tuples(st.just("transfer"), st.sampled_from(("T001", "T002")),
              st.dictionaries(st.sampled_from(DENOMS), st.integers(0, 300), max_size=3),
              st.just({})),
    # 10110 in cash: the opening's own rule writes its rows in the same entry
    st.tuples(st.just("time_open"), st.sampled_from(("T001", "T002")),
              st.dictionaries(st.sampled_from(DENOMS), st.integers(0, 40), max_size=3),
              st.dictionaries(st.sampled_from(DENOMS), st.integers(0, 2), max_size=2)),
)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(movement, min_size=1, max_size=6))
def test_random_cash_movements_keep_every_box_whole(core, cs, moves):
    """Property: whatever is accepted or refused, no box ever holds a negative
    count of any denomination and every box's counts equal its GL balance —
    time-deposit openings in cash (another area's rule in the same entry)
    included."""
    boxes = {t: core.account("cash_box", t) for t in ("T001", "T002")}
    cust = core.demo.accounts[1][0]
    transit = cs.cash.in_transit_account("0101")
    rate = cs.time.product_for_term(12).rate.micro
    for kind, teller, notes, change in moves:
        box = boxes[teller]
        before = snapshot(core)
        try:
            if kind == "deposit":
                amount = dc.total(notes) - dc.total(change)
                if amount <= 0:
                    continue
                cs.post(req(teller, [Leg(box, "D", amount), Leg(cust, "C", amount)],
                            (CashCount(box, dc.pairs(notes), dc.pairs(change)),)))
            elif kind == "withdraw":
                amount = dc.total(notes)
                if amount <= 0:
                    continue
                cs.post(req(teller, [Leg(cust, "D", amount), Leg(box, "C", amount)],
                            (CashCount(box, paid=dc.pairs(notes)),)))
            elif kind == "time_open":
                amount = dc.total(notes) - dc.total(change)
                if amount <= 0:
                    continue
                number = cs.time.reserve_account_number("0101")
                cs.post(req(teller, [Leg(box, "D", amount), Leg(number, "C", amount)],
                            (CashCount(box, dc.pairs(notes), dc.pairs(change)),
                             TimeDepositOpening(number, 1, 12, amount, rate, False,
                                                str(next(SLIPS)), None)),
                            txn_code="10110", step="open"))
                event("time deposit opened in cash")
            else:  # teller to teller, then the other side confirms
                amount = dc.total(notes)
                if amount <= 0:
                    continue
                other = "T002" if teller == "T001" else "T001"
                sent = cs.post(req(teller, [Leg(transit, "D", amount), Leg(box, "C", amount)],
                                   (CashCount(box, paid=dc.pairs(notes)),), CashTransferOut(other)))
                (t,) = [t for t in cs.cash.transfers("0101") if t.out_entry_id == sent.entry_id]
                cs.post(req(other, [Leg(boxes[other], "D", amount), Leg(transit, "C", amount)],
                            (CashCount(boxes[other], received=dc.pairs(notes)),),
                            CashTransferConfirm(t.id)))
        except PostingRefused as exc:
            event(f"refused: {exc.code}")
            assert snapshot(core) == before  # refused as a whole
        assert_boxes_agree(core)
    assert cs.cash.transfers("0101") == ()


def test_counts_of_posted_entries_are_append_only(core, cs):
    box, cust = core.account("cash_box", "T001"), core.demo.accounts[0][0]
    cs.post(req("T001", [Leg(box, "D", 10000), Leg(cust, "C", 10000)],
                (CashCount(box, received=((10000, 1),)),)))
    for stmt in (sa.update(CashMovement).values(received="[[10000, 2]]"), sa.delete(CashMovement)):
        with pytest.raises(sa.exc.DBAPIError):
            with core.engine.begin() as conn:
                conn.execute(stmt)
