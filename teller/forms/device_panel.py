"""The device panel (外设面板) in the main window's dock, and the Qt dispatcher the
device thread posts its callbacks through.

    dispatch = QtDispatcher()                      # create on the GUI thread
    worker = DeviceWorker(dispatch=dispatch)       # callbacks now run on the GUI thread
    panel = DevicePanel(manager, bridge, refresh_ms=5000)
    panel.states_changed(dict name -> state text)  # for MainWindow.set_device_states
    panel.open_all() / panel.refresh() / panel.reconnect(name) / panel.test_print()
    panel.state_of(name) -> DeviceStatus | None
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from teller.devices.errors import DeviceError, DeviceStatus
from teller.forms.i18n import pick


class QtDispatcher(QObject):
    """``dispatch(thunk)`` for DeviceWorker: runs ``thunk`` on this object's (GUI) thread."""

    _call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._run, Qt.QueuedConnection)

    def _run(self, thunk: Callable[[], None]) -> None:
        thunk()

    def __call__(self, thunk: Callable[[], None]) -> None:
        self._call.emit(thunk)


class DevicePanel(QWidget):
    states_changed = Signal(dict)

    def __init__(self, manager: Any, bridge: Any = None, *, refresh_ms: int = 5000,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("device_panel")
        self.manager, self.bridge = manager, bridge
        self.reports: dict[str, Any] = {}
        self.state_labels: dict[str, QLabel] = {}
        self.reconnect_buttons: dict[str, QPushButton] = {}
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        for row, name in enumerate(manager.names):
            kind = str(manager.config[name].get("kind", ""))
            grid.addWidget(QLabel(self.device_title(kind, name)), row, 0)
            state = QLabel(self.tr("未知"), objectName=f"state_{name}")
            state.setWordWrap(True)
            self.state_labels[name] = state
            grid.addWidget(state, row, 1)
            button = QPushButton(self.tr("重新连接"), objectName=f"reconnect_{name}")
            button.clicked.connect(lambda _=False, n=name: self.reconnect(n))
            self.reconnect_buttons[name] = button
            grid.addWidget(button, row, 2)
        layout.addLayout(grid)
        row = QHBoxLayout()
        self.test_print_button = QPushButton(self.tr("测试打印"), objectName="test_print")
        self.test_print_button.clicked.connect(self.test_print)
        self.test_print_button.setEnabled(bridge is not None and bridge.has("receipt"))
        self.refresh_button = QPushButton(self.tr("刷新"), objectName="refresh_devices")
        self.refresh_button.clicked.connect(self.refresh)
        row.addWidget(self.test_print_button)
        row.addWidget(self.refresh_button)
        layout.addLayout(row)
        self.message = QLabel(objectName="device_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        if refresh_ms > 0:
            self.timer.start(refresh_ms)

    def device_title(self, kind: str, name: str) -> str:
        titles = {"passbook": self.tr("存折打印机"), "pinpad": self.tr("密码键盘"),
                  "receipt": self.tr("凭条打印机"), "card_reader": self.tr("IC卡读卡器")}
        return titles.get(kind, name)

    def status_text(self, status: DeviceStatus) -> str:
        return {
            DeviceStatus.NOT_CONFIGURED: self.tr("未配置"),
            DeviceStatus.DISCONNECTED: self.tr("未连接"),
            DeviceStatus.READY: self.tr("就绪"),
            DeviceStatus.BUSY: self.tr("忙"),
            DeviceStatus.NO_MEDIA: self.tr("就绪（无介质）"),
            DeviceStatus.MEDIA_PRESENT: self.tr("介质已插入"),
            DeviceStatus.PAPER_OUT: self.tr("缺纸"),
            DeviceStatus.COVER_OPEN: self.tr("机盖打开"),
            DeviceStatus.JAMMED: self.tr("卡纸"),
            DeviceStatus.ERROR: self.tr("故障"),
        }[status]

    def state_of(self, name: str) -> DeviceStatus | None:
        report = self.reports.get(name)
        return None if report is None else report.status

    # -- actions -------------------------------------------------------------------
    def open_all(self) -> None:
        self.manager.open_all(on_done=self.set_reports)

    def refresh(self) -> None:
        if self.manager.worker.running:
            self.manager.refresh(on_done=self.set_reports)

    def reconnect(self, name: str) -> None:
        self.state_labels[name].setText(self.tr("正在连接……"))
        self.manager.reconnect(name, on_done=lambda r: self.set_reports((r,)),
                               on_error=self._failed)

    def test_print(self) -> None:
        if self.bridge is None:
            return
        self.message.setText(self.tr("正在打印……"))
        self.bridge.submit_test_print(on_done=lambda _r: self.message.setText(
            self.tr("测试打印完成")), on_error=self._failed)

    def _failed(self, exc: DeviceError) -> None:
        self.message.setText(pick(getattr(exc, "message", "") or str(exc),
                                  getattr(exc, "message_en", "") or str(exc)))

    def set_reports(self, reports) -> None:
        for r in reports:
            self.reports[r.name] = r
            label = self.state_labels.get(r.name)
            if label is None:
                continue
            text = self.status_text(r.status)
            label.setText(text)
            label.setToolTip(pick(r.message, r.message_en) if r.message else "")
            ok = r.status in (DeviceStatus.READY, DeviceStatus.NO_MEDIA,
                              DeviceStatus.MEDIA_PRESENT, DeviceStatus.BUSY)
            label.setStyleSheet("" if ok else "color: #b00020;")
        self.states_changed.emit({
            self.device_title(str(self.manager.config[n].get("kind", "")), n):
                self.status_text(r.status) for n, r in self.reports.items()})
