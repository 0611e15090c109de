"""18040 card/passbook replacement, 18590 on its own, and the passbook line
printed right after a 10020/10030 posting when the passbook is in use."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from teller.core.ledger.db import reader
from teller.core.accounts.models import MediaChange, Passbook
from teller.core.cash.counts import CashCount
from teller.core.cash.large_cash import FundsDeclaration
from teller.core.ledger.records import EntryRequest, Leg
from teller.domain.identity import luhn_check_digit

pytestmark = pytest.mark.postgres

def swipe(account):
    return {"number": account, "source": "passbook"}

def test_card_replacement_needs_old_pin_sets_new_pin_and_retires_the_old_card(counter):
    # GIVEN a card account with a password
    old = "621700000000000083" + luhn_check_digit("621700000000000083")
    new = "621700000000000084" + luhn_check_digit("621700000000000084")
    number = counter.open_account(medium_kind="card", medium_number=old)
    counter.terminal.core.customer_pins.set_pin(number, counter.pin(old, "246810"))
    assert counter.session.run("10020", {"account": old, "amount": "300.00", "mode": "cash"}).ok
    base = {"account": old, "medium": "card", "reason": "damaged", "new_card": new,
            "new_pin": counter.pin(new, "112233")}
    # WHEN the old password is wrong
    out = counter.session.run("18040", {**base, "pin": counter.pin(old, "999999")})
    # THEN nothing changes
    assert not out.ok and out.problems[0].message == "密码错误，还可输入2次"
    assert counter.terminal.core.account(number).medium_number == old
    # WHEN it is right
    out = counter.session.run("18040", {**base, "pin": counter.pin(old, "246810")})
    # THEN the account carries the new card, the change is on record
    assert out.ok, out.problems
    assert counter.terminal.core.account(number).medium_number == new
    assert counter.terminal.core.account_by_medium(old) is None
    with reader(counter.core.engine) as conn:
        change = conn.execute(sa.select(MediaChange)).one()
    assert (change.old_number, change.new_number, change.reason) == (old, new, "damaged")
    # AND the new card's password works for a withdrawal, the old one's does not
    out = counter.session.run("10030", {"account": new, "amount": "10.00", "mode": "cash",
                                        "pin": counter.pin(new, "246810")})
    assert not out.ok and "密码错误" in out.problems[0].message
    out = counter.session.run("10030", {"account": new, "amount": "10.00", "mode": "cash",
                                        "pin": counter.pin(new, "112233")})
    assert out.ok, out.problems
    assert counter.core.balance(number) == 29_000

def test_damaged_passbook_replaced_and_the_new_stripe_written(counter):
    # GIVEN a passbook account, two lines printed in book 1
    account = counter.passbook_account(deposits=2)
    assert counter.session.run("18050", {"account": swipe(account)}).ok
    vouchers = counter.terminal.core.vouchers
    box = vouchers.box_account("0101", "T001", "passbook")
    count = counter.core.balance(box)
    # WHEN the new book's number keyed is not the smallest in the teller's box
    out = counter.session.run("18040", {"account": account, "medium": "passbook",
                                        "reason": "damaged", "new_voucher": "10000004"})
    # THEN refused, naming the one to use; nothing changes
    assert not out.ok and out.problems[0].field == "new_voucher"
    assert out.problems[0].message == "必须使用尾箱中最小号码的存折：10000001（输入的是 10000004）"
    assert counter.core.balance(box) == count
    # WHEN the proposed (smallest) passbook is taken
    out = counter.session.run("18040", {"account": account, "medium": "passbook",
                                        "reason": "damaged"})
    # THEN book 1 is voided, book 2 active, its stripe written on the new book
    assert out.ok, out.problems
    assert counter.terminal.core.account(account).medium_number == "10000001"
    assert vouchers.voucher("passbook", "10000001").status == "used"
    assert counter.core.balance(box) == count - 1
    with reader(counter.core.engine) as conn:
        rows = conn.execute(sa.select(Passbook.book_number, Passbook.status, Passbook.void_reason)
                            .where(Passbook.account_number == account)
                            .order_by(Passbook.book_number)).all()
    assert [tuple(r) for r in rows] == [(1, "voided", "damaged"), (2, "active", "")]
    assert counter.emu.book.stripe == f"{account}=0002"
    # WHEN a deposit is made and print-up runs on the new book
    assert counter.session.run("10020", {"account": account, "amount": "1.00",
                                         "mode": "cash"}).ok
    assert counter.session.run("18050", {"account": swipe(account)}).ok
    # THEN only the new line prints there, under 承前页 with the balance before it
    pages = counter.emu.printed_pages()
    assert sorted(pages[1]) == [1, 2]
    assert "承前页" in pages[1][1] and "200.00" in pages[1][1] and "201.00" in pages[1][2]

def test_withdrawal_with_the_passbook_prints_its_line_right_after(counter):
    # GIVEN a passbook account with 2 deposits already printed
    account = counter.passbook_account(deposits=2)
    assert counter.session.run("18050", {"account": swipe(account)}).ok
    # WHEN the passbook is swiped for a cash withdrawal
    out = counter.session.run("10030", {"account": swipe(account), "amount": "50.00",
                                        "mode": "cash"})
    # THEN the withdrawal posts and its line is printed as line 3
    assert out.ok, out.problems
    line = counter.emu.printed_pages()[1][3]
    assert "-50.00" in line and "150.00" in line and "10030" in line
    # WHEN the printer jams on the next linked print
    counter.emu.jam_at(4)
    out = counter.session.run("10020", {"account": swipe(account), "amount": "7.00",
                                        "mode": "cash"})
    # THEN the money stands, the teller is told, and 18050 prints the line later
    assert not out.ok and len(out.journal_numbers) == 1 and "卡纸" in out.problems[0].message
    assert counter.core.balance(account) == 15_700
    counter.emu.clear_jam()
    assert counter.session.run("18050", {"account": swipe(account)}).ok
    assert "157.00" in counter.emu.printed_pages()[1][4]
    assert counter.emu.commands.count(b"<line 008>") == 1

def test_funds_capture_18590_records_and_corrects_a_large_cash_entry(counter):
    # GIVEN a 70,000.00 cash deposit posted by another flow (the core takes large
    # cash only with its declaration: here one to be corrected)
    number = counter.open_account()
    box = counter.core.account("cash_box", "T001")
    posted = counter.terminal.core.post(EntryRequest(
        key="other-flow-1", branch="0101", teller="T001", terminal="T01", txn_code="11010",
        step="post", legs=(Leg(box, "D", 7_000_000), Leg(number, "C", 7_000_000)),
        attachments=(CashCount(box, received=((10000, 700),)),
                     FundsDeclaration("other", "待核实"))))
    small = counter.session.run("10020", {"account": number, "amount": "100.00", "mode": "cash"})
    # WHEN 18590 is asked about a small entry or an unknown number
    out = counter.session.run("18590", {"journal_number": small.journal_numbers[0],
                                        "category": "salary"})
    assert not out.ok and "未达大额现金标准" in out.problems[0].message
    out = counter.session.run("18590", {"journal_number": "20200101T001000001",
                                        "category": "salary"})
    assert not out.ok and out.problems[0].message == "原交易流水号不存在"
    # WHEN 'other' is chosen without a description
    out = counter.session.run("18590", {"journal_number": posted.journal_number,
                                        "category": "other"})
    assert not out.ok and out.problems[0].field == "detail"
    # WHEN the source is recorded, then corrected
    assert counter.session.run("18590", {"journal_number": posted.journal_number,
                                         "category": "salary", "detail": "年终奖"}).ok
    assert counter.session.run("18590", {"journal_number": posted.journal_number,
                                         "category": "investment", "detail": "理财到期"}).ok
    # THEN one register line holds the corrected source
    info = counter.terminal.core.large_cash.record_for(posted.journal_number)
    assert (info.account, info.direction, info.cash_amount, info.category, info.detail) == \
        (number, "deposit", 7_000_000, "investment", "理财到期")
    with reader(counter.core.engine) as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM large_cash_records WHERE entry_id = "
                                    f"{posted.entry_id}")).scalar_one() == 1


def test_swiped_passbook_without_a_book_in_use_is_refused_before_posting(counter):
    # GIVEN an account that never got a passbook
    number = counter.open_account()
    # WHEN a deposit claims the passbook was swiped
    out = counter.session.run("10020", {"account": swipe(number), "amount": "10.00",
                                        "mode": "cash"})
    # THEN the account page refuses and no money moves
    assert not out.ok and out.problems[0].message == "该账户没有在用存折"
    assert counter.core.balance(number) == 0
