"""Sign-on (签到) dialog, with the forced first-sign-on password change.

    dialog = SignOnDialog(auth, ops, bank_title="…", parent=None)
        auth.sign_on(user, password) -> reply with .ok, .message, .message_en,
                                        .must_change_password (api.SignOnOutcome; kept
                                        as dialog.reply). ok=False with
                                        must_change_password opens the change page, then
                                        signs on again with the new password.
        auth.change_password(user, old, new) -> list[Problem]
    dialog.exec() == Accepted  ->  dialog.reply is the successful reply

The core decides everything about lock-out and password policy; this dialog
only shows what it says (remaining attempts, locked until when, locked for an
administrator), so the rules cannot drift between GUI, CLI and API.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QStackedWidget, QVBoxLayout, QWidget)

from teller.forms.background import Background, BusyIndicator
from teller.forms.i18n import pick


def problem_text(problems) -> str:
    return "\n".join(pick(p.message, getattr(p, "message_en", "")) for p in problems)


class SignOnDialog(QDialog):
    def __init__(self, auth: Any, ops: Background, *, bank_title: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.auth = auth
        self.ops = ops
        self.reply: Any = None
        self._password = ""
        self.setObjectName("signOnDialog")
        self.setWindowTitle(self.tr("柜员签到"))
        self.setMinimumWidth(380)

        layout = QVBoxLayout(self)
        self.heading = heading = QLabel(bank_title or self.tr("柜面业务系统"))
        heading.setObjectName("heading")
        heading.setAlignment(Qt.AlignCenter)
        heading.setStyleSheet("font-size: 18px; font-weight: bold; padding: 8px;")
        layout.addWidget(heading)

        self.pages = QStackedWidget()
        layout.addWidget(self.pages)

        sign_page = QWidget()
        form = QFormLayout(sign_page)
        self.user = QLineEdit(objectName="user")
        self.user.setMaxLength(16)
        self.password = QLineEdit(objectName="password")
        self.password.setEchoMode(QLineEdit.Password)
        form.addRow(self.tr("柜员号"), self.user)
        form.addRow(self.tr("密码"), self.password)
        self.pages.addWidget(sign_page)

        change_page = QWidget()
        cform = QFormLayout(change_page)
        note = QLabel(self.tr("首次签到或密码已重置，请设置新密码（6至12位，须含字母和数字）"))
        note.setWordWrap(True)
        cform.addRow(note)
        self.new_password = QLineEdit(objectName="new_password")
        self.new_password.setEchoMode(QLineEdit.Password)
        self.confirm_password = QLineEdit(objectName="confirm_password")
        self.confirm_password.setEchoMode(QLineEdit.Password)
        cform.addRow(self.tr("新密码"), self.new_password)
        cform.addRow(self.tr("确认新密码"), self.confirm_password)
        self.pages.addWidget(change_page)

        self.message = QLabel(objectName="message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        layout.addWidget(BusyIndicator(ops, self))

        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(self.tr("签到"), QDialogButtonBox.AcceptRole)
        self.buttons.addButton(self.tr("退出"), QDialogButtonBox.RejectRole)
        # Only shown while the core is offline: the app decides (see teller.app).
        self.settings_button = self.buttons.addButton(self.tr("系统设置"),
                                                      QDialogButtonBox.ActionRole)
        self.settings_button.setObjectName("settings_button")
        self.settings_button.setAutoDefault(False)
        self.settings_button.hide()
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        # Enter walks the fields, then submits: tellers never reach for the mouse.
        self.user.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.submit)
        self.new_password.returnPressed.connect(self.confirm_password.setFocus)
        self.confirm_password.returnPressed.connect(self.submit)
        self.ok_button.setAutoDefault(False)
        self.user.setFocus()

    # QDialog's default button would also fire on Enter and double-submit.
    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt name
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            return
        super().keyPressEvent(event)

    @property
    def changing_password(self) -> bool:
        return self.pages.currentIndex() == 1

    def submit(self) -> None:
        if self.ops.busy:
            return
        if self.changing_password:
            self._submit_change()
            return
        user, password = self.user.text().strip().upper(), self.password.text()
        if not user or not password:
            self._show(self.tr("请输入柜员号和密码"))
            (self.user if not user else self.password).setFocus()
            return
        self._set_enabled(False)
        self._show("")
        self.ops.run(self.auth.sign_on, user, password,
                     on_done=self._signed_on, on_error=self._failed)

    def _signed_on(self, reply: Any) -> None:
        self._set_enabled(True)
        if not reply.ok and getattr(reply, "must_change_password", False):
            # The core accepted the password but wants a new one before any work.
            self._password = self.password.text()
            self.pages.setCurrentIndex(1)
            self.ok_button.setText(self.tr("修改密码"))
            self._show(self.tr("必须先修改密码才能办理业务"))
            self.new_password.setFocus()
            return
        if not reply.ok:
            self._show(pick(reply.message, getattr(reply, "message_en", "")))
            self.password.clear()
            self.password.setFocus()
            return
        self.reply = reply
        self.accept()

    def _submit_change(self) -> None:
        new, again = self.new_password.text(), self.confirm_password.text()
        if new != again:
            self._show(self.tr("两次输入的新密码不一致"))
            self.confirm_password.clear()
            self.confirm_password.setFocus()
            return
        self._set_enabled(False)
        self.ops.run(self.auth.change_password, self.user.text().strip().upper(),
                     self._password, new, on_done=self._changed, on_error=self._failed)

    def _changed(self, problems) -> None:
        self._set_enabled(True)
        if problems:
            self._show(problem_text(problems))
            self.new_password.selectAll()
            self.new_password.setFocus()
            return
        # Sign on again with the new password: the session comes from a real sign-on.
        self._password = ""
        self.pages.setCurrentIndex(0)
        self.ok_button.setText(self.tr("签到"))
        self.password.setText(self.new_password.text())
        self.new_password.clear()
        self.confirm_password.clear()
        self._set_enabled(False)
        self.ops.run(self.auth.sign_on, self.user.text().strip().upper(), self.password.text(),
                     on_done=self._signed_on, on_error=self._failed)

    def _failed(self, exc: Exception) -> None:
        self._set_enabled(True)
        message = getattr(exc, "message", "") or str(exc)
        self._show(self.tr("无法连接核心系统：{0}").format(message))

    def show_offline(self, reason: str) -> None:
        self._show(self.tr("核心系统脱机：{0}").format(reason))

    def _set_enabled(self, enabled: bool) -> None:
        for w in (self.user, self.password, self.new_password, self.confirm_password,
                  self.ok_button):
            w.setEnabled(enabled)

    def _show(self, text: str) -> None:
        self.message.setText(text)
