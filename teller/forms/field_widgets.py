"""One widget per field kind (teller.transactions.fields), chosen by ``field.kind``.

    w = make_field_widget(field, hooks, ops, parent)
    w.raw() -> what FlowRun.set(name, raw) accepts;  w.set_raw(raw)
    w.changed (signal) ; w.inputs() -> focusable editors in Enter order
    w.show_problems([Problem]) ; w.read(source) for F2/F3 (account fields)

Devices are reached only through ``hooks`` (DeviceHooks): a kind whose
device is missing gets its button disabled, and keyboard entry still works.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QGridLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from teller.domain.money import Money, parse_amount, to_chinese_capital
from teller.forms.background import Background
from teller.forms.i18n import pick


@dataclass
class DeviceHooks:
    """Device entry points for the wizard; each runs on a worker thread.
    ``read_card() -> card number``; ``read_passbook() -> account number``;
    ``read_pin(account) -> PinBlock``. None = no such device at this counter."""

    read_card: Callable[[], str] | None = None
    read_passbook: Callable[[], str] | None = None
    read_pin: Callable[[str], Any] | None = None


class FieldWidget(QWidget):
    changed = Signal()

    def __init__(self, field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.setObjectName(f"field_{field.name}")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.problem_label = QLabel(objectName="problem")
        self.problem_label.setStyleSheet("color: #b00020;")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()

    def _finish_layout(self, row: QWidget | QHBoxLayout) -> None:
        if isinstance(row, QWidget):
            self._layout.addWidget(row)
        else:
            self._layout.addLayout(row)
        help_text = pick(self.field.help, self.field.help_en)
        if help_text:
            hint = QLabel(help_text)
            hint.setStyleSheet("color: #666;")
            self._layout.addWidget(hint)
        self._layout.addWidget(self.problem_label)

    def raw(self) -> Any:
        raise NotImplementedError

    def set_raw(self, raw: Any) -> None:
        pass

    def inputs(self) -> list[QWidget]:
        return []

    def show_problems(self, problems) -> None:
        text = "\n".join(pick(p.message, p.message_en) for p in problems)
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))


class TextWidget(FieldWidget):
    def __init__(self, field, parent=None) -> None:
        super().__init__(field, parent)
        self.edit = QLineEdit(objectName=field.name)
        if getattr(field, "max_len", None):
            self.edit.setMaxLength(field.max_len)
        if field.kind == "date":
            self.edit.setPlaceholderText("YYYY-MM-DD")
        if field.kind == "secret":  # a second operator's password (交接): never shown
            self.edit.setEchoMode(QLineEdit.Password)
        self.edit.textChanged.connect(self.changed)
        self._finish_layout(self.edit)

    def raw(self) -> Any:
        return self.edit.text()

    def set_raw(self, raw: Any) -> None:
        if raw is not None:
            self.edit.setText(str(raw))

    def inputs(self) -> list[QWidget]:
        return [self.edit]


class AmountWidget(TextWidget):
    """Amount with its 大写 under it, as the customer will see it on the voucher."""

    def __init__(self, field, parent=None) -> None:
        super().__init__(field, parent)
        self.edit.setAlignment(Qt.AlignRight)
        self.edit.setPlaceholderText("0.00")
        self.capital = QLabel(objectName="capital")
        self.capital.setStyleSheet("color: #0b5394; font-size: 15px;")
        self._layout.insertWidget(1, self.capital)
        self.edit.textChanged.connect(self._update_capital)

    def _update_capital(self, text: str) -> None:
        money, problems = parse_amount(text, self.field.name) if text.strip() else (None, [])
        self.capital.setText(to_chinese_capital(money) if money and not problems else "")


class ChoiceWidget(FieldWidget):
    def __init__(self, field, parent=None) -> None:
        super().__init__(field, parent)
        self.combo = QComboBox(objectName=field.name)
        for value, zh, en in field.choices:
            self.combo.addItem(pick(zh, en), value)
        default = getattr(field, "default", None)
        if default is not None:
            self.combo.setCurrentIndex(max(0, self.combo.findData(default)))
        self.combo.currentIndexChanged.connect(self.changed)
        self._finish_layout(self.combo)

    def raw(self) -> Any:
        return self.combo.currentData()

    def set_raw(self, raw: Any) -> None:
        i = self.combo.findData(raw)
        if i >= 0:
            self.combo.setCurrentIndex(i)

    def inputs(self) -> list[QWidget]:
        return [self.combo]


class IdWidget(FieldWidget):
    def __init__(self, field, parent=None) -> None:
        super().__init__(field, parent)
        row = QHBoxLayout()
        self.type = QComboBox(objectName=f"{field.name}_type")
        for value, zh, en in field.id_types:
            self.type.addItem(pick(zh, en), value)
        self.number = QLineEdit(objectName=f"{field.name}_number")
        self.number.setMaxLength(30)
        row.addWidget(self.type)
        row.addWidget(self.number, 1)
        self.type.currentIndexChanged.connect(self.changed)
        self.number.textChanged.connect(self.changed)
        self._finish_layout(row)

    def raw(self) -> Any:
        if not self.number.text().strip():
            return None
        return {"type": self.type.currentData(), "number": self.number.text()}

    def set_raw(self, raw: Any) -> None:
        if isinstance(raw, dict):
            self.type.setCurrentIndex(max(0, self.type.findData(raw.get("type"))))
            self.number.setText(str(raw.get("number", "")))

    def inputs(self) -> list[QWidget]:
        return [self.type, self.number]


class DenominationWidget(FieldWidget):
    def __init__(self, field, parent=None) -> None:
        super().__init__(field, parent)
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.spins: dict[int, QSpinBox] = {}
        for i, denom in enumerate(field.denominations):
            spin = QSpinBox(objectName=f"{field.name}_{denom}")
            spin.setRange(0, 99999)
            spin.setSuffix(self.tr(" 张"))
            spin.valueChanged.connect(self._update_total)
            label = QLabel(Money(denom).format().replace(".00", ""))
            grid.addWidget(label, i // 4, (i % 4) * 2)
            grid.addWidget(spin, i // 4, (i % 4) * 2 + 1)
            self.spins[denom] = spin
        self.total = QLabel(objectName="total")
        self._finish_layout(box)
        self._layout.insertWidget(1, self.total)
        self._update_total()

    def _update_total(self, *_: Any) -> None:
        fen = sum(d * s.value() for d, s in self.spins.items())
        self.total.setText(self.tr("合计 {0}").format(Money(fen).format()))
        self.changed.emit()

    def raw(self) -> Any:
        counts = {str(d): s.value() for d, s in self.spins.items() if s.value()}
        return counts or None

    def set_raw(self, raw: Any) -> None:
        if isinstance(raw, dict):
            for key, count in raw.items():
                if int(key) in self.spins:
                    self.spins[int(key)].setValue(int(count))

    def inputs(self) -> list[QWidget]:
        return list(self.spins.values())


class _DeviceField(FieldWidget):
    """A field some device can fill: the read runs in the background and the
    result lands in the field on the GUI thread."""

    def __init__(self, field, hooks: DeviceHooks, ops: Background, parent=None) -> None:
        super().__init__(field, parent)
        self.hooks, self.ops = hooks, ops
        self.status = QLabel(objectName="device_status")
        self.status.setStyleSheet("color: #666;")

    def _button(self, text: str, name: str, enabled: bool) -> QPushButton:
        button = QPushButton(text, objectName=name)
        button.setFocusPolicy(Qt.NoFocus)  # Enter must walk fields, never press a button
        button.setEnabled(enabled)
        return button

    def _device_failed(self, exc: Exception) -> None:
        message = pick(getattr(exc, "message", "") or str(exc),
                       getattr(exc, "message_en", "") or str(exc))
        self.status.setText(self.tr("外设操作失败：{0}").format(message))


class AccountWidget(_DeviceField):
    def __init__(self, field, hooks: DeviceHooks, ops: Background, parent=None) -> None:
        super().__init__(field, hooks, ops, parent)
        self.source = "keyboard"
        row = QHBoxLayout()
        self.edit = QLineEdit(objectName=field.name)
        self.edit.setMaxLength(32)
        self.edit.textEdited.connect(self._typed)
        self.edit.textChanged.connect(self.changed)
        row.addWidget(self.edit, 1)
        sources = getattr(field, "sources", ())
        self.card_button = self._button(self.tr("读卡 F2"), "read_card",
                                        "card" in sources and hooks.read_card is not None)
        self.passbook_button = self._button(self.tr("读折 F3"), "read_passbook",
                                            "passbook" in sources
                                            and hooks.read_passbook is not None)
        self.card_button.clicked.connect(lambda: self.read("card"))
        self.passbook_button.clicked.connect(lambda: self.read("passbook"))
        row.addWidget(self.card_button)
        row.addWidget(self.passbook_button)
        self.edit.setReadOnly("keyboard" not in sources)
        self._finish_layout(row)
        self._layout.insertWidget(1, self.status)

    def _typed(self, _text: str) -> None:
        self.source = "keyboard"  # a hand edit makes the number the teller's, not the card's

    def read(self, source: str) -> bool:
        button = self.card_button if source == "card" else self.passbook_button
        hook = self.hooks.read_card if source == "card" else self.hooks.read_passbook
        if not button.isEnabled() or hook is None:
            return False
        self.status.setText(self.tr("请插入卡片") if source == "card"
                            else self.tr("请刷存折磁条"))
        self.ops.run(hook, on_done=lambda number: self._read_done(source, number),
                     on_error=self._device_failed)
        return True

    def _read_done(self, source: str, number: str) -> None:
        self.status.setText(self.tr("已读取") if number else "")
        self.edit.setText(str(number))
        self.source = source
        self.changed.emit()

    def raw(self) -> Any:
        text = self.edit.text()
        if self.source != "keyboard" and text:
            return {"number": text, "source": self.source}
        return text

    def set_raw(self, raw: Any) -> None:
        if isinstance(raw, dict):
            self.edit.setText(str(raw.get("number", "")))
            self.source = str(raw.get("source", "keyboard"))
        elif raw is not None:
            self.edit.setText(str(raw))

    def inputs(self) -> list[QWidget]:
        return [self.edit]


class PinWidget(_DeviceField):
    """The customer's PIN comes only from the PIN pad; the teller just starts it."""

    def __init__(self, field, hooks: DeviceHooks, ops: Background, account: Callable[[], str],
                 parent=None) -> None:
        super().__init__(field, hooks, ops, parent)
        self.account = account
        self.block: Any = None
        row = QHBoxLayout()
        self.prompt = QLabel(self.tr("请客户在密码键盘输入"), objectName="pin_prompt")
        self.button = self._button(self.tr("密码键盘 F4"), "read_pin", hooks.read_pin is not None)
        self.button.clicked.connect(self.read)
        row.addWidget(self.prompt, 1)
        row.addWidget(self.button)
        self._finish_layout(row)
        self._layout.insertWidget(1, self.status)

    def read(self) -> bool:
        if self.hooks.read_pin is None:
            self.status.setText(self.tr("本柜台未配置密码键盘"))
            return False
        self.status.setText(self.tr("等待客户输入……"))
        self.ops.run(self.hooks.read_pin, self.account(), on_done=self._entered,
                     on_error=self._device_failed)
        return True

    def _entered(self, block: Any) -> None:
        self.block = block
        self.status.setText(self.tr("客户已输入密码"))
        self.changed.emit()

    def raw(self) -> Any:
        return self.block


