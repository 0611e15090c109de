"""Issue 5: a teller's full personal-deposit day in one test, headless through
Session.run / Session.commit, with the shipped emulators driven in-process (PIN pad
and PR2 passbook printer on ephemeral TCP ports, virtual PBOC cards; no pcscd):
open (10010) → deposit (10020) → withdraw with PIN and supervisor (10030) →
large cash source of funds (10020's 18590 page, then 18590 correcting it) →
passbook print-up across a page turn, a jam and a book change (18050) → interest
trial and settlement (18570, 18410) → closure (10040) → books check and vouchers.

Medium numbers are taken from what the flow proposes or records (the run's state),
never assumed, so the test stands when 10010 takes them from the teller's box.
"""
from __future__ import annotations

import shutil
import subprocess

import pytest
import sqlalchemy as sa

from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.rulebook import check_books
from teller.domain.identity import resident_id_check_char
from tests.counter.conftest import GEOMETRY, PW, counter  # noqa: F401 - fixture
from tests.transactions.conftest import new_card, read_card

pytestmark = pytest.mark.postgres

ID17 = "11010519900303123"
NEW_ID = {"type": "resident_id", "number": ID17 + resident_id_check_char(ID17)}
WANG_ID17 = "11010519800101123"  # demo customer 王小明
WANG_ID = {"type": "resident_id", "number": WANG_ID17 + resident_id_check_char(WANG_ID17)}
SUPERVISOR = ("S002", PW)


def walk(session, code, values, authorizer=None, stop_after=None, run=None):
    """Run ``code`` with the values its pages have fields for (a field a later
    version drops — e.g. a typed medium number — is simply not given)."""
    if run is None:
        run, problems = session.start(code)
        assert run is not None, problems
    run.set_many({k: v for k, v in values.items() if run.flow.field(k) is not None})
    return run, session.commit(run, authorizer, stop_after=stop_after)


def swipe(account):
    return {"number": account, "source": "passbook"}


def balance(core, number):
    with reader(core.engine) as conn:
        return conn.execute(sa.select(m.Account.balance)
                            .where(m.Account.number == number)).scalar_one()


def set_accrual(core, number, accrual):
    """What the day-end batch would have added over earlier days (积数)."""
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Account.__table__).where(m.Account.number == number)
        .values(accrual=accrual)))


