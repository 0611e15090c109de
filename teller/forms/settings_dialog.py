"""Settings (系统设置) dialog — administrators only.

    dialog = SettingsDialog(settings, store_password=fn(url, password) -> url, parent)
    dialog.exec() == Accepted -> dialog.result_settings (a new Settings)

A password typed for the core URL goes straight to ``store_password`` (the
system keyring) and the URL is kept without it: the settings file never holds
a secret. Whether the URL actually works is tested by the caller after saving,
so a wrong URL is reported but never blocks the terminal from opening.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
                               QLabel, QLineEdit, QVBoxLayout, QWidget)

from teller.forms.settings_store import DEVICE_NAMES, LANGUAGES, Settings


def split_password(url: str) -> tuple[str, str | None]:
    """The URL without a password, and the password if one was typed into it."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    netloc = f"{parts.username}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), \
        parts.password


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, *,
                 store_password: Callable[[str, str], str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.store_password = store_password
        self.result_settings: Settings | None = None
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("系统设置"))
        self.setMinimumWidth(520)

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.terminal_id = QLineEdit(settings.terminal_id, objectName="terminal_id")
        self.branch = QLineEdit(settings.branch, objectName="branch")
        self.core_url = QLineEdit(settings.core_url, objectName="core_url")
        self.core_url.setPlaceholderText(self.tr("留空使用本机内置数据库"))
        self.core_password = QLineEdit(objectName="core_password")
        self.core_password.setEchoMode(QLineEdit.Password)
        self.core_password.setPlaceholderText(self.tr("保存在系统密钥环中，不写入配置文件"))
        self.language = QComboBox(objectName="language")
        names = {"zh_CN": "简体中文", "en": "English"}
        for code in LANGUAGES:
            self.language.addItem(names[code], code)
        self.language.setCurrentIndex(LANGUAGES.index(settings.language))
        form.addRow(self.tr("终端号"), self.terminal_id)
        form.addRow(self.tr("机构号"), self.branch)
        form.addRow(self.tr("核心数据库地址"), self.core_url)
        form.addRow(self.tr("数据库密码"), self.core_password)
        form.addRow(self.tr("界面语言"), self.language)
        layout.addLayout(form)

        box = QGroupBox(self.tr("外设端口"))
        dform = QFormLayout(box)
        labels = {"card_reader": self.tr("IC卡读卡器"), "passbook": self.tr("存折打印机"),
                  "pinpad": self.tr("密码键盘"), "receipt": self.tr("凭条打印机")}
        self.device_edits: dict[str, QLineEdit] = {}
        for name in DEVICE_NAMES:
            edit = QLineEdit(settings.device_url(name), objectName=f"device_{name}")
            edit.setPlaceholderText("socket://127.0.0.1:9101  /dev/ttyS0  tcp://host:9100")
            self.device_edits[name] = edit
            dform.addRow(labels[name], edit)
        layout.addWidget(box)

        self.message = QLabel(objectName="message")
        self.message.setStyleSheet("color: #b00020;")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Save).setText(self.tr("保存"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def save(self) -> None:
        url, typed = split_password(self.core_url.text().strip())
        password = self.core_password.text() or typed
        if url and "://" not in url:
            self.message.setText(self.tr("数据库地址格式不正确，例如 postgresql://user@host/db"))
            return
        if password and url:
            if self.store_password is None:
                self.message.setText(self.tr("本机没有可用的密钥环，无法保存数据库密码"))
                return
            try:
                url = self.store_password(url, password)
            except Exception as exc:  # noqa: BLE001 - no keyring backend on this machine
                self.message.setText(self.tr("无法保存到密钥环：{0}").format(exc))
                return
        result = replace(self.settings, terminal_id=self.terminal_id.text().strip(),
                         branch=self.branch.text().strip(), core_url=url,
                         language=self.language.currentData())
        for name, edit in self.device_edits.items():
            result = result.with_device(name, edit.text().strip())
        self.result_settings = result
        self.accept()
