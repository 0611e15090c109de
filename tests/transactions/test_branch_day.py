"""Issue 7, a branch day in one test (headless, Session.run): the vault issues
cash to two tellers, deposits and withdrawals with counts, a time deposit
opened in cash, a teller-to-teller transfer, blind balancing with a shortage
put to suspense under authorization, a voucher used out of order refused, the
day end refused while a teller is signed on and allowed after — then the date
has moved, the accrual is the hand-computed one, the books check and every
box's notes equal its GL 1001 balance."""
from __future__ import annotations

import uuid

import pytest

from teller.core.rulebook import ledger
from teller.core.customers.models import Customer
from teller.core.day import eod
from teller.core.rulebook import check_books
from teller.core.ledger.records import EntryRequest, PostingRefused
from teller.core.cash.teller_day import day_end_blockers
from teller.domain.calendar import settlement_day_in
from tests.transactions.test_cash_day import (  # noqa: F401  (the counter fixture)
    PW, assert_boxes_agree_with_gl, counter, holdings,
)

pytestmark = pytest.mark.postgres


def cash_blockers(conn, branch, business_date):
    """teller.core.cash.teller_day's blockers in the batch's (zh, en) form."""
    return [(p.message, p.message_en) for p in day_end_blockers(conn, branch)]


@pytest.fixture
def blockers(monkeypatch):
    # Registered here unless the merge has wired them into DAY_END_BLOCKERS already.
    if not any(getattr(b, "__module__", "") == "teller.core.cash.teller_day"
               or getattr(b, "__name__", "") == "cash_blockers" for b in eod.DAY_END_BLOCKERS):
        monkeypatch.setattr(eod, "DAY_END_BLOCKERS", [*eod.DAY_END_BLOCKERS, cash_blockers])


def test_a_branch_day_from_vault_issue_to_day_end(core, counter, blockers):  # noqa: F811
    cust1, cust2 = core.demo.accounts[0][0], core.demo.accounts[1][0]
    box1, box2 = core.account("cash_box", "T001"), core.account("cash_box", "T002")
    bdate = core.demo.business_date
    sup = counter("S001", "T03")
    # GIVEN the vault issues 10,000.00 to T001 and 5,000.00 to T002, both confirm
    assert sup.run("09010", {"to": "T001", "amount": "10,000.00", "notes": {"10000": 100}}).ok
    assert sup.run("09010", {"to": "T002", "amount": "5,000.00", "notes": {"10000": 50}}).ok
    cash = sup.terminal.core.cash
    to1, to2 = cash.transfers("0101")
    t1, t2 = counter("T001", "T01"), counter("T002", "T02")
    assert t1.run("09020", {"transfer_id": str(to1.id), "notes": {"10000": 100}}).ok
    assert t2.run("09020", {"transfer_id": str(to2.id), "notes": {"10000": 50}}).ok

    # WHEN T001 takes 300.00 (three 100s), T002 pays 200.00 with the proposed notes,
    # and T001 opens a 1-year time deposit of 1,000.00 in cash
    assert t1.run("10020", {"account": cust1, "amount": "300.00", "mode": "cash",
                            "notes": {"10000": 3}}).ok
    before2 = holdings(core, box2)
    wd = t2.run("10030", {"account": cust2, "amount": "200.00", "mode": "cash"})
    assert wd.ok, wd.problems
    assert holdings(core, box2)[10000] == before2[10000] - 2  # largest notes first
    box1_before = holdings(core, box1)
    td = t1.run("10110", {"customer_doc": doc_of(core, 0), "term": "12", "amount": "1,000.00",
                          "rollover": "0", "mode": "cash",
                          "notes": {"10000": 10}}, authorizer=("S002", PW))
    assert td.ok, td.problems
    # THEN the time deposit's cash is in T001's notes, not only in GL 1001
    assert holdings(core, box1)[10000] == box1_before[10000] + 10
    assert_boxes_agree_with_gl(core)

    # WHEN T001 hands 500.00 to T002 and T002 confirms
    assert t1.run("09010", {"to": "T002", "amount": "500.00", "notes": {"10000": 5}}).ok
    (moving,) = cash.transfers("0101")
    assert t2.run("09020", {"transfer_id": str(moving.id), "notes": {"10000": 5}}).ok

    # WHEN a passbook other than the smallest in T001's box is used THEN refused
    vouchers = t1.terminal.core.vouchers
    smallest = vouchers.use_next("0101", "T001", "passbook")
    assert smallest is not None
    later = str(int(smallest) + 1).zfill(len(smallest))
    with pytest.raises(PostingRefused) as exc:
        vouchers.use(EntryRequest(key=f"bv-{uuid.uuid4().hex}", branch="0101", teller="T001",
                                  terminal="T01", txn_code="07199", step="use", legs=()),
                     kind="passbook", number=later)
    assert exc.value.code == "voucher_not_smallest"

    # WHEN T002 balances blind one 100 note short THEN only with authorization
    counted = holdings(core, box2)
    counted[10000] -= 1
    counts = {"counts": {str(d): n for d, n in counted.items()}}
    assert t2.run("09030", counts).needs_authorization[0].level == "A"
    assert t2.run("09030", counts, authorizer=("S002", PW)).ok
    assert core.balance(core.account("suspense_short")) == -10_000
    (item,) = cash.over_short("0101")
    assert t1.run("09030", {"counts": {str(d): n for d, n in holdings(core, box1).items()}}).ok
    assert t2.run("09040", {"item_id": str(item.id), "how": "write_off"},
                  authorizer=("S002", PW)).ok

    # WHEN the day end is asked for while T001 is still signed on THEN refused
    assert t2.sign_off() == []
    with pytest.raises(eod.DayEndRefused) as refused:
        eod.run_day_end(core.engine, "0101", post=ledger(core.engine).post)
    assert any("T001" in p.message for p in refused.value.problems)
    assert t1.sign_off() == []
    closing1 = core.balance(cust1)
    result = eod.run_day_end(core.engine, "0101", post=ledger(core.engine).post)
    # THEN the business date moved to the next business day of the bank's calendar
    nxt = result.next_business_date
    assert result.business_date == bdate
    assert nxt == eod.load_bank_calendar().next_working_day(bdate)
    from teller.core.ledger.db import reader
    import sqlalchemy as sa
    from teller.core.ledger import models as m
    with reader(core.engine) as conn:
        accrual, = conn.execute(sa.select(m.Account.accrual)
                                .where(m.Account.number == cust1)).one()
        moved = conn.execute(sa.select(m.Branch.business_date)
                             .where(m.Branch.code == "0101")).scalar_one()
    assert moved == nxt
    # AND cust1's 积数 counts the closing balance once for every calendar day up
    # to the next business date (a Friday's close also covers the weekend); when
    # the quarter's settlement day falls in between, the accrual was settled on
    # it and only the days after it count, at the balance with the interest.
    settled_on = settlement_day_in(bdate, nxt)
    if settled_on is None:
        assert int(accrual) == closing1 * (nxt - bdate).days
    else:
        assert int(accrual) == core.balance(cust1) * ((nxt - settled_on).days - 1)
    assert check_books(core.engine).ok
    assert_boxes_agree_with_gl(core)


def doc_of(core, i):
    from teller.core.ledger.db import reader
    import sqlalchemy as sa
    from teller.core.ledger import models as m
    with reader(core.engine) as conn:
        cid = conn.execute(sa.select(m.Account.customer_id).where(
            m.Account.number == core.demo.accounts[i][0])).scalar_one()
        c = conn.execute(sa.select(Customer).where(Customer.id == cid)).one()
    return {"type": c.id_type, "number": c.id_number}
