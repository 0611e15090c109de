"""Main window (主界面): transaction-code box, menu tree, today's journal,
wizard host, status bar and a dock for the device panel.

    win = MainWindow(session, ops, hooks=DeviceHooks(), is_admin=False)
    win.sign_off_requested / win.settings_requested   (signals the app handles)
    win.open_code("10020")        # what typing the code and Enter does
    win.set_core_status(online, message) ; win.set_device_states({name: text})
    win.set_device_panel(widget)  # the devices issue's panel goes in the dock

Keys: F1 focus the code box; F5 refresh the journal; Ctrl+L lock (暂离); F10 sign off.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QDockWidget, QFormLayout,
                               QLabel, QLineEdit, QMainWindow, QMessageBox, QSizePolicy,
                               QStackedWidget,
                               QToolBar, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from teller.domain.money import Money
from teller.forms.background import Background, BusyIndicator
from teller.forms.field_widgets import DeviceHooks
from teller.forms.i18n import pick
from teller.forms.journal_view import JournalView
from teller.forms.lock import LockAction, LockDialog
from teller.forms.wizard import WizardHost


class VoucherDialog(QDialog):
    """The entry's voucher (凭证) as it was handed to the printer."""

    open_pdf = Signal(str)

    def __init__(self, voucher: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voucherDialog")
        self.setWindowTitle(self.tr("凭证 {0}").format(voucher.journal_number))
        layout = QVBoxLayout(self)
        title = QLabel(f"{voucher.bank} {pick(voucher.txn_name, voucher.txn_name_en)}")
        title.setStyleSheet("font-size: 16px; font-weight: bold;")
        layout.addWidget(title)
        form = QFormLayout()
        rows = [(self.tr("网点"), voucher.branch_name), (self.tr("交易码"), voucher.txn_code),
                (self.tr("账号"), voucher.account_masked),
                (self.tr("户名"), voucher.account_name),
                (self.tr("金额"), Money(voucher.amount_fen).format()),
                (self.tr("大写"), voucher.amount_capital),
                (self.tr("流水号"), voucher.journal_number), (self.tr("柜员"), voucher.teller),
                (self.tr("授权"), voucher.authorizer or ""),
                (self.tr("时间"), f"{voucher.time:%Y-%m-%d %H:%M:%S}")]
        for label, value in rows:
            if value:
                form.addRow(label, QLabel(str(value)))
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        pdf = buttons.addButton(self.tr("电子凭证 PDF"), QDialogButtonBox.ActionRole)
        pdf.setObjectName("open_pdf")
        pdf.clicked.connect(lambda: self.open_pdf.emit(voucher.journal_number))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class MainWindow(QMainWindow):
    sign_off_requested = Signal()
    settings_requested = Signal()

    def __init__(self, session: Any, ops: Background, *, hooks: DeviceHooks | None = None,
                 is_admin: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.ops = session, ops
        self.vouchers: dict[str, Any] = {}
        self.opened_files: list[Path] = []
        self.setObjectName("mainWindow")
        self.resize(1100, 700)
        self.registry = session.terminal.registry

        bar = QToolBar(self.tr("交易"), objectName="toolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
        bar.addWidget(QLabel(self.tr(" 交易码 ")))
        self.code_box = QLineEdit(objectName="code_box")
        self.code_box.setMaxLength(5)
        self.code_box.setFixedWidth(90)
        self.code_box.setPlaceholderText("10020")
        self.code_box.returnPressed.connect(lambda: self.open_code(self.code_box.text()))
        bar.addWidget(self.code_box)
        self.code_message = QLabel(objectName="code_message")
        self.code_message.setStyleSheet("color: #b00020; padding-left: 8px;")
        bar.addWidget(self.code_message)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        bar.addWidget(spacer)
        self.refresh_action = QAction(self.tr("刷新流水 F5"), self, shortcut=QKeySequence("F5"))
        self.refresh_action.triggered.connect(self.refresh)
        self.settings_action = QAction(self.tr("系统设置"), self, objectName="settings")
        self.settings_action.setVisible(is_admin)  # administrators only
        self.settings_action.triggered.connect(self.settings_requested)
        self.report_action = QAction(self.tr("日结流水清单"), self, objectName="journal_report")
        self.report_action.triggered.connect(self.open_journal_report)
        self.sign_off_action = QAction(self.tr("签退 F10"), self, shortcut=QKeySequence("F10"))
        self.sign_off_action.triggered.connect(self.sign_off_requested)
        focus_code = QAction(self, shortcut=QKeySequence("F1"))
        focus_code.triggered.connect(self.focus_code_box)
        self.addAction(focus_code)
        self.lock_action = LockAction(self)
        self.lock_action.triggered.connect(self.lock_screen)
        self.lock_dialog: LockDialog | None = None
        for action in (self.refresh_action, self.report_action, self.settings_action,
                       self.lock_action, self.sign_off_action):
            bar.addAction(action)

        self.menu_tree = QTreeWidget(objectName="menu_tree")
        self.menu_tree.setHeaderHidden(True)
        for cat in self.registry.menu():
            top = QTreeWidgetItem([pick(cat.name, cat.name_en)])
            for item in cat.items:
                leaf = QTreeWidgetItem([f"{item.code} {pick(item.title, item.title_en)}"])
                leaf.setData(0, Qt.UserRole, item.code)
                top.addChild(leaf)
            self.menu_tree.addTopLevelItem(top)
        self.menu_tree.expandAll()
        self.menu_tree.itemActivated.connect(self._menu_activated)
        menu_dock = QDockWidget(self.tr("交易菜单"), self, objectName="menu_dock")
        menu_dock.setFeatures(QDockWidget.NoDockWidgetFeatures)
        menu_dock.setWidget(self.menu_tree)
        self.addDockWidget(Qt.LeftDockWidgetArea, menu_dock)

        self.device_dock = QDockWidget(self.tr("外设"), self, objectName="device_dock")
        self.device_dock.setFeatures(QDockWidget.NoDockWidgetFeatures)
        placeholder = QLabel(self.tr("外设面板"), objectName="device_placeholder")
        placeholder.setAlignment(Qt.AlignCenter)
        placeholder.setStyleSheet("color: #888;")
        placeholder.setMinimumWidth(160)
        self.device_dock.setWidget(placeholder)
        self.addDockWidget(Qt.RightDockWidgetArea, self.device_dock)

        self.stack = QStackedWidget()
        self.journal = JournalView()
        self.journal.open_entry.connect(self.open_voucher)
        self.wizard = WizardHost(session, ops, hooks, self)
        self.wizard.finished.connect(self._flow_finished)
        self.wizard.posted.connect(self._posted)
        self.stack.addWidget(self.journal)
        self.stack.addWidget(self.wizard)
        self.setCentralWidget(self.stack)

        status = self.statusBar()
        self.branch_label = QLabel(objectName="branch_label")
        self.date_label = QLabel(objectName="date_label")
        op = session.operator
        self.teller_label = QLabel(self.tr("柜员 {0} {1}").format(op.code, op.name),
                                   objectName="teller_label")
        self.core_label = QLabel(objectName="core_label")
        self.device_label = QLabel(self.tr("外设：未配置"), objectName="device_label")
        for w in (self.branch_label, self.date_label, self.teller_label, self.core_label,
                  self.device_label):
            status.addPermanentWidget(w)
        status.addPermanentWidget(BusyIndicator(ops, self))
        self.set_core_status(True)
        self.setWindowTitle(self.tr("柜面业务系统"))
        self.ops.run(session.services, on_done=self._branch_loaded, on_error=self._core_failed)
        self.refresh()
        self.code_box.setFocus()

    # -- status ----------------------------------------------------------------
    def _branch_loaded(self, services: Any) -> None:
        info = services.branch_info
        self.branch_label.setText(f"{info.bank_name} {info.name}（{info.code}）")
        self.date_label.setText(self.tr("营业日 {0}").format(f"{info.business_date:%Y-%m-%d}"))
        self.setWindowTitle(self.tr("柜面业务系统 - {0}").format(info.name))

    def set_core_status(self, online: bool, message: str = "") -> None:
        text = self.tr("核心：联机") if online else self.tr("核心：脱机")
        self.core_label.setText(text)
        self.core_label.setToolTip(message)
        self.core_label.setStyleSheet("" if online else "color: #b00020; font-weight: bold;")

    def set_device_states(self, states: dict[str, str]) -> None:
        text = "  ".join(f"{name}:{state}" for name, state in states.items())
        self.device_label.setText(self.tr("外设：{0}").format(text) if text
                                  else self.tr("外设：未配置"))

    def set_device_panel(self, widget: QWidget) -> None:
        self.device_dock.setWidget(widget)

    def _core_failed(self, exc: Exception) -> None:
        self.set_core_status(False, getattr(exc, "message", "") or str(exc))

    def lock_screen(self) -> LockDialog:
        """暂离: a modal lock only this operator's password opens."""
        if self.lock_dialog is None or not self.lock_dialog.isVisible():
            self.lock_dialog = LockDialog(self.session, self.ops, self)
            self.lock_dialog.open()
        self.lock_dialog.activateWindow()
        self.lock_dialog.password.setFocus()
        return self.lock_dialog

    # -- flows -------------------------------------------------------------------
    def focus_code_box(self) -> None:
        if self.stack.currentWidget() is self.journal:
            self.code_box.setFocus()
            self.code_box.selectAll()

    def in_flow(self) -> bool:
        """True (and says so) while a transaction is open: finish or leave it first."""
        if self.stack.currentWidget() is self.wizard:
            self.code_message.setText(self.tr("请先完成或退出当前交易"))
            return True
        return False

    def open_code(self, code: str) -> bool:
        code = code.strip()
        if self.in_flow():
            return False
        flow, problems = self.registry.lookup(code)
        if flow is None:
            self.code_message.setText(
                "；".join(pick(p.message, p.message_en) for p in problems)
                if code else self.tr("请输入交易码"))
            self.code_box.selectAll()
            return False
        self.code_message.clear()
        self.code_box.clear()
        self.stack.setCurrentWidget(self.wizard)
        self.wizard.start(code)
        return True

    def open_run(self, run: Any) -> bool:
        """Open the wizard on an interrupted run restored from the terminal store."""
        if self.in_flow():
            return False
        self.code_message.clear()
        self.stack.setCurrentWidget(self.wizard)
        self.wizard.open_run(run)
        return True

    def _menu_activated(self, item: QTreeWidgetItem) -> None:
        code = item.data(0, Qt.UserRole)
        if code:
            self.open_code(code)

    def _flow_finished(self, _outcome: Any) -> None:
        if self.wizard.message.text() and self.wizard.run is None and _outcome is None:
            self.code_message.setText(self.wizard.message.text())
        self.stack.setCurrentWidget(self.journal)
        self.code_box.setFocus()
        self.refresh()

    def _posted(self, outcome: Any) -> None:
        for v in outcome.vouchers:
            self.vouchers[v.journal_number] = v
        self.refresh()

    # -- journal -----------------------------------------------------------------
    def refresh(self) -> None:
        self.ops.run(self.session.journal_today, on_done=self._journal_loaded,
                     on_error=self._core_failed)

    def _journal_loaded(self, lines) -> None:
        self.journal.set_lines(lines)
        self.set_core_status(True)

    def open_voucher(self, journal_number: str) -> None:
        """The entry's voucher: the one printed here, else rebuilt from the core
        (``session.voucher``, off the GUI thread) for any of today's entries."""
        voucher = self.vouchers.get(journal_number)
        if voucher is None:
            self.ops.run(self.session.voucher, journal_number,
                         on_done=lambda v: self._show_voucher(journal_number, v),
                         on_error=self._core_failed)
            return
        self._show_voucher(journal_number, voucher)

    def _show_voucher(self, journal_number: str, voucher: Any) -> None:
        if voucher is None:
            box = QMessageBox(QMessageBox.Information, self.tr("凭证"),
                              self.tr("流水 {0} 没有凭证").format(journal_number),
                              QMessageBox.Ok, self)
            box.setObjectName("no_voucher")
            box.open()
            return
        dialog = VoucherDialog(voucher, self)
        dialog.open_pdf.connect(self.open_voucher_pdf)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def open_voucher_pdf(self, journal_number: str) -> None:
        """The electronic voucher (电子凭证) PDF in the desktop's viewer; it is
        filed or rebuilt off the GUI thread."""
        self.ops.run(self.session.voucher_pdf, journal_number, on_done=self._open_file,
                     on_error=self._core_failed)

    def open_journal_report(self) -> None:
        self.ops.run(self.session.journal_report_pdf, on_done=self._open_file,
                     on_error=self._core_failed)

    def _open_file(self, path: Any) -> None:
        if path is None:
            QMessageBox.information(self, self.tr("凭证"), self.tr("没有可打开的电子凭证"))
            return
        self.opened_files.append(Path(path))
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt name
        if event.key() == Qt.Key_Escape and self.stack.currentWidget() is self.journal:
            self.focus_code_box()
            return
        super().keyPressEvent(event)
