"""Recovery after sign-on (未完成交易处理): in-doubt steps and interrupted runs.

    check_recovery(session, ops, parent, on_resume) # background look; opens the
                                                    # dialog only when there is work
    RecoveryDialog(session, ops, on_resume, parent) # the dialog itself

Pending steps (written ahead locally, the core's result unknown or absent:
``terminal.pending_steps()``) are offered for Retry (``terminal.retry(key)``,
idempotent) or Discard (``terminal.discard(key)``, only once the core confirmed
it has no such entry). Interrupted runs (``session.open_runs()``) can be
resumed — ``session.restore(run_id)`` and ``on_resume(run)`` opens the wizard
on it — or abandoned (``session.abandon(run_id)``). Every call runs on the
background thread.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout,
                               QHeaderView, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from teller.domain.money import Money
from teller.forms.background import Background, BusyIndicator
from teller.forms.i18n import pick


def load_recovery(session: Any) -> tuple[tuple, tuple]:
    """(pending steps, open runs) of the signed-on teller; background thread."""
    terminal = session.terminal
    return tuple(terminal.pending_steps(session.teller)), tuple(session.open_runs())


def _time(text: str) -> str:
    try:
        return f"{dt.datetime.fromisoformat(text):%Y-%m-%d %H:%M:%S}"
    except (TypeError, ValueError):
        return str(text or "")


def run_summary(rec: Any) -> str:
    """Account and amount of an interrupted run, from its saved raw values."""
    raw = (rec.snapshot or {}).get("raw", {})
    parts = [str(raw[k]) for k in ("account", "amount") if raw.get(k)]
    return " ".join(parts)


def check_recovery(session: Any, ops: Background, parent: QWidget | None,
                   on_resume: Callable[[Any], None]) -> None:
    """Look for unfinished work off the GUI thread; open the dialog if there is any."""

    def loaded(result: tuple[tuple, tuple]) -> None:
        steps, runs = result
        if steps or runs:
            dialog = RecoveryDialog(session, ops, on_resume, parent, loaded=result)
            dialog.finished.connect(dialog.deleteLater)
            dialog.open()

    ops.run(load_recovery, session, on_done=loaded, on_error=lambda _exc: None)


class RecoveryDialog(QDialog):
    def __init__(self, session: Any, ops: Background, on_resume: Callable[[Any], None],
                 parent: QWidget | None = None, *, loaded: tuple | None = None) -> None:
        super().__init__(parent)
        self.session, self.ops, self.on_resume = session, ops, on_resume
        self.steps: tuple = ()
        self.runs: tuple = ()
        self.setObjectName("recoveryDialog")
        self.setWindowTitle(self.tr("未完成交易"))
        self.resize(760, 460)
        layout = QVBoxLayout(self)

        layout.addWidget(QLabel(self.tr("未确认的记账步骤（已在本机预记，核心结果未知或未记账）")))
        self.step_table = self._table("step_table", (
            self.tr("交易码"), self.tr("时间"), self.tr("幂等键"), self.tr("金额"),
            self.tr("状态")))
        layout.addWidget(self.step_table)
        row = QHBoxLayout()
        self.retry_button = QPushButton(self.tr("重发"), objectName="retry")
        self.discard_button = QPushButton(self.tr("放弃"), objectName="discard")
        self.retry_button.clicked.connect(self.retry)
        self.discard_button.clicked.connect(self.discard)
        row.addStretch(1)
        row.addWidget(self.retry_button)
        row.addWidget(self.discard_button)
        layout.addLayout(row)

        layout.addWidget(QLabel(self.tr("中断的交易")))
        self.run_table = self._table("run_table", (
            self.tr("交易码"), self.tr("时间"), self.tr("已记流水"), self.tr("摘要")))
        layout.addWidget(self.run_table)
        row = QHBoxLayout()
        self.resume_button = QPushButton(self.tr("继续"), objectName="resume")
        self.abandon_button = QPushButton(self.tr("放弃交易"), objectName="abandon")
        self.resume_button.clicked.connect(self.resume)
        self.abandon_button.clicked.connect(self.abandon)
        row.addStretch(1)
        row.addWidget(self.resume_button)
        row.addWidget(self.abandon_button)
        layout.addLayout(row)

        self.message = QLabel(objectName="recovery_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        bottom = QHBoxLayout()
        bottom.addWidget(BusyIndicator(ops, self))
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        ops.busy_changed.connect(self._busy_changed)  # a bound slot: gone with the dialog
        if loaded is not None:
            self._loaded(loaded)
        else:
            self.reload()

    def _table(self, name: str, headers: tuple[str, ...]) -> QTableWidget:
        table = QTableWidget(0, len(headers), objectName=name)
        table.setHorizontalHeaderLabels(list(headers))
        table.setSelectionBehavior(QAbstractItemView.SelectRows)
        table.setSelectionMode(QAbstractItemView.SingleSelection)
        table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.itemSelectionChanged.connect(self._update_buttons)
        return table

    # -- data --------------------------------------------------------------------
    def reload(self) -> None:
        self.ops.run(load_recovery, self.session, on_done=self._loaded, on_error=self._failed)

    def _loaded(self, result: tuple[tuple, tuple]) -> None:
        self.steps, self.runs = result
        statuses = {"pending": self.tr("结果未知"), "unposted": self.tr("核心未记账")}
        self._fill(self.step_table, [
            (s.code, _time(s.created_at), s.key, Money(s.amount).format(),
             statuses.get(s.status, s.status)) for s in self.steps])
        self._fill(self.run_table, [
            (r.code, _time(r.updated_at),
             "、".join(c.get("journal_number", "")
                       for c in (r.snapshot or {}).get("committed", [])),
             run_summary(r)) for r in self.runs])
        self._update_buttons()

    @staticmethod
    def _fill(table: QTableWidget, rows: list[tuple]) -> None:
        table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                table.setItem(r, c, QTableWidgetItem(str(value)))
        if rows:
            table.selectRow(0)

    def _selected(self, table: QTableWidget, items: tuple) -> Any:
        rows = table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(items):
            return None
        return items[rows[0].row()]

    def _busy_changed(self, _busy: bool) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = not self.ops.busy
        step = self._selected(self.step_table, self.steps)
        run = self._selected(self.run_table, self.runs)
        self.retry_button.setEnabled(idle and step is not None)
        self.discard_button.setEnabled(idle and step is not None
                                       and step.status == "unposted")
        self.resume_button.setEnabled(idle and run is not None)
        self.abandon_button.setEnabled(idle and run is not None)

    # -- actions -------------------------------------------------------------------
    def retry(self) -> None:
        step = self._selected(self.step_table, self.steps)
        if step is not None and not self.ops.busy:
            self.ops.run(self.session.terminal.retry, step.key, on_done=self._acted,
                         on_error=self._failed)

    def discard(self) -> None:
        step = self._selected(self.step_table, self.steps)
        if step is not None and not self.ops.busy:
            self.ops.run(self.session.terminal.discard, step.key, on_done=self._acted,
                         on_error=self._failed)

    def abandon(self) -> None:
        run = self._selected(self.run_table, self.runs)
        if run is not None and not self.ops.busy:
            self.ops.run(self.session.abandon, run.run_id, on_done=self._acted,
                         on_error=self._failed)

    def resume(self) -> None:
        run = self._selected(self.run_table, self.runs)
        if run is not None and not self.ops.busy:
            self.ops.run(self.session.restore, run.run_id, on_done=self._restored,
                         on_error=self._failed)

    def _restored(self, result: tuple[Any, list]) -> None:
        run, problems = result
        if run is None:
            self._show(problems)
            self.reload()
            return
        self.accept()
        self.on_resume(run)

    def _acted(self, outcome: Any) -> None:
        if outcome.ok:
            numbers = "、".join(outcome.journal_numbers)
            self.message.setStyleSheet("color: #137333;")
            self.message.setText(self.tr("已记账，流水号 {0}").format(numbers) if numbers
                                 else self.tr("已处理"))
        else:
            self._show(outcome.problems)
        self.reload()

    def _show(self, problems) -> None:
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText("\n".join(pick(p.message, p.message_en) for p in problems))

    def _failed(self, exc: Exception) -> None:
        text = getattr(exc, "message", "") or f"{type(exc).__name__}: {exc}"
        self._show_text(self.tr("操作失败：{0}").format(text))

    def _show_text(self, text: str) -> None:
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(text)
        self._update_buttons()


__all__ = ["RecoveryDialog", "check_recovery", "load_recovery"]
