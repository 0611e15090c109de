"""A large cash withdrawal asks a supervisor to authorize on the same terminal."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.forms.conftest import PW, rich_account
from tests.forms.test_wizard import type_and_enter, wait_page


def walk_to_commit(qtbot, window, account: str, amount: str) -> None:
    type_and_enter(qtbot, "10030")
    wait_page(qtbot, window, "account")
    type_and_enter(qtbot, account)            # the PIN needs no key: it is the PIN pad's
    wait_page(qtbot, window, "amount")
    type_and_enter(qtbot, amount)
    type_and_enter(qtbot)                     # cash
    type_and_enter(qtbot)                     # memo
    wait_page(qtbot, window, "cash")
    for _ in range(len(window.wizard._inputs())):
        type_and_enter(qtbot)                 # no notes typed: the proposed make-up
    wait_page(qtbot, window, "funds")         # 18590 data capture page: category, details
    type_and_enter(qtbot)                     # category: other (the default) …
    # … so the use of funds is described; Chinese arrives through the input
    # method, not as key codes QTest can send
    QApplication.focusWidget().insert("购车")
    type_and_enter(qtbot)
    wait_page(qtbot, window, "post")


def test_large_withdrawal_goes_through_the_authorization_dialog(qtbot, window, core):
    account = rich_account(core)
    before = core.balance(account)
    walk_to_commit(qtbot, window, account, "60000.00")
    assert window.wizard.findChildren(type(window.wizard.message), "need")
    # WHEN the teller submits
    QTest.keyClick(window.wizard, Qt.Key_F12)
    qtbot.waitUntil(lambda: window.wizard.auth_dialog is not None, timeout=10000)
    dialog = window.wizard.auth_dialog
    # THEN the dialog shows the reason, and nothing is posted yet
    reasons = [w.text() for w in dialog.findChildren(type(dialog.message), "reason")]
    assert reasons and "A级授权" in reasons[0]
    assert core.balance(account) == before
    # WHEN the teller tries to authorize their own transaction
    dialog.user.setText("T001")
    dialog.password.setText(PW)
    QTest.keyClick(dialog.password, Qt.Key_Return)
    qtbot.waitUntil(lambda: not window.ops.busy and bool(dialog.message.text()), timeout=10000)
    assert "本人" in dialog.message.text()
    # WHEN a supervisor types a wrong password
    dialog.user.setText("S002")
    dialog.password.setText("wrong999")
    QTest.keyClick(dialog.password, Qt.Key_Return)
    qtbot.waitUntil(lambda: not window.ops.busy and "还可尝试" in dialog.message.text(),
                    timeout=10000)
    # WHEN the level-A supervisor signs in properly
    dialog.password.setText(PW)
    with qtbot.waitSignal(dialog.finished, timeout=10000):
        QTest.keyClick(dialog.password, Qt.Key_Return)
    # THEN it posted, with the supervisor's authorization on the voucher
    wait_page(qtbot, window, None)
    assert core.balance(account) == before - 6_000_000
    outcome = window.wizard.outcome
    assert outcome.ok and outcome.vouchers[0].authorizer == "S002"


def test_a_supervisor_may_refuse_with_a_remark(qtbot, window, core):
    account = rich_account(core)
    before = core.balance(account)
    walk_to_commit(qtbot, window, account, "60000.00")
    QTest.keyClick(window.wizard, Qt.Key_F12)
    qtbot.waitUntil(lambda: window.wizard.auth_dialog is not None, timeout=10000)
    dialog = window.wizard.auth_dialog
    dialog.user.setText("S001")
    dialog.password.setText(PW)
    dialog.remark.setText("客户身份存疑")
    with qtbot.waitSignal(dialog.finished, timeout=10000):
        dialog.refuse_button.click()
    assert dialog.refused
    assert "拒绝" in window.wizard.message.text()
    assert core.balance(account) == before
