"""Important blank vouchers (重要空白凭证): stock by number, smallest-number use,
void/return, and the 9001 off-balance count tying out."""
from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from tests.conftest import float_account
from teller.core.vouchers.blank import BlankVoucherService, VoucherUse, count_account
from teller.core.vouchers.stock import tie_out_problems
from teller.core.ledger.db import reader
from teller.core.rulebook import check_books
from teller.core.rulebook import ledger
from teller.core.ledger.records import EntryRequest, Leg, PostingRefused

pytestmark = pytest.mark.postgres
_seq = itertools.count(1)


def req(teller: str, legs: tuple = ()) -> EntryRequest:
    return EntryRequest(key=f"test-voucher-{next(_seq):06d}", branch="0101", teller=teller,
                        terminal="T01", txn_code="07110", step="post", legs=legs)


@pytest.fixture
def vouchers(core):
    return BlankVoucherService(core.engine, ledger(core.engine).post)


def count_of(core, kind: str, teller: str | None) -> int:
    with reader(core.engine) as conn:
        number = count_account(conn, "0101", kind, teller)
    return core.balance(number)


def test_demo_stock_ties_out_with_9001(core, vouchers):
    # GIVEN the demo branch: 100 passbooks received, 10 issued to each teller
    stock = {(s.kind, s.holder): s for s in vouchers.stock("0101")}
    # THEN the branch holds 80, T001 holds 10000001-10000010, counts equal 9001
    assert stock[("passbook", "branch")].count == 80
    assert stock[("passbook", "T001")].runs == (("10000001", "10000010"),)
    assert all(s.count == s.count_9001 for s in stock.values())
    with reader(core.engine) as conn:
        assert tie_out_problems(conn, "0101") == []
    assert "存折" in vouchers.stock_report("0101")


def test_use_takes_the_smallest_and_refuses_another_number(core, vouchers):
    # GIVEN T001's box holds passbooks 10000001-10000010
    assert vouchers.use_next("0101", "T001", "passbook") == "10000001"
    # WHEN T001 tries 10000003
    with pytest.raises(PostingRefused) as exc:
        vouchers.use(req("T001"), kind="passbook", number="10000003")
    # THEN refused, naming the number to use, and nothing moved
    assert exc.value.code == "voucher_not_smallest"
    assert "10000001" in exc.value.message
    assert vouchers.voucher("passbook", "10000003").status == "box"
    assert count_of(core, "passbook", "T001") == 10
    # WHEN T001 uses the proposed one
    posted = vouchers.use(req("T001"), kind="passbook", number="10000001",
                          account="01012017000000014")
    # THEN it is used, the box count drops by one, the next proposal moves on
    assert vouchers.voucher("passbook", "10000001").status == "used"
    assert vouchers.voucher("passbook", "10000001").account == "01012017000000014"
    assert count_of(core, "passbook", "T001") == 9
    assert [(leg.direction, leg.amount) for leg in posted.legs] == [("C", 1)]
    assert vouchers.use_next("0101", "T001", "passbook") == "10000002"
    assert check_books(core.engine).ok


def test_use_together_with_the_callers_posting_is_one_entry(core, vouchers):
    # GIVEN a cash deposit that issues a passbook (what issue 5/6 flows do)
    box = float_account(core.engine)  # not cash: counts are test_cashbox's
    customer = core.demo.accounts[0][0]
    before = core.balance(customer)
    r = req("T001", (Leg(box, "D", 10000), Leg(customer, "C", 10000)))
    # WHEN posted with the voucher use
    posted = vouchers.use(r, kind="passbook", account=customer)
    # THEN one entry carries the money legs and the 9001 leg; a replay changes nothing
    assert len(posted.legs) == 3 and core.balance(customer) == before + 10000
    again = vouchers.use(r, kind="passbook", account=customer)
    assert again.replayed and again.entry_id == posted.entry_id
    assert vouchers.use_next("0101", "T001", "passbook") == "10000002"
    assert count_of(core, "passbook", "T001") == 9
    assert check_books(core.engine).ok


def test_void_and_return_move_the_counts(core, vouchers):
    # WHEN T002 voids a spoiled passbook and returns five others
    vouchers.void(req("T002"), kind="passbook", number="10000011", reason="spoiled")
    vouchers.return_to_branch(req("T002"), kind="passbook", first="10000016", last="10000020")
    # THEN the box has 4, the branch 85, and every count ties out with 9001
    stock = {(s.kind, s.holder): s for s in vouchers.stock("0101")}
    assert stock[("passbook", "T002")].count == 4 == count_of(core, "passbook", "T002")
    assert stock[("passbook", "T002")].runs == (("10000012", "10000015"),)
    assert stock[("passbook", "branch")].count == 85 == count_of(core, "passbook", None)
    assert vouchers.voucher("passbook", "10000011").void_reason == "spoiled"
    with reader(core.engine) as conn:
        assert tie_out_problems(conn, "0101") == []
    assert check_books(core.engine).ok
    moves = [(mv["action"], mv["count"]) for mv in vouchers.movements(
        "0101", core.demo.business_date)][-2:]
    assert moves == [("void", 1), ("return", 5)]


