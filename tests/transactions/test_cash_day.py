"""A teller day with cash by denomination, headless through Session.run:
the vault issues cash to two tellers, deposits and withdrawals with counts
(and change), a teller-to-teller transfer, blind balancing with a shortage,
the over/short register, sign-off and the branch's day-end blockers."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from teller.core.cash.models import CashBox, CashHandover, CashHolding
from teller.api import Terminal
from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.operators.service import OperatorService
from teller.domain import cash as dc
from tests.conftest import FAST_SCRYPT

pytestmark = pytest.mark.postgres
PW = "demo123"


@pytest.fixture
def counter(core, tmp_path):
    """Open terminals T01..T03 and sign people on: counter("T001", "T01")."""
    opened = []

    def sign_on(user, term):
        t = Terminal.open(core.url, tmp_path / f"{term}-{user}.sqlite", terminal_code=term,
                          scrypt_n=FAST_SCRYPT)
        opened.append(t)
        signed = t.sign_on(user, PW)
        assert signed.ok, signed.message
        return signed.session
    yield sign_on
    for t in opened:
        t.close()


def holdings(core, account):
    with reader(core.engine) as conn:
        rows = conn.execute(sa.select(CashHolding.value_fen, CashHolding.pieces)
                            .where(CashHolding.account_number == account)).all()
    return {int(d): int(n) for d, n in rows if n}


def assert_boxes_agree_with_gl(core):
    """Every vault/box: pieces ≥ 0 and their value = the 1001 GL balance."""
    with reader(core.engine) as conn:
        accts = conn.execute(sa.select(m.Account.number, m.Account.balance).where(
            m.Account.kind.in_(("vault", "cash_box")))).all()
        negative = conn.execute(sa.select(sa.func.count()).select_from(CashHolding)
                                .where(CashHolding.pieces < 0)).scalar()
    assert negative == 0
    for number, balance in accts:
        assert dc.total(holdings(core, number)) == balance, number


def test_a_teller_day_with_cash_by_denomination(core, counter):
    cust1, cust2 = core.demo.accounts[0][0], core.demo.accounts[1][0]
    vault = core.account("vault")
    box1, box2 = core.account("cash_box", "T001"), core.account("cash_box", "T002")
    sup = counter("S001", "T03")

    # GIVEN the vault issues 10,000 to T001 and 5,000 to T002 (领用)
    out1 = sup.run("09010", {"to": "T001", "amount": "10,000.00",
                             "notes": {"10000": 80, "5000": 40}})
    out2 = sup.run("09010", {"to": "T002", "amount": "5,000.00", "notes": {"10000": 50}})
    assert out1.ok and out2.ok, (out1.problems, out2.problems)
    cash = sup.terminal.core.cash
    transit = cash.transfers("0101")
    assert [(t.to_user, t.amount, t.status) for t in transit] == [
        ("T001", 1_000_000, "in_transit"), ("T002", 500_000, "in_transit")]
    in_transit_acct = cash.internal("0101", "cash_in_transit")
    assert core.balance(in_transit_acct) == -1_500_000  # 2241 现金在途: a debit balance
    assert {p.field for p in sup.day_end_blockers()} >= {f"transfer:{t.id}" for t in transit}

    # WHEN T001 signs on THEN the box is drawn, and both sides see the cash in transit
    t1 = counter("T001", "T01")
    assert t1.box == box1
    assert [t.id for t in cash.transfers("0101", user="T001")] == [transit[0].id]
    # AND a count that differs from what was sent is refused, nothing moves
    box1_before = holdings(core, box1)
    wrong = t1.run("09020", {"transfer_id": str(transit[0].id),
                             "notes": {"10000": 90, "5000": 20}})
    assert not wrong.ok and wrong.problems[0].message == "清点券别与调出券别不符，请重新清点"
    assert holdings(core, box1) == box1_before
    ok = t1.run("09020", {"transfer_id": str(transit[0].id), "notes": {"10000": 80, "5000": 40}})
    assert ok.ok, ok.problems
    assert holdings(core, box1)[10000] == box1_before[10000] + 80
    # AND T001 cannot confirm T002's transfer
    other = t1.run("09020", {"transfer_id": str(transit[1].id), "notes": {"10000": 50}})
    assert not other.ok and other.problems[0].message == "该调拨应由柜员 T002 确认"
    t2 = counter("T002", "T02")
    assert t2.run("09020", {"transfer_id": str(transit[1].id), "notes": {"10000": 50}}).ok
    assert core.balance(in_transit_acct) == 0 and cash.transfers("0101") == ()

    # WHEN T001 takes a 250.00 deposit as three 100s and gives one 50 back (找零)
    before = holdings(core, box1)
    dep = t1.run("10020", {"account": cust1, "amount": "250.00", "mode": "cash",
                           "notes": {"10000": 3}, "change": {"5000": 1}})
    assert dep.ok, dep.problems
    after = holdings(core, box1)
    assert after[10000] == before[10000] + 3 and after[5000] == before[5000] - 1
    assert sorted(cash.movements(dep.entries[0].entry_id)) == [
        (box1, 5000, "out", 1), (box1, 10000, "in", 3)]
    # AND a count that does not add up, or no change at all, is refused on the page
    bad = t1.run("10020", {"account": cust1, "amount": "250.00", "mode": "cash",
                           "notes": {"10000": 3}})
    assert not bad.ok and bad.problems[0].field == "notes"

    # WHEN T002 pays out 1,000.00 in 100s THEN its box loses ten 100s
    before2 = holdings(core, box2)
    wd = t2.run("10030", {"account": cust2, "amount": "1,000.00", "mode": "cash",
                          "notes": {"10000": 10}})
    assert wd.ok, wd.problems
    assert holdings(core, box2)[10000] == before2[10000] - 10
    # AND paying out notes the box does not hold is refused by the core, nothing posted
    cust2_before = core.balance(cust2)
    no_notes = t2.run("10030", {"account": cust2, "amount": "100.00", "mode": "cash",
                                "notes": {"2": 5000}})
    assert not no_notes.ok and "不足" in no_notes.problems[0].message
    assert core.balance(cust2) == cust2_before
    assert_boxes_agree_with_gl(core)

    # WHEN T001 hands 500.00 to T002 (柜员间调拨) THEN it is in transit until T002 confirms
    send = t1.run("09010", {"to": "T002", "amount": "500.00", "notes": {"10000": 5}})
    assert send.ok, send.problems
    (moving,) = cash.transfers("0101")
    assert moving.from_user == "T001" and moving.to_user == "T002" and moving.kind == "teller"
    assert cash.transfers("0101", user="T002") == cash.transfers("0101", user="T001")
    assert t2.run("09020", {"transfer_id": str(moving.id), "notes": {"10000": 5}}).ok
    assert cash.transfer(moving.id).status == "confirmed"
    assert_boxes_agree_with_gl(core)

    # WHEN T002 balances blind and is one 100 note short (短款)
    counted = holdings(core, box2)
    counted[10000] -= 1
    gl_box2 = core.balance(box2)
    needs = t2.run("09030", {"counts": {str(d): n for d, n in counted.items()}})
    assert not needs.ok and needs.needs_authorization[0].level == "A"
    assert "短款 ¥100.00" in needs.needs_authorization[0].reason
    done = t2.run("09030", {"counts": {str(d): n for d, n in counted.items()}},
                  authorizer=("S002", PW))
    assert done.ok, done.problems
    # THEN the box now holds what was counted, the difference sits in 2241 待处理短款
    assert holdings(core, box2) == counted and core.balance(box2) == gl_box2 - 10_000
    assert core.balance(core.account("suspense_short")) == -10_000
    (item,) = cash.over_short("0101")
    assert (item.kind, item.amount, item.teller, item.authorized_by) == (
        "short", 10_000, "T002", "S002")
    # AND T001 balances with an agreeing count: no entry, no register line
    exact = holdings(core, box1)
    assert t1.run("09030", {"counts": {str(d): n for d, n in exact.items()}}).ok
    assert len(cash.over_short("0101")) == 1

    # WHEN day end is asked for while tellers are signed on THEN it is refused, with reasons
    blockers = {p.field for p in sup.day_end_blockers()}
    assert {"teller:T001", "teller:T002", f"box:{box1}", f"box:{box2}",
            f"over_short:{item.id}"} <= blockers
    # AND the shortage is written off with a supervisor's authorization (核销)
    wo = t2.run("09040", {"item_id": str(item.id), "how": "write_off"}, authorizer=("S002", PW))
    assert wo.ok, wo.problems
    assert core.balance(core.account("suspense_short")) == 0
    assert core.balance(core.account("over_short_expense")) == 10_000
    # AND both sign off: the boxes go back to the vault
    assert t1.sign_off() == [] and t2.sign_off() == []
    assert sup.day_end_blockers() == []
    assert_boxes_agree_with_gl(core)
    with reader(core.engine) as conn:
        stored = conn.execute(sa.select(CashBox.status, CashBox.holder_user).where(
            CashBox.account_number.in_([box1, box2]))).all()
    assert stored == [("stored", None), ("stored", None)]
    assert vault  # the vault's counts were checked with the rest


def test_cash_needs_a_drawn_box_and_sign_off_needs_balancing(core, counter):
    cust = core.demo.accounts[0][0]
    box1 = core.account("cash_box", "T001")
    # GIVEN T001 signed on (box drawn) and posted cash
    t1 = counter("T001", "T01")
    assert t1.run("10020", {"account": cust, "amount": "100.00", "mode": "cash",
                            "notes": {"10000": 1}}).ok
    # WHEN T001 tries to sign off without balancing THEN the day stays open
    problems = t1.sign_off()
    assert problems and problems[0].message.startswith("尾箱尚未轧账")
    assert any(p.field == "teller:T001" for p in t1.day_end_blockers())
    # GIVEN a new teller T003 without a box of their own
    ops = OperatorService(core.engine, scrypt_n=FAST_SCRYPT)
    run_in_transaction(core.engine, lambda c: ops.create_user(
        c, code="T003", name="新柜员", role="teller", branch="0101", password=PW,
        must_change_password=False))
    t3 = counter("T003", "T02")
    assert t3.box is None and t3.box_note == "柜员没有尾箱，不能办理现金业务"
    # THEN cash steps are refused without a box
    refused = t3.run("10020", {"account": cust, "amount": "1.00", "mode": "cash",
                               "notes": {"100": 1}})
    assert not refused.ok
    assert refused.problems[0].message == "柜员未签到领用尾箱，不能办理现金业务"
    # WHEN T001 (signed on again: the same box) hands the box over to T003 (交接)
    t1b = counter("T001", "T03")
    assert t1b.box == box1
    counted = holdings(core, box1)
    assert t1b.hand_over("T003", "wrong1", counted)[0].field == "to_password"
    short = dict(counted)
    short[10000] -= 1
    assert t1b.hand_over("T003", PW, short)[0].message == "交接清点与尾箱不符，请重新清点"
    # (the same hand-over as a flow at T001's counter: the password is never saved)
    handed = t1b.run("09050", {"to_teller": "T003", "to_password": PW,
                               "counts": {str(d): n for d, n in counted.items()}})
    assert handed.ok, handed.problems
    saved = t1b.terminal.store.run(handed.run_id).snapshot["raw"]
    assert "to_password" not in saved and saved["to_teller"] == "T003"
    # THEN T003 works with T001's box, T001 holds none and may sign off
    assert t3.cash_box().account == box1 and t1b.cash_box() is None
    assert t3.run("10020", {"account": cust, "amount": "1.00", "mode": "cash",
                            "notes": {"100": 1}}).ok
    with reader(core.engine) as conn:
        (row,) = conn.execute(sa.select(CashHandover)).all()
    assert (row.from_user, row.to_user, row.amount) == ("T001", "T003", dc.total(counted))
    assert t1b.sign_off() == []
    assert not any(p.field == "teller:T001" for p in t1b.day_end_blockers())


def test_no_sign_on_before_the_branch_day_is_open(core, terminal):
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Branch).where(m.Branch.code == "0101").values(status="closed")))
    signed = terminal.sign_on("T001", PW)
    assert not signed.ok and signed.message == "网点营业日尚未开始（或已日终），柜员不能签到"


def test_reversal_puts_the_notes_back(core, session):
    cust = core.demo.accounts[1][0]
    box = core.account("cash_box", "T001")
    before = holdings(core, box)
    wd = session.run("10030", {"account": cust, "amount": "150.00", "mode": "cash",
                               "notes": {"10000": 1, "5000": 1}})
    assert wd.ok, wd.problems
    assert holdings(core, box)[5000] == before[5000] - 1
    rev = session.run("08210", {"journal_number": wd.journal_numbers[0]},
                      authorizer=("S002", PW))
    assert rev.ok, rev.problems
    assert holdings(core, box) == before
    assert_boxes_agree_with_gl(core)


def test_blank_notes_get_the_proposed_make_up_and_the_limit_warns(core, session):
    cust = core.demo.accounts[1][0]
    box = core.account("cash_box", "T001")
    assert session.cash_box().limit_fen == 50_000_000  # the demo's 尾箱限额
    session.terminal.core.cash.set_limit(box, core.balance(box) + 10_000)
    run, _ = session.start("10020")
    run.set_many({"account": cust, "amount": "300.00", "mode": "cash"})
    run.next(), run.next()
    lines = {label: text for label, _, text in run.summary()}
    assert lines["券别（系统配款）"] == "¥100.00×3"
    assert lines["尾箱限额"].startswith("尾箱现金将超过限额")
    before = holdings(core, box)
    out = session.run("10020", {"account": cust, "amount": "300.00", "mode": "cash"})
    assert out.ok and holdings(core, box)[10000] == before[10000] + 3
    assert session.cash_box().over_limit


def test_the_sender_takes_back_cash_nobody_confirmed(core, session):
    box = core.account("cash_box", "T001")
    before = holdings(core, box)
    # GIVEN T001 sent 200.00 to T002, who never confirms
    sent = session.run("09010", {"to": "T002", "amount": "200.00", "notes": {"10000": 2}})
    assert sent.ok, sent.problems
    cash = session.terminal.core.cash
    (t,) = cash.transfers("0101")
    assert holdings(core, box)[10000] == before[10000] - 2
    # WHEN T001 takes it back (退回) THEN the notes are in the box again, nothing in transit
    back = session.run("09020", {"transfer_id": str(t.id), "notes": {"10000": 2}})
    assert back.ok, back.problems
    assert cash.transfer(t.id).status == "returned" and cash.transfers("0101") == ()
    assert holdings(core, box) == before
    assert core.balance(cash.internal("0101", "cash_in_transit")) == 0
    assert_boxes_agree_with_gl(core)
