"""暂离: the lock covers the main window until the same operator's password."""
from __future__ import annotations

from PySide6.QtCore import Qt

from tests.forms.conftest import PW


def test_lock_opens_only_with_the_operators_own_password(qtbot, window, ops, session):
    # GIVEN the teller steps away (Ctrl+L)
    assert window.lock_action.shortcut().toString() == "Ctrl+L"
    window.lock_action.trigger()
    dialog = window.lock_dialog
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.password.hasFocus)
    assert dialog.isModal()
    assert "T001" in dialog.findChildren(type(dialog.message))[0].text()
    # WHEN someone presses Esc THEN the lock stays
    qtbot.keyClick(dialog.password, Qt.Key_Escape)
    assert dialog.isVisible()
    # WHEN a wrong password is typed THEN it says so and stays locked
    qtbot.keyClicks(dialog.password, "wrong99")
    qtbot.keyClick(dialog.password, Qt.Key_Return)
    qtbot.waitUntil(lambda: dialog.message.text() != "")
    assert dialog.message.text() == "密码错误，只有本人可以解锁" and dialog.isVisible()
    # WHEN the teller types their own password THEN the window is theirs again
    qtbot.keyClicks(dialog.password, PW)
    qtbot.keyClick(dialog.password, Qt.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert session.signed_on


def test_sign_off_with_an_unbalanced_box_says_the_day_stays_open(qtbot, core, tmp_path):
    from PySide6.QtWidgets import QApplication
    from teller.app import TellerApp
    from teller.forms.settings_store import Settings
    from tests.conftest import FAST_SCRYPT
    settings = Settings(core_url=core.url, terminal_id="T01")
    app = TellerApp(QApplication.instance(), settings, settings_path=tmp_path / "s.json",
                    terminal_kwargs={"local_path": tmp_path / "t01.sqlite",
                                     "scrypt_n": FAST_SCRYPT})
    app.start()
    qtbot.waitUntil(lambda: not app.ops.busy, timeout=15000)  # the core probe
    app.sign_on_dialog.user.setText("T001")
    app.sign_on_dialog.password.setText(PW)
    qtbot.keyClick(app.sign_on_dialog.password, Qt.Key_Return)
    qtbot.waitUntil(lambda: app.window is not None, timeout=15000)
    # GIVEN the teller took cash and did not balance the box
    out = app.window.session.run("10020", {"account": core.demo.accounts[0][0],
                                           "amount": "100.00", "mode": "cash",
                                           "notes": {"10000": 1}})
    assert out.ok
    # WHEN signing off (F10) THEN the window closes and the sign-on screen says why
    app.sign_off()
    qtbot.waitUntil(lambda: app.window is None and app.sign_on_dialog is not None
                    and app.sign_on_dialog.message.text() != "", timeout=15000)
    assert app.sign_on_dialog.message.text().startswith("尾箱尚未轧账")
    qtbot.addWidget(app.sign_on_dialog)
    app.shutdown()