def test_a_full_personal_deposit_day(counter, tmp_path):  # noqa: F811
    core, session = counter.core, counter.session
    box = core.account("cash_box", "T001")
    box_start = core.balance(box)
    journal: list[str] = []

    # 1. 10010: a new customer opens a class-I card account, password keyed twice on
    #    the PIN pad, 1,000.00 cash (no notes typed: the proposed make-up is taken)
    pan = new_card(501)
    run, out = walk(session, "10010", {
        "id": NEW_ID, "name": "孙丽", "phone": "13800000031",
        "card_number": {"number": read_card(pan, "SUN/LI"), "source": "card"},
        "pin": counter.pin(pan, "246810"), "pin_again": counter.pin(pan, "246810"),
        "sms_mobiles": "13800000031", "opening_amount": "1,000.00", "mode": "cash"})
    assert out.ok and out.finished, out.problems
    card_account, medium = run.state["account_number"], run.state["medium_number"]
    assert medium == pan and balance(core, card_account) == 100_000
    journal += out.journal_numbers

    # 2. 10020: 2,000.20 cash with the notes counted (the coins pay the interest later)
    out = session.run("10020", {"account": card_account, "amount": "2,000.20", "mode": "cash",
                                "notes": {"10000": 19, "5000": 2, "5": 2, "2": 5}})
    assert out.ok, out.problems
    journal += out.journal_numbers

    # 3. Large cash: 60,000.00 in needs its source of funds (18590 page in 10020)
    values = {"account": card_account, "amount": "60,000.00", "mode": "cash"}
    refused = session.run("10020", values)
    assert not refused.ok and not refused.journal_numbers
    assert balance(core, card_account) == 300_020
    out = session.run("10020", {**values, "funds_category": "business",
                                "funds_detail": "门店营业款"})
    assert out.ok, out.problems
    big = out.journal_numbers[0]
    journal.append(big)
    record = counter.terminal.core.large_cash.record_for(big)
    assert (record.direction, record.category, record.cash_amount) == \
        ("deposit", "business", 6_000_000)
    #    … and 18590 corrects the register line afterwards
    out = session.run("18590", {"journal_number": big, "category": "investment",
                                "detail": "理财到期"})
    assert out.ok, out.problems
    record = counter.terminal.core.large_cash.record_for(big)
    assert (record.category, record.detail) == ("investment", "理财到期")

    # 4. 10030: 55,000.00 cash out needs the PIN and, above 50,000.00, a supervisor
    values = {"account": {"number": pan, "source": "card"}, "amount": "55,000.00",
              "mode": "cash", "funds_category": "consumption", "funds_detail": "购车"}
    no_pin = session.run("10030", values, SUPERVISOR)
    assert not no_pin.ok and no_pin.problems[0].field == "pin"
    wrong = session.run("10030", {**values, "pin": counter.pin(pan, "111111")}, SUPERVISOR)
    assert not wrong.ok and not wrong.journal_numbers
    no_supervisor = session.run("10030", {**values, "pin": counter.pin(pan, "246810")})
    assert not no_supervisor.ok and no_supervisor.needs_authorization[0].level == "A"
    assert balance(core, card_account) == 6_300_020
    out = session.run("10030", {**values, "pin": counter.pin(pan, "246810")}, SUPERVISOR)
    assert out.ok, out.problems
    journal += out.journal_numbers
    assert balance(core, card_account) == 800_020

    # 5. A passbook account for an existing customer: the number is reserved first
    #    (the PIN pad binds the password to it), then the book is issued
    passbook_values = {"id": WANG_ID, "medium_kind": "passbook",
                       "opening_amount": "100.00",
                       "mode": "cash"}
    run, out = walk(session, "10010", passbook_values, stop_after="number")
    assert out.ok, out.problems
    book_account = run.state["account_number"]
    pin = counter.pin(book_account, "135791")
    run, out = walk(session, "10010", {"pin": pin, "pin_again": pin}, run=run)
    assert out.ok and out.finished, out.problems
    journal += out.journal_numbers
    book = counter.terminal.core.passbooks.active_book(book_account)
    assert (book.book_number, book.voucher_number) == (1, run.state["medium_number"])
    for i in range(4):  # lines 2-5: deposits keyed by account number (no linked print)
        assert session.run("10020", {"account": book_account, "amount": "100.00",
                                     "mode": "cash"}).ok
    counter.emu.insert_book(f"{book_account}=0001", pages=GEOMETRY.pages)

    # 6. 18050 with a jam at line 3: lines 1-2 on paper, the teller told the counts …
    counter.emu.jam_at(3)
    out = session.run("18050", {"account": swipe(book_account)})
    assert not out.ok and "卡纸" in out.problems[0].message
    assert sorted(counter.emu.printed_pages()[1]) == [1, 2]
    #    … cleared, the resume prints exactly lines 3-5
    counter.emu.clear_jam()
    out = session.run("18050", {"account": swipe(book_account)})
    assert out.ok, out.problems
    assert sorted(counter.emu.printed_pages()[1]) == [1, 2, 3, 4, 5]
    assert "500.00" in counter.emu.printed_pages()[1][5]

    # 7. 9 more deposits (14 lines): page 1 fills, 承前页 on page 2, the book is full
    #    after 11 entries and a new book takes 承前页 and the last 3
    for i in range(9):
        assert session.run("10020", {"account": book_account, "amount": "100.00",
                                     "mode": "cash"}).ok
    # the next passbook is the box's smallest; the teller does not type it
    run, out = walk(session, "18050", {"account": swipe(book_account)})
    assert out.ok, out.problems
    assert ("turn_page", "请翻到第2页后重新插入") in counter.teller.shown
    (first_book,) = counter.teller.old_books
    assert sorted(first_book.printed[1]) == [1, 2, 3, 4, 5, 6]
    assert "承前页" in first_book.printed[2][1]
    pages = counter.emu.printed_pages()
    assert "承前页" in pages[1][1] and "1,100.00" in pages[1][1]
    assert sorted(pages[1]) == [1, 2, 3, 4] and "1,400.00" in pages[1][4]
    assert counter.emu.book.stripe == f"{book_account}=0002"
    assert counter.terminal.core.passbooks.active_book(book_account).book_number == 2

    # 8. Interest: the day-end batch has added 30 days of 8,000.00 (积数); 18570 shows
    #    it, 18410 settles it from 6411 利息支出
    set_accrual(core, card_account, 800_000 * 30)
    run, out = walk(session, "18570", {"by": "account", "account": card_account})
    assert out.ok, out.problems
    page = next(p for p in run.flow.pages if p.name == "account")  # its summary: the result
    trial = dict((zh, text) for zh, _, text in run.summary(page))
    assert trial["今日结息利息"] == "¥0.67"  # 8,000 × 0.10 % × 30 / 360 = 0.666…
    expense = core.account("interest_expense")
    expense_before = core.balance(expense)
    out = session.run("18410", {"account": {"number": pan, "source": "card"},
                                "pin": counter.pin(pan, "246810")})
    assert out.ok, out.problems
    journal += out.journal_numbers
    assert balance(core, card_account) == 800_087
    assert core.balance(expense) == expense_before + 67

    # 9. 10040: the card account is closed, 8,000.87 paid out in cash, the card voided
    out = session.run("10040", {"account": {"number": pan, "source": "card"},
                                "pin": counter.pin(pan, "246810"), "mode": "cash"})
    assert out.ok and out.finished, out.problems
    journal += out.journal_numbers
    with reader(core.engine) as conn:
        row = conn.execute(sa.select(m.Account.__table__)
                           .where(m.Account.number == card_account)).one()
    assert (row.status, row.balance, row.medium_kind) == ("closed", 0, "card_void")

    # THEN the box moved by the day's cash exactly, and the books check out
    cash_in = 100_000 + 200_020 + 6_000_000 + 10_000 * 14
    cash_out = 5_500_000 + 800_087
    assert core.balance(box) - box_start == cash_in - cash_out
    report = check_books(core.engine)
    assert report.ok, report.summary()

    # AND every entry of the day has its electronic voucher (PDF) in the archive
    pdfs = [session.voucher_pdf(n) for n in journal]
    assert all(p is not None and p.exists() and p.stat().st_size > 1000 for p in pdfs), pdfs
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    #    … and the withdrawal's renders to a real page image
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    png = tmp_path / "withdrawal"
    pdf = session.voucher_pdf(journal[3])
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(png)],
                   check=True, timeout=60)
    image = png.with_suffix(".png")
    assert image.exists() and image.stat().st_size > 5000
    keep = shutil.os.environ.get("TELLER_DAY_PNG")
    if keep:  # for a human look at the rendered voucher
        shutil.copy(image, keep)
