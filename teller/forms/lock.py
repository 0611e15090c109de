"""Temporary sign-off (暂离): the screen is locked until the same operator types
their own password; nobody else can use the terminal meanwhile.

    action = LockAction(window)               # "暂离 Ctrl+L" for the toolbar
    action.triggered.connect(window.lock_screen)
    dialog = LockDialog(session, ops, window) # modal, covers the window

Keyboard-first: the password box has the focus, Enter checks it (off the GUI
thread, through ``session.check_password`` — wrong passwords count toward the
operator's lock-out like any sign-on), Esc does nothing.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget


class LockAction(QAction):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lock_action")
        self.setText(self.tr("暂离 Ctrl+L"))
        self.setShortcut(QKeySequence("Ctrl+L"))


class LockDialog(QDialog):
    """Covers the main window while the teller is away."""

    def __init__(self, session: Any, ops: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Dialog | Qt.CustomizeWindowHint | Qt.WindowTitleHint)
        self.session, self.ops = session, ops
        self.setObjectName("lockDialog")
        self.setModal(True)
        self.setWindowTitle(self.tr("暂离锁屏"))
        op = session.operator
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("柜员 {0} {1} 暂离，屏幕已锁定").format(op.code, op.name))
        title.setStyleSheet("font-size: 16px; font-weight: bold;")
        layout.addWidget(title)
        layout.addWidget(QLabel(self.tr("请输入本人密码解锁（回车确认）")))
        self.password = QLineEdit(objectName="lock_password")
        self.password.setEchoMode(QLineEdit.Password)
        self.password.returnPressed.connect(self.try_unlock)
        layout.addWidget(self.password)
        self.message = QLabel(objectName="lock_message")
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        if parent is not None:
            self.resize(max(360, parent.width() // 3), 160)
        self.password.setFocus()

    def try_unlock(self) -> None:
        text = self.password.text()
        self.password.setEnabled(False)
        self.ops.run(self.session.check_password, text, on_done=self._checked,
                     on_error=self._failed)

    def _checked(self, ok: bool) -> None:
        self.password.setEnabled(True)
        self.password.clear()
        if ok:
            self.message.clear()
            self.accept()
            return
        self.message.setText(self.tr("密码错误，只有本人可以解锁"))
        self.password.setFocus()

    def _failed(self, exc: Exception) -> None:
        self.password.setEnabled(True)
        self.message.setText(getattr(exc, "message", "") or str(exc))
        self.password.setFocus()

    def reject(self) -> None:  # Esc and the window's close button keep the lock
        self.password.setFocus()
