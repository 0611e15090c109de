"""Sign-on dialog against the demo core: wrong passwords, lock-out, success."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog

from teller.core.operators.models import User
from teller.forms.signon import SignOnDialog
from tests.forms.conftest import PW


def sign_on(qtbot, dialog, ops, user, password) -> None:
    dialog.user.setText(user)
    dialog.password.setText(password)
    QTest.keyClick(dialog.password, Qt.Key_Return)
    qtbot.waitUntil(lambda: not ops.busy, timeout=10000)


def test_wrong_passwords_count_down_and_six_lock_the_user(qtbot, terminal, ops):
    dialog = SignOnDialog(terminal, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    # WHEN T001 types a wrong password once
    sign_on(qtbot, dialog, ops, "T001", "wrong999")
    # THEN the core's count of remaining attempts is shown
    assert "还可尝试5次" in dialog.message.text()
    # WHEN five more wrong passwords follow
    for _ in range(5):
        sign_on(qtbot, dialog, ops, "T001", "wrong999")
    # THEN the user is locked and the dialog says until when
    assert "锁定至" in dialog.message.text()
    # AND even the right password is refused while locked
    sign_on(qtbot, dialog, ops, "T001", PW)
    assert "锁定至" in dialog.message.text()
    assert dialog.result() != QDialog.Accepted and dialog.reply is None


def test_the_right_password_signs_on(qtbot, terminal, ops):
    dialog = SignOnDialog(terminal, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    # WHEN the teller types user, Enter, password, Enter
    QTest.keyClicks(dialog.user, "t001")
    QTest.keyClick(dialog.user, Qt.Key_Return)
    assert dialog.password.hasFocus() or dialog.focusWidget() is dialog.password
    QTest.keyClicks(dialog.password, PW)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        QTest.keyClick(dialog.password, Qt.Key_Return)
    # THEN a session for T001 comes back
    assert dialog.reply.ok and dialog.reply.session.teller == "T001"


def test_first_sign_on_forces_a_password_change(qtbot, terminal, ops, core):
    import sqlalchemy as sa
    with core.engine.begin() as conn:
        conn.execute(sa.update(User.__table__).where(User.code == "T002")
                     .values(must_change_password=True))
    dialog = SignOnDialog(terminal, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    # WHEN T002 signs on with the initial password
    sign_on(qtbot, dialog, ops, "T002", PW)
    # THEN the change page appears; a weak password is refused with the policy
    assert dialog.changing_password
    dialog.new_password.setText("123456")
    dialog.confirm_password.setText("123456")
    QTest.keyClick(dialog.confirm_password, Qt.Key_Return)
    qtbot.waitUntil(lambda: not ops.busy, timeout=10000)
    assert "字母和数字" in dialog.message.text()
    # WHEN a good one is typed twice THEN the dialog signs on with it
    dialog.new_password.setText("abc12345")
    dialog.confirm_password.setText("abc12345")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        QTest.keyClick(dialog.confirm_password, Qt.Key_Return)
    assert dialog.reply.ok and dialog.reply.session.teller == "T002"
    assert terminal.sign_on("T002", "abc12345").ok
