"""A branch's business day from the GUI, keyboard first: T001 signs on in the
sign-on window, takes a cash deposit (10020) and balances the box blind (09030),
the supervisor's day end (09900) is refused while T001 is still on, T001 signs
off with F10 and the supervisor's 09900 then runs — SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from teller.core.ledger import models as m
from teller.core.ledger.db import reader
from teller.core.day.eod import load_bank_calendar
from teller.core.rulebook import check_books
from tests.conftest import FAST_SCRYPT
from tests.forms.conftest import PW, customer_account
from tests.forms.test_wizard import type_and_enter, wait_page
from tests.transactions.test_cash_day import holdings
from tests.transactions.test_day_end_flow import supervisor  # noqa: F401  (S001 at T02)

pytestmark = pytest.mark.postgres


def business_date(core):
    with reader(core.engine) as conn:
        return conn.execute(sa.select(m.Branch.business_date)
                            .where(m.Branch.code == "0101")).scalar_one()


def deposits(core, account, day):
    """(journal sequence, amount credited to ``account``) of T001's 10020s on ``day``."""
    with reader(core.engine) as conn:
        return conn.execute(
            sa.select(m.JournalEntry.journal_sequence, m.Posting.amount)
            .join(m.Posting, m.Posting.entry_id == m.JournalEntry.id)
            .where(m.JournalEntry.txn_code == "10020", m.JournalEntry.teller_code == "T001",
                   m.JournalEntry.business_date == day, m.Posting.account_number == account,
                   m.Posting.direction == "C")).all()


def activate(qtbot, win):
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)


def type_count(qtbot, pieces: int) -> None:
    """Key a count into the focused denomination box (replacing its 0), then Enter."""
    if pieces:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key_A, Qt.ControlModifier)
    type_and_enter(qtbot, str(pieces) if pieces else "")


@pytest.fixture
def app(qtbot, core, tmp_path):
    """The whole terminal T01 (sign-on window, main window, F10) on the demo core."""
    from teller.app import TellerApp
    from teller.forms.settings_store import Settings
    teller_app = TellerApp(QApplication.instance(), Settings(core_url=core.url, terminal_id="T01"),
                           settings_path=tmp_path / "s.json",
                           terminal_kwargs={"local_path": tmp_path / "t01.sqlite",
                                            "scrypt_n": FAST_SCRYPT})
    teller_app.start()
    qtbot.addWidget(teller_app.sign_on_dialog)
    qtbot.waitUntil(lambda: not teller_app.ops.busy, timeout=15000)  # the core probe
    yield teller_app
    if teller_app.sign_on_dialog is not None:
        teller_app.sign_on_dialog.close()
    teller_app.shutdown()


def test_a_branch_runs_its_whole_day_from_the_gui(qtbot, core, app, ops,
                                                  supervisor):  # noqa: F811
    from teller.forms.main_window import MainWindow
    account, day = customer_account(core), business_date(core)
    box = core.account("cash_box", "T001")
    before = core.balance(account)

    # GIVEN T001 signs on at T01 with the keyboard: user, Enter, password, Enter
    dialog = app.sign_on_dialog
    activate(qtbot, dialog)
    dialog.user.setFocus()
    type_and_enter(qtbot, "T001")
    type_and_enter(qtbot, PW)
    qtbot.waitUntil(lambda: app.window is not None, timeout=15000)
    win = app.window
    qtbot.waitExposed(win)
    activate(qtbot, win)
    qtbot.waitUntil(lambda: not app.ops.busy, timeout=10000)
    assert win.session.teller == "T001" and QApplication.focusWidget() is win.code_box

    # WHEN T001 keys a 100.00 cash deposit (10020), the notes page left blank
    type_and_enter(qtbot, "10020")
    wait_page(qtbot, win, "account")
    type_and_enter(qtbot, account)
    wait_page(qtbot, win, "amount")
    type_and_enter(qtbot, "100.00")
    type_and_enter(qtbot)                  # mode: cash (the default)
    type_and_enter(qtbot)                  # memo
    wait_page(qtbot, win, "cash")
    box_before = holdings(core, box)
    for _ in range(len(win.wizard._inputs())):
        type_and_enter(qtbot)              # no notes typed: the proposed make-up is taken
    wait_page(qtbot, win, "post")
    type_and_enter(qtbot)
    wait_page(qtbot, win, None)
    # THEN it posted: the account and the box (one 100 note more) moved
    assert core.balance(account) == before + 10000
    assert holdings(core, box).get(10000, 0) == box_before.get(10000, 0) + 1
    assert len(deposits(core, account, day)) == 1
    type_and_enter(qtbot)                  # back to the journal
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.journal, timeout=5000)

    # WHEN T001 balances blind (09030), keying the box's true count note by note
    counted = holdings(core, box)
    type_and_enter(qtbot, "09030")
    wait_page(qtbot, win, "count")
    spins = win.wizard.widgets[0].spins
    for denom in spins:
        assert QApplication.focusWidget() is spins[denom]
        type_count(qtbot, counted.get(denom, 0))
    type_and_enter(qtbot)                  # remark: empty -> the confirmation page
    wait_page(qtbot, win, "balance")
    type_and_enter(qtbot)
    wait_page(qtbot, win, None)
    # THEN the core records the box balanced, with no difference put to suspense
    teller_day = win.session.terminal.core.teller_day
    assert teller_day.status("T001").balanced
    assert teller_day.difference("T001", counted) == 0
    (entry,) = win.wizard.outcome.entries  # the agreeing count: an entry without legs
    assert entry.legs == ()
    assert core.balance(core.account("suspense_short")) == 0
    assert core.balance(core.account("suspense_over")) == 0
    type_and_enter(qtbot)
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.journal, timeout=5000)

    # WHEN the supervisor (S001 at T02) asks for the day end while T001 is still on
    sup = MainWindow(supervisor, ops)
    qtbot.addWidget(sup)
    sup.show()
    qtbot.waitExposed(sup)
    activate(qtbot, sup)
    qtbot.waitUntil(lambda: not ops.busy, timeout=10000)
    sup.code_box.setFocus()
    type_and_enter(qtbot, "09900")
    wait_page(qtbot, sup, "check")
    type_and_enter(qtbot)
    qtbot.waitUntil(lambda: "T001" in sup.wizard.message.text(), timeout=10000)
    # THEN the window names T001, the page stays, the date has not moved
    assert "柜员 T001 尚未签退" in sup.wizard.message.text()
    wait_page(qtbot, sup, "check")
    assert business_date(core) == day

    # WHEN T001 signs off with F10
    activate(qtbot, win)
    QTest.keyClick(win, Qt.Key_F10)
    qtbot.waitUntil(lambda: app.window is None and app.sign_on_dialog is not None,
                    timeout=15000)
    # THEN the sign-on window is back with no complaint (the day closed cleanly)
    assert app.sign_on_dialog.message.text() == ""
    assert not win.session.signed_on and teller_day.status("T001").status == "signed_off"

    # WHEN the supervisor presses Enter on the day-end check again and confirms
    activate(qtbot, sup)                   # the focus is still on its day-end page
    type_and_enter(qtbot)
    wait_page(qtbot, sup, "run")
    type_and_enter(qtbot)
    wait_page(qtbot, sup, None)
    # THEN the next business day is open, the books check and the deposit is on file
    assert sup.wizard.outcome.ok and sup.wizard.message.text() == ""
    assert business_date(core) == load_bank_calendar().next_working_day(day) > day
    assert check_books(core.engine).ok
    assert [amount for _seq, amount in deposits(core, account, day)] == [10000]