class ResultTableWidget(QWidget):
    """A query's result (``teller.transactions.flow.ResultTable``), read-only: the
    column captions in the UI language, the rows as given, the note under it."""

    def __init__(self, table, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("result_table")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.grid = QTableWidget(len(table.rows), len(table.columns), objectName="result_grid")
        self.grid.setHorizontalHeaderLabels([pick(zh, en) for zh, en in table.columns])
        self.grid.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.grid.setFocusPolicy(Qt.NoFocus)  # Enter must still leave the result page
        self.grid.verticalHeader().setVisible(False)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        for r, row in enumerate(table.rows):
            for c, text in enumerate(row):
                self.grid.setItem(r, c, QTableWidgetItem(str(text)))
        layout.addWidget(self.grid)
        self.note = QLabel(table.note, objectName="result_note")
        layout.addWidget(self.note)

    def cell(self, row: int, column: int) -> str:
        item = self.grid.item(row, column)
        return item.text() if item is not None else ""


def make_field_widget(field, hooks: DeviceHooks, ops: Background,
                      account: Callable[[], str] = lambda: "",
                      parent: QWidget | None = None) -> FieldWidget:
    kind = field.kind
    if kind == "account":
        return AccountWidget(field, hooks, ops, parent)
    if kind == "amount":
        return AmountWidget(field, parent)
    if kind == "choice":
        return ChoiceWidget(field, parent)
    if kind == "id":
        return IdWidget(field, parent)
    if kind == "pin":
        return PinWidget(field, hooks, ops, account, parent)
    if kind == "denominations":
        return DenominationWidget(field, parent)
    return TextWidget(field, parent)  # text, date and any kind added later