def test_refusals_change_nothing(core, vouchers):
    # another teller's voucher cannot be voided or returned by T001
    with pytest.raises(PostingRefused) as exc:
        vouchers.void(req("T001"), kind="passbook", number="10000011", reason="spoiled")
    assert exc.value.code == "voucher_not_in_box"
    with pytest.raises(PostingRefused) as exc:
        vouchers.return_to_branch(req("T001"), kind="passbook", first="10000009",
                                  last="10000012")
    assert exc.value.code == "voucher_not_in_box"
    # issuing numbers not in stock, receiving numbers already known, bad formats
    with pytest.raises(PostingRefused) as exc:
        vouchers.issue(req("S001"), kind="passbook", first="10000095", last="10000105",
                       to_teller="T001")
    assert exc.value.code == "voucher_not_in_stock"
    with pytest.raises(PostingRefused) as exc:
        vouchers.receive(req("S001"), kind="passbook", first="10000100", last="10000200")
    assert exc.value.code == "voucher_exists"
    with pytest.raises(PostingRefused) as exc:
        vouchers.receive(req("S001"), kind="passbook", first="123", last="124")
    assert exc.value.code == "voucher_number"
    with pytest.raises(PostingRefused) as exc:
        vouchers.issue(req("S001"), kind="passbook", first="10000090", last="10000091",
                       to_teller="S002")
    assert exc.value.code == "voucher_teller"
    assert count_of(core, "passbook", "T001") == 10
    assert count_of(core, "passbook", None) == 80


def test_returned_used_medium_is_voided_without_a_count(core, vouchers):
    vouchers.use(req("T001"), kind="passbook")
    # WHEN the used passbook comes back THEN its step is a journal line with no
    # 9001 leg: the count left the box when it was used
    voided = vouchers.void(req("T001"), kind="passbook", number="10000001",
                           reason="returned_medium")
    assert voided.journal_number and voided.legs == ()
    assert vouchers.voucher("passbook", "10000001").status == "void"
    assert count_of(core, "passbook", "T001") == 9
    with reader(core.engine) as conn:
        assert tie_out_problems(conn, "0101") == []


def test_a_count_out_of_step_with_the_stock_is_reported(core, vouchers):
    # GIVEN a 9001 adjustment posted without a voucher (e.g. keyed by hand)
    engine = ledger(core.engine)
    with reader(core.engine) as conn:
        box = conn.execute(sa.select(sa.text("number")).select_from(sa.text("accounts")).where(
            sa.text("kind = 'voucher_box' AND owner_user = 'T001' "
                    "AND medium_kind = 'passbook'"))).scalar_one()
    engine.post(req("T001", (Leg(box, "D", 1),)))
    # THEN the tie-out names the holder
    with reader(core.engine) as conn:
        problems = tie_out_problems(conn, "0101")
    assert len(problems) == 1 and "T001" in problems[0][0]


def test_a_voucher_use_rides_in_the_entry_of_its_step(core, vouchers):
    # GIVEN an opening-like step whose entry also hands out T001's smallest card
    engine = ledger(core.engine)
    box = float_account(core.engine)  # not cash: counts are test_cashbox's
    customer = core.demo.accounts[1][0]

    def opening(amount: int) -> EntryRequest:
        return EntryRequest(**{**req("T001", (Leg(customer, "D", amount),
                                              Leg(box, "C", amount))).__dict__,
                               "attachments": (VoucherUse("debit_card", None, customer),)})

    # WHEN a later rule of the same entry refuses it (more than the balance)
    with pytest.raises(PostingRefused) as exc:
        engine.post(opening(core.balance(customer) + 1))
    # THEN the voucher use rolled back with it
    assert exc.value.code == "insufficient"
    assert vouchers.voucher("debit_card", "20000001").status == "box"
    assert count_of(core, "debit_card", "T001") == 10
    # WHEN it passes, THEN the card is used by that very entry, its 9001 leg added
    posted = engine.post(opening(5000))
    info = vouchers.voucher("debit_card", "20000001")
    assert (info.status, info.account) == ("used", customer)
    assert posted.balance_of(customer) is not None and len(posted.legs) == 3
    assert posted.fact("debit_card_number") == "20000001"
    assert count_of(core, "debit_card", "T001") == 9
    assert check_books(core.engine).ok
