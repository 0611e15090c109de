"""Authorization (授权) dialog: a supervisor's second sign-on at this terminal.

    dialog = AuthorizationDialog(summary, reasons, attempt, ops, refuse=None, parent=None)
        summary: [(label, value)]          what the supervisor is agreeing to
        reasons: [(level, reason)]         why the flow needs authorization
        attempt(user, password) -> outcome with .ok, .problems, .needs_authorization
        refuse(user, password, remark) -> list[Problem]   (optional)
    dialog.exec() == Accepted -> dialog.outcome (the posted outcome)
    dialog.refused -> True when the supervisor refused with a remark

The dialog itself judges nothing: same person, too low a level and a wrong
password (which counts toward the supervisor's lock-out) are the core's
answers, shown here as they come back.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QVBoxLayout, QWidget)

from teller.forms.background import Background, BusyIndicator
from teller.forms.i18n import pick


def reasons_text(needs) -> list[tuple[str, str]]:
    """AuthNeed-like objects -> [(level, reason)] in the current language."""
    out = []
    for need in needs or ():
        if isinstance(need, tuple):
            out.append((str(need[0]), str(need[1])))
            continue
        reason = pick(getattr(need, "reason", ""), getattr(need, "reason_en", ""))
        out.append((str(getattr(need, "level", "")), reason or str(need)))
    return out


class AuthorizationDialog(QDialog):
    def __init__(self, summary: list[tuple[str, str]], reasons: list[tuple[str, str]],
                 attempt: Callable[[str, str], Any], ops: Background, *,
                 refuse: Callable[[str, str, str], Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.attempt, self.refuse_fn, self.ops = attempt, refuse, ops
        self.outcome: Any = None
        self.refused = False
        self.setObjectName("authorizationDialog")
        self.setWindowTitle(self.tr("主管授权"))
        self.setMinimumWidth(460)

        layout = QVBoxLayout(self)
        what = QGroupBox(self.tr("交易摘要"))
        wform = QFormLayout(what)
        for label, value in summary:
            wform.addRow(label, QLabel(value))
        layout.addWidget(what)

        why = QGroupBox(self.tr("授权原因"))
        wlay = QVBoxLayout(why)
        for level, reason in reasons:
            line = QLabel(self.tr("{0}级授权：{1}").format(level, reason))
            line.setObjectName("reason")
            line.setWordWrap(True)
            wlay.addWidget(line)
        layout.addWidget(why)

        form = QFormLayout()
        self.user = QLineEdit(objectName="supervisor")
        self.password = QLineEdit(objectName="supervisor_password")
        self.password.setEchoMode(QLineEdit.Password)
        self.remark = QLineEdit(objectName="remark")
        self.remark.setPlaceholderText(self.tr("拒绝授权时必须填写"))
        form.addRow(self.tr("主管柜员号"), self.user)
        form.addRow(self.tr("主管密码"), self.password)
        form.addRow(self.tr("备注"), self.remark)
        layout.addLayout(form)

        self.message = QLabel(objectName="message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        layout.addWidget(BusyIndicator(ops, self))

        row = QHBoxLayout()
        self.grant_button = QPushButton(self.tr("同意授权 (F12)"), objectName="grant")
        self.refuse_button = QPushButton(self.tr("拒绝授权"), objectName="refuse")
        self.refuse_button.setEnabled(refuse is not None)
        cancel = QPushButton(self.tr("取消 (Esc)"))
        for b in (self.grant_button, self.refuse_button, cancel):
            b.setAutoDefault(False)
            row.addWidget(b)
        layout.addLayout(row)
        self.grant_button.clicked.connect(self.grant)
        self.refuse_button.clicked.connect(self.refuse)
        cancel.clicked.connect(self.reject)
        self.user.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.grant)
        self.user.setFocus()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt name
        if event.key() == Qt.Key_F12:
            self.grant()
            return
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            return  # Enter is handled by the fields; no default button double-fire
        super().keyPressEvent(event)

    def _credentials(self) -> tuple[str, str] | None:
        user, password = self.user.text().strip().upper(), self.password.text()
        if not user or not password:
            self.message.setText(self.tr("请主管输入柜员号和密码"))
            (self.user if not user else self.password).setFocus()
            return None
        return user, password

    def grant(self) -> None:
        creds = self._credentials()
        if creds is None or self.ops.busy:
            return
        self._set_enabled(False)
        self.message.clear()
        self.ops.run(self.attempt, *creds, on_done=self._attempted, on_error=self._failed)

    def _attempted(self, outcome: Any) -> None:
        self._set_enabled(True)
        if getattr(outcome, "ok", False):
            self.outcome = outcome
            self.accept()
            return
        lines = [pick(p.message, getattr(p, "message_en", ""))
                 for p in getattr(outcome, "problems", ()) or ()]
        if not lines and getattr(outcome, "needs_authorization", None):
            lines = [self.tr("该主管不能授权此交易：") + "；".join(
                r for _, r in reasons_text(outcome.needs_authorization))]
        self.message.setText("\n".join(lines) or self.tr("授权未通过"))
        self.password.clear()
        self.password.setFocus()

    def refuse(self) -> None:
        creds = self._credentials()
        if creds is None or self.refuse_fn is None or self.ops.busy:
            return
        remark = self.remark.text().strip()
        if not remark:
            self.message.setText(self.tr("拒绝授权时必须填写备注"))
            self.remark.setFocus()
            return
        self._set_enabled(False)
        self.ops.run(self.refuse_fn, *creds, remark, on_done=self._refused,
                     on_error=self._failed)

    def _refused(self, problems: Any) -> None:
        self._set_enabled(True)
        if problems:
            self.message.setText("\n".join(pick(p.message, getattr(p, "message_en", ""))
                                           for p in problems))
            return
        self.refused = True
        self.reject()

    def _failed(self, exc: Exception) -> None:
        self._set_enabled(True)
        self.message.setText(self.tr("授权失败：{0}").format(getattr(exc, "message", "") or exc))

    def _set_enabled(self, enabled: bool) -> None:
        for w in (self.user, self.password, self.remark, self.grant_button):
            w.setEnabled(enabled)
        self.refuse_button.setEnabled(enabled and self.refuse_fn is not None)
