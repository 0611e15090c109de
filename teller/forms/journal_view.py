"""Today's journal (当日流水) for the signed-on teller: a searchable table.

    view = JournalView(parent); view.set_lines(tuple[JournalLine, ...])
    view.open_entry(journal_number)   # signal on double-click / Enter; the main window
                                      # shows session.voucher(journal_number) for it
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

from teller.domain.money import Money


class JournalModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.lines: tuple[Any, ...] = ()
        self.headers = (self.tr("流水号"), self.tr("时间"), self.tr("交易码"),
                        self.tr("账号"), self.tr("金额"), self.tr("状态"))
        self.statuses = {"posted": self.tr("已记账"), "reversed": self.tr("已冲正"),
                         "reversal": self.tr("冲正交易")}

    def set_lines(self, lines) -> None:
        self.beginResetModel()
        self.lines = tuple(lines)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt name
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt name
        return len(self.headers)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self.headers[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        line = self.lines[index.row()]
        col = index.column()
        if role == Qt.DisplayRole:
            return (line.journal_number, f"{line.created_at:%H:%M:%S}", line.txn_code,
                    line.account, Money(line.amount).format(),
                    self.statuses.get(line.status, line.status))[col]
        if role == Qt.TextAlignmentRole and col == 4:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.UserRole:
            return line.journal_number
        return None


class JournalView(QWidget):
    open_entry = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("journal")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit(objectName="journal_search")
        self.search.setPlaceholderText(self.tr("搜索流水号、账号、交易码……"))
        self.search.setClearButtonEnabled(True)
        self.model = JournalModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseInsensitive)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView(objectName="journal_table")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self._activated)
        self.table.activated.connect(self._activated)
        layout.addWidget(self.search)
        layout.addWidget(self.table)

    def set_lines(self, lines) -> None:
        self.model.set_lines(lines)

    def visible_numbers(self) -> list[str]:
        return [self.proxy.index(r, 0).data(Qt.UserRole) for r in range(self.proxy.rowCount())]

    def _activated(self, index) -> None:
        if index.isValid():
            self.open_entry.emit(index.data(Qt.UserRole))
