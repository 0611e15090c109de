"""The 10010 opening page flow completed with the keyboard only in the wizard (F2 reads
the virtual PBOC card, F4 starts the in-process PIN pad emulator), and a query's
result table."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from teller.core.ledger import models as m
from teller.core.ledger.db import reader
from teller.forms.field_widgets import DeviceHooks, ResultTableWidget
from tests.conftest import FAST_SCRYPT
from tests.forms.test_wizard import type_and_enter, wait_page
from tests.transactions.conftest import (  # noqa: F401 - verifier is a fixture
    new_card, read_card, verifier,
)


@pytest.fixture
def pin_session(core, tmp_path, verifier):  # noqa: F811
    from teller.api import Terminal
    t = Terminal.open(core.url, tmp_path / "t01w.sqlite", terminal_code="T01",
                      printer=lambda v: None, scrypt_n=FAST_SCRYPT, pin_verifier=verifier)
    yield t.sign_on("T001", "demo123").session
    t.close()


@pytest.fixture
def pan():
    return new_card(77)


@pytest.fixture
def personal_window(qtbot, pin_session, ops, pinpad, pan):  # noqa: F811
    from teller.forms.main_window import MainWindow
    pad, emulator = pinpad

    def read_pin(number):
        emulator.auto_pin = "362514"
        try:
            return pad.read_pin(number, timeout=10)
        finally:
            emulator.auto_pin = None

    hooks = DeviceHooks(read_card=lambda: read_card(pan, "ZHAO/XIN"), read_pin=read_pin)
    win = MainWindow(pin_session, ops, hooks=hooks)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: not ops.busy)
    return win


def type_chinese(qtbot, text: str) -> None:
    """Chinese arrives the way an input method delivers it (a committed string), then Enter."""
    widget = QApplication.focusWidget()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)
    QTest.keyClick(widget, Qt.Key_Return)


def key(qtbot, window, k) -> None:
    QTest.keyClick(QApplication.focusWidget() or window.wizard, k)
    qtbot.waitUntil(lambda: not window.ops.busy, timeout=10000)


def test_opening_a_card_account_with_the_keyboard_only(qtbot, personal_window, core, pan):
    window = personal_window
    type_and_enter(qtbot, "10010")
    wait_page(qtbot, window, "customer")
    # customer page: ID type (resident ID), number, name, English name, phone, address, job
    type_and_enter(qtbot)
    type_and_enter(qtbot, "11010519880808123" + _check("11010519880808123"))
    type_chinese(qtbot, "赵新")
    type_and_enter(qtbot, "ZHAO XIN")
    type_and_enter(qtbot, "13800000011")
    type_and_enter(qtbot)
    type_and_enter(qtbot)
    wait_page(qtbot, window, "account")
    assert any("新客户" in text for _, text in window.wizard._context_lines())
    for _ in range(4):                 # product, class I, by password, all branches
        type_and_enter(qtbot)
    wait_page(qtbot, window, "medium")
    type_and_enter(qtbot)              # IC card (the default)
    wait_page(qtbot, window, "card")
    key(qtbot, window, Qt.Key_F2)      # the card reader reads the new card
    assert window.wizard.widgets[0].edit.text() == pan
    type_and_enter(qtbot)
    wait_page(qtbot, window, "password")
    key(qtbot, window, Qt.Key_F4)      # the customer keys the password …
    key(qtbot, window, Qt.Key_F4)      # … and again
    assert all(w.block is not None for w in window.wizard.widgets)
    QTest.keyClick(window.wizard, Qt.Key_Return)
    wait_page(qtbot, window, "sms")
    type_and_enter(qtbot, "13800000011")
    wait_page(qtbot, window, "verification")
    for _ in range(3):                 # by telephone (default), no verifier name, no note
        type_and_enter(qtbot)
    wait_page(qtbot, window, "deposit")
    type_and_enter(qtbot, "100.00")
    type_and_enter(qtbot)              # cash
    wait_page(qtbot, window, "cash")   # 券别 (issue 7)
    for _ in range(len(window.wizard._inputs())):
        type_and_enter(qtbot)          # no notes typed: the proposal is taken …
    wait_page(qtbot, window, "open")
    assert ("券别（系统配款）", "¥100.00×1") in window.wizard._context_lines()  # … and shown
    type_and_enter(qtbot)              # Enter on the confirmation submits
    wait_page(qtbot, window, None)
    # THEN the account exists with its card, its deposit and one journal number
    with reader(core.engine) as conn:
        row = conn.execute(sa.select(m.Account.__table__)
                           .where(m.Account.medium_number == pan)).one()
    assert (row.balance, row.title, row.status) == (10000, "赵新", "normal")
    numbers = window.wizard.outcome.journal_numbers
    assert len(numbers) == 1
    shown = window.wizard.findChild(type(window.wizard.message), "journal_numbers")
    assert shown.text() == numbers[0]


def _check(id17: str) -> str:
    from teller.domain.identity import resident_id_check_char
    return resident_id_check_char(id17)


def test_a_query_shows_its_result_table(qtbot, personal_window, core):
    window = personal_window
    type_and_enter(qtbot, "18620")
    wait_page(qtbot, window, "customer")
    type_and_enter(qtbot)
    type_and_enter(qtbot, "44030419920315234" + _check("44030419920315234"))
    wait_page(qtbot, window, None)
    table = window.wizard.findChild(ResultTableWidget, "result_table")
    assert table is not None and table.grid.rowCount() == 1
    assert table.cell(0, 0) == core.demo.accounts[1][0] and table.cell(0, 4) == "¥86,000.50"
    assert table.note.text() == "共 1 户"


def test_a_passbook_account_reserves_its_number_then_asks_the_pin(qtbot, personal_window,
                                                                  core):
    window = personal_window
    type_and_enter(qtbot, "10010")
    wait_page(qtbot, window, "customer")
    type_and_enter(qtbot)                          # resident ID
    type_and_enter(qtbot, "11010519800101123" + _check("11010519800101123"))  # 王小明
    for _ in range(5):                             # nothing else typed: an existing customer
        type_and_enter(qtbot)
    wait_page(qtbot, window, "account")
    for _ in range(4):
        type_and_enter(qtbot)
    wait_page(qtbot, window, "medium")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key_Down)   # 活期存折
    type_and_enter(qtbot)
    wait_page(qtbot, window, "passbook")
    type_and_enter(qtbot)                          # the proposed passbook: smallest in the box
    wait_page(qtbot, window, "number")
    type_and_enter(qtbot)                          # reserve the account number
    wait_page(qtbot, window, "password")
    number = window.wizard.run.state["account_number"]
    key(qtbot, window, Qt.Key_F4)
    key(qtbot, window, Qt.Key_F4)
    QTest.keyClick(window.wizard, Qt.Key_Return)
    wait_page(qtbot, window, "sms")
    type_and_enter(qtbot)
    wait_page(qtbot, window, "verification")
    for _ in range(3):
        type_and_enter(qtbot)
    wait_page(qtbot, window, "deposit")
    type_and_enter(qtbot)                          # no opening deposit
    type_and_enter(qtbot)
    wait_page(qtbot, window, "open")
    type_and_enter(qtbot)
    wait_page(qtbot, window, None)
    with reader(core.engine) as conn:
        row = conn.execute(sa.select(m.Account.__table__)
                           .where(m.Account.number == number)).one()
    assert (row.medium_kind, row.medium_number, row.title) == ("passbook", "10000001",
                                                               "王小明")
    assert row.pin_verification_value is not None


@pytest.fixture
def counter_emulators(qtbot):
    """The demo counter's emulators, in-process on ephemeral ports (what start_all
    builds, minus PC/SC: the card is read from the virtual card in-process)."""
    from teller.devices.emulators.all import EmulatorSet
    from teller.devices.emulators.escpos_printer import EscPosPrinterEmulator
    from teller.devices.emulators.passbook_printer import PassbookPrinterEmulator
    from teller.devices.emulators.pinpad import (DEMO_MASTER_KEY, DEMO_WORKING_KEY,
                                                 PinPadEmulator)
    from teller.devices.pinpad import PinPad
    from teller.devices.transports.serial import SerialTransport
    from teller.domain.pin import encrypt_working_key, key_check_value
    passbook, pinpad, receipt = (PassbookPrinterEmulator(host="127.0.0.1", port=0),
                                 PinPadEmulator(), EscPosPrinterEmulator())
    emus = EmulatorSet("127.0.0.1", passbook, pinpad, receipt, passbook.start(),
                       pinpad.serve_tcp("127.0.0.1", 0), pinpad.serve_control("127.0.0.1", 0),
                       receipt.serve_tcp("127.0.0.1", 0))
    pad = PinPad(SerialTransport(f"socket://127.0.0.1:{emus.pinpad_port}"))
    pad.open()
    pad.load_working_key(0, encrypt_working_key(DEMO_MASTER_KEY, DEMO_WORKING_KEY),
                         key_check_value(DEMO_WORKING_KEY))
    yield emus, pad
    pad.close()
    emus.stop()


def test_opening_with_the_keyboard_and_the_pin_keyed_in_the_emulator_window(
        qtbot, pin_session, ops, counter_emulators, core):  # noqa: F811
    from teller.forms.emulator_control import EmulatorControl
    from teller.forms.main_window import MainWindow
    emus, pad = counter_emulators
    pan = new_card(78)
    # GIVEN the teller's window and the emulator control window (the customer's side)
    hooks = DeviceHooks(read_card=lambda: read_card(pan, "QIAN/FENG"),
                        read_pin=lambda number: pad.read_pin(number, timeout=20))
    window = MainWindow(pin_session, ops, hooks=hooks)
    control = EmulatorControl(emus)
    for w in (window, control):
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
    window.activateWindow()
    qtbot.waitUntil(lambda: not ops.busy)
    window.code_box.setFocus()

    def customer_keys_pin(pin: str) -> None:
        """F4 on the teller's side; the customer types in the control window's PIN
        box and presses 输入并确认; the wizard gets the block."""
        widget = QApplication.focusWidget()
        QTest.keyClick(widget, Qt.Key_F4)
        qtbot.waitUntil(lambda: emus.pinpad.entering, timeout=10000)
        QTest.keyClicks(control.pin, pin)
        QTest.mouseClick(control.type_pin_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: not ops.busy, timeout=10000)
        assert control.status.text() == "已输入密码"
        widget.setFocus()

    # WHEN the teller walks 10010 with the keyboard
    type_and_enter(qtbot, "10010")
    wait_page(qtbot, window, "customer")
    type_and_enter(qtbot)
    type_and_enter(qtbot, "11010519770707123" + _check("11010519770707123"))
    type_chinese(qtbot, "钱峰")
    for _ in range(4):                 # English name, phone, address, occupation left blank
        type_and_enter(qtbot)
    wait_page(qtbot, window, "account")
    for _ in range(4):
        type_and_enter(qtbot)
    wait_page(qtbot, window, "medium")
    type_and_enter(qtbot)
    wait_page(qtbot, window, "card")
    key(qtbot, window, Qt.Key_F2)
    assert window.wizard.widgets[0].edit.text() == pan
    type_and_enter(qtbot)
    wait_page(qtbot, window, "password")
    # … and the customer keys the password twice in the emulator window
    first, second = window.wizard.widgets
    first.setFocus()
    customer_keys_pin("975310")
    second.setFocus()
    customer_keys_pin("975310")
    assert first.block is not None and second.block is not None
    QTest.keyClick(window.wizard, Qt.Key_Return)
    wait_page(qtbot, window, "sms")
    type_and_enter(qtbot)
    wait_page(qtbot, window, "verification")
    for _ in range(3):
        type_and_enter(qtbot)
    wait_page(qtbot, window, "deposit")
    type_and_enter(qtbot, "300.00")
    type_and_enter(qtbot)
    wait_page(qtbot, window, "cash")
    for _ in range(len(window.wizard._inputs())):
        type_and_enter(qtbot)
    wait_page(qtbot, window, "open")
    type_and_enter(qtbot)
    wait_page(qtbot, window, None)
    # THEN the account is open on the card with the deposit, and the password keyed in
    # the emulator window is the one the core checks
    with reader(core.engine) as conn:
        row = conn.execute(sa.select(m.Account.__table__)
                           .where(m.Account.medium_number == pan)).one()
    assert (row.balance, row.title, row.status) == (30000, "钱峰", "normal")
    assert len(window.wizard.outcome.journal_numbers) == 1
    pins = pin_session.terminal.core.customer_pins
    emus.pinpad.auto_pin = "975310"
    try:
        assert pins.verify(row.number, pad.read_pin(pan, timeout=10)).accepted
        emus.pinpad.auto_pin = "000000"
        assert not pins.verify(row.number, pad.read_pin(pan, timeout=10)).accepted
    finally:
        emus.pinpad.auto_pin = None
