"""18050 存折补登 through Session.run, with the PR2 emulator as the printer:
page turns with 承前页, a jam mid-page and the resume, a full book replaced."""
from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from teller.core.ledger.db import reader
from teller.core.accounts.models import MediaChange, Passbook

pytestmark = pytest.mark.postgres


def books(core, account):
    with reader(core.engine) as conn:
        return conn.execute(sa.select(Passbook).where(Passbook.account_number == account)
                            .order_by(Passbook.book_number)).all()


def swipe(account):
    return {"number": account, "source": "passbook"}


def test_print_up_turns_the_page_with_carry_forward_and_never_prints_twice(counter):
    # GIVEN a passbook account with 8 unprinted deposits of 100.00 (6 lines a page)
    account = counter.passbook_account(deposits=8)
    # WHEN the teller runs 18050 with the book in the printer
    out = counter.session.run("18050", {"account": swipe(account)})
    # THEN page 1 holds deposits 1-6, page 2 starts with 承前页 600.00, then 7 and 8
    assert out.ok, out.problems
    pages = counter.emu.printed_pages()
    assert sorted(pages) == [1, 2] and sorted(pages[1]) == [1, 2, 3, 4, 5, 6]
    assert "100.00" in pages[1][1] and "600.00" in pages[1][6]
    assert "承前页" in pages[2][1] and "600.00" in pages[2][1]
    assert "800.00" in pages[2][3] and sorted(pages[2]) == [1, 2, 3]
    # AND the teller was asked to turn to page 2
    assert ("turn_page", "请翻到第2页后重新插入") in counter.teller.shown
    (book,) = books(counter.core, account)
    assert (book.last_page, book.last_line) == (2, 3)
    # WHEN print-up runs again with nothing new
    commands = len(counter.emu.commands)
    out = counter.session.run("18050", {"account": swipe(account)})
    # THEN nothing is printed again
    assert out.ok
    assert not [c for c in counter.emu.commands[commands:] if c.startswith(b"<line")]
    # WHEN one more deposit is made by keyboard and print-up runs
    assert counter.session.run("10020", {"account": account, "amount": "5.00",
                                         "mode": "cash"}).ok
    assert counter.session.run("18050", {"account": swipe(account)}).ok
    # THEN exactly that line lands on page 2 line 4
    assert sorted(counter.emu.printed_pages()[2]) == [1, 2, 3, 4]
    assert "805.00" in counter.emu.printed_pages()[2][4]


def test_jam_mid_page_then_resume_prints_exactly_the_rest_once(counter):
    # GIVEN 5 unprinted lines and a jam waiting at line 3
    account = counter.passbook_account(deposits=5)
    counter.emu.jam_at(3)
    # WHEN print-up runs
    out = counter.session.run("18050", {"account": swipe(account)})
    # THEN it stops with the device's reason and the counts; lines 1-2 are on paper
    assert not out.ok
    assert "卡纸" in out.problems[0].message and "已打印 2 笔" in out.problems[0].message
    assert "其余 3 笔" in out.problems[0].message
    assert sorted(counter.emu.printed_pages()[1]) == [1, 2]
    (book,) = books(counter.core, account)
    assert (book.last_page, book.last_line) == (1, 2)
    # WHEN the jam is cleared and print-up runs again
    counter.emu.clear_jam()
    out = counter.session.run("18050", {"account": swipe(account)})
    # THEN lines 3-5 are printed, and lines 1-2 were sent to the printer once only
    assert out.ok, out.problems
    assert sorted(counter.emu.printed_pages()[1]) == [1, 2, 3, 4, 5]
    assert "500.00" in counter.emu.printed_pages()[1][5]
    assert counter.emu.commands.count(b"<line 006>") == 1
    assert counter.emu.commands.count(b"<line 007>") == 1
    assert counter.emu.commands.count(b"<line 008>") == 2  # jammed once, then printed
    assert counter.emu.commands.count(b"<line 009>") == 1


def test_pulled_book_leaves_the_rest_for_the_next_print_up(counter):
    # GIVEN 3 lines to print and no book in the printer
    account = counter.passbook_account(deposits=3)
    counter.emu.remove_book()
    driver = counter.terminal.devices.driver("passbook")
    driver.profile = dataclasses.replace(driver.profile, media_timeout=0.5)
    # WHEN print-up runs
    out = counter.session.run("18050", {"account": swipe(account)})
    # THEN it is refused at the stripe read and nothing moved
    assert not out.ok and "读存折磁条失败" in out.problems[0].message
    assert books(counter.core, account)[0].last_line == 0


def test_book_fills_up_new_book_issued_and_print_up_continues_there(counter):
    # GIVEN a 2-page book (6 lines a page: 6 + 承前页 + 5 = 11 entries) and 14 deposits
    account = counter.passbook_account(deposits=14)
    # WHEN print-up runs with a new passbook number other than the box's smallest
    out = counter.session.run("18050", {"account": swipe(account), "new_voucher": "10000002"})
    # THEN it is refused before printing anything, naming the one to use
    assert not out.ok and out.problems[0].field == "new_voucher"
    assert out.problems[0].message == "必须使用尾箱中最小号码的存折：10000001（输入的是 10000002）"
    assert counter.emu.printed_pages() == {}
    # WHEN the teller takes the proposed (smallest) passbook of the box
    out = counter.session.run("18050", {"account": swipe(account)})
    # THEN book 1 is full and voided, book 2 is active and holds 承前页 + the last 3 lines
    assert out.ok, out.problems
    old, new = books(counter.core, account)
    assert (old.status, old.void_reason, old.last_page, old.last_line) == ("voided", "full", 2, 6)
    assert (new.status, new.book_number, new.voucher_number) == ("active", 2, "10000001")
    assert counter.terminal.core.vouchers.voucher("passbook", "10000001").status == "used"
    (first_book,) = counter.teller.old_books
    assert sorted(first_book.printed[1]) == [1, 2, 3, 4, 5, 6]
    assert "承前页" in first_book.printed[2][1] and sorted(first_book.printed[2]) == [1, 2, 3, 4,
                                                                                      5, 6]
    pages = counter.emu.printed_pages()
    assert "承前页" in pages[1][1] and "1,100.00" in pages[1][1]
    assert sorted(pages[1]) == [1, 2, 3, 4] and "1,400.00" in pages[1][4]
    # AND the new book's stripe carries the account and book 0002
    assert counter.emu.book.stripe == f"{account}=0002"
    # AND the replacement is on record, the account's medium is the new book
    with reader(counter.core.engine) as conn:
        change = conn.execute(sa.select(MediaChange)).one()
    assert (change.medium_kind, change.old_number, change.new_number, change.reason) == \
        ("passbook", "000100001", "10000001", "full")
    assert counter.terminal.core.account(account).medium_number == "10000001"
    # WHEN the old (voided) book is put in the printer for a print-up
    counter.emu.insert_book(f"{account}=0001")
    out = counter.session.run("18050", {"account": swipe(account)})
    # THEN it is refused
    assert not out.ok and "已换发作废" in out.problems[0].message
