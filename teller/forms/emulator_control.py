"""Demo mode's "emulator control" window (模拟器控制): the customer's and the
hardware's side of the counter — insert a card, swipe a passbook, cause a jam,
type the PIN, look at the printed receipts.

    win = EmulatorControl(emus)   # emus: teller.devices.emulators.all.EmulatorSet
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from teller.devices.emulators.all import DEMO_PAN

DEMO_STRIPE = "6228480012345678901=0001"


class EmulatorControl(QWidget):
    def __init__(self, emus: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.emus = emus
        self.setObjectName("emulator_control")
        self.setWindowTitle(self.tr("模拟器控制"))
        layout = QVBoxLayout(self)

        card = QGroupBox(self.tr("IC卡"))
        row = QHBoxLayout(card)
        self.pan = QLineEdit(DEMO_PAN, objectName="card_pan")
        self.card_name = QLineEdit(objectName="card_name")
        self.card_name.setPlaceholderText(self.tr("持卡人姓名"))
        self.insert_card_button = QPushButton(self.tr("插卡"), objectName="insert_card")
        self.insert_card_button.clicked.connect(self.insert_card)
        self.remove_card_button = QPushButton(self.tr("拔卡"), objectName="remove_card")
        self.remove_card_button.clicked.connect(self.remove_card)
        for w in (self.pan, self.card_name, self.insert_card_button, self.remove_card_button):
            row.addWidget(w)
        if emus.card is None:
            for w in (self.insert_card_button, self.remove_card_button):
                w.setEnabled(False)
            card.setToolTip(self.tr("PC/SC（pcscd + vpcd）不可用，无法模拟IC卡"))
        layout.addWidget(card)

        book = QGroupBox(self.tr("存折打印机"))
        col = QVBoxLayout(book)
        row = QHBoxLayout()
        self.stripe = QLineEdit(DEMO_STRIPE, objectName="stripe")
        insert_book = QPushButton(self.tr("插入存折"), objectName="insert_book")
        insert_book.clicked.connect(self.insert_book)
        remove_book = QPushButton(self.tr("取出存折"), objectName="remove_book")
        remove_book.clicked.connect(self.remove_book)
        for w in (self.stripe, insert_book, remove_book):
            row.addWidget(w)
        col.addLayout(row)
        row = QHBoxLayout()
        self.jam_line = QSpinBox(objectName="jam_line")
        self.jam_line.setRange(1, 99)
        self.jam_line.setValue(1)
        jam = QPushButton(self.tr("在此行卡纸"), objectName="jam")
        jam.clicked.connect(self.jam)
        clear = QPushButton(self.tr("清除卡纸"), objectName="clear_jam")
        clear.clicked.connect(self.clear_jam)
        self.cover_button = QPushButton(self.tr("打开机盖"), objectName="cover")
        self.cover_button.setCheckable(True)
        self.cover_button.toggled.connect(self.set_cover)
        for w in (self.jam_line, jam, clear, self.cover_button):
            row.addWidget(w)
        col.addLayout(row)
        layout.addWidget(book)

        pad = QGroupBox(self.tr("密码键盘"))
        row = QHBoxLayout(pad)
        self.pin = QLineEdit(objectName="pin")
        self.pin.setEchoMode(QLineEdit.Password)
        self.pin.setMaxLength(12)
        self.pin.setPlaceholderText(self.tr("客户密码"))
        self.type_pin_button = QPushButton(self.tr("输入并确认"), objectName="type_pin")
        self.type_pin_button.clicked.connect(self.type_pin)
        cancel = QPushButton(self.tr("取消"), objectName="pin_cancel")
        cancel.clicked.connect(lambda: self._control("CANCEL"))
        for w in (self.pin, self.type_pin_button, cancel):
            row.addWidget(w)
        layout.addWidget(pad)

        printer = QGroupBox(self.tr("凭条打印机"))
        col = QVBoxLayout(printer)
        self.receipts = QPlainTextEdit(objectName="receipts")
        self.receipts.setReadOnly(True)
        col.addWidget(self.receipts)
        layout.addWidget(printer, 1)

        self.status = QLabel(objectName="emulator_status")
        self.status.setWordWrap(True)
        self.status.setText("\n".join(emus.notes))
        layout.addWidget(self.status)

        self._shown_receipts = 0
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.update_receipts)
        self.timer.start(500)

    # -- card ------------------------------------------------------------------------
    def insert_card(self) -> None:
        try:
            self.emus.insert_card(self.pan.text().strip(), name=self.card_name.text().strip())
        except (ValueError, ConnectionError) as e:
            self.status.setText(self.tr("插卡失败：{0}").format(e))
            return
        self.status.setText(self.tr("已插卡 {0}").format(self.pan.text().strip()))

    def remove_card(self) -> None:
        self.emus.remove_card()
        self.status.setText(self.tr("已拔卡"))

    # -- passbook --------------------------------------------------------------------
    def insert_book(self) -> None:
        self.emus.passbook.insert_book(self.stripe.text().strip())
        self.status.setText(self.tr("已插入存折"))

    def remove_book(self) -> None:
        self.emus.passbook.remove_book()
        self.status.setText(self.tr("已取出存折"))

    def jam(self) -> None:
        self.emus.passbook.jam_at(self.jam_line.value())
        self.status.setText(self.tr("将在第{0}行卡纸").format(self.jam_line.value()))

    def clear_jam(self) -> None:
        self.emus.passbook.clear_jam()
        self.status.setText(self.tr("卡纸已清除"))

    def set_cover(self, open_: bool) -> None:
        if open_:
            self.emus.passbook.open_cover()
            self.cover_button.setText(self.tr("关闭机盖"))
        else:
            self.emus.passbook.close_cover()
            self.cover_button.setText(self.tr("打开机盖"))

    # -- PIN pad ---------------------------------------------------------------------
    def _control(self, line: str) -> str:
        reply = self.emus.pinpad.control(line)
        return reply

    def type_pin(self) -> None:
        digits = self.pin.text().strip()
        self.pin.clear()
        if not digits.isdigit():
            self.status.setText(self.tr("密码只能是数字"))
            return
        if not self.emus.pinpad.entering:
            self.status.setText(self.tr("密码键盘未在等待输入"))
            return
        reply = self._control(f"PIN {digits}")
        self.status.setText(self.tr("已输入密码") if reply == "OK" else reply)

    # -- receipts --------------------------------------------------------------------
    def update_receipts(self) -> None:
        receipts = list(self.emus.receipt.receipts)
        for r in receipts[self._shown_receipts:]:
            self.receipts.appendPlainText(r.text + "\n" + "-" * 32)
        self._shown_receipts = len(receipts)
