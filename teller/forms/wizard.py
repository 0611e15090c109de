"""Wizard host (页面流宿主): renders any flow's pages from their field specs.

    host = WizardHost(session, ops, hooks, parent)
    host.start("10020")          # background: session.start -> first page
    host.open_run(run)           # a run restored by session.restore (resume)
    host.finished(outcome|None)  # signal: None = left without posting
    host.posted(outcome)         # signal: a step posted (journal, vouchers)

Navigation is the FlowRun's (pure data in teller.transactions); this host only
draws the current step and decides Back/Next/Submit from the page's validity.

Keys: Enter = next field, on the last field next page / submit; Esc = back
(on the first page: leave the transaction); F2 read card; F3 read passbook;
F4 PIN pad; F12 submit. Anything that touches the core (page rules, summaries,
commit) runs on the background thread; the page is disabled meanwhile.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QApplication, QFormLayout, QFrame, QHBoxLayout, QLabel,
                               QPushButton, QScrollArea, QVBoxLayout, QWidget)

from teller.api import Authorizer, Outcome
from teller.domain.money import Money, to_chinese_capital
from teller.forms.authorize import AuthorizationDialog, reasons_text
from teller.forms.background import Background, BusyIndicator
from teller.forms.field_widgets import (AccountWidget, DeviceHooks, FieldWidget, PinWidget,
                                        ResultTableWidget, make_field_widget)
from teller.forms.i18n import pick


def display_value(field, value: Any) -> str:
    """A parsed value as the confirmation page shows it."""
    if value is None:
        return ""
    if isinstance(value, Money):
        return f"{value.format()}（{to_chinese_capital(value)}）"
    if field.kind == "choice":
        return next((pick(zh, en) for v, zh, en in field.choices if v == value), str(value))
    if field.kind == "pin":
        return "******"
    if hasattr(value, "number"):
        return str(value.number)
    if hasattr(value, "total_fen"):
        return Money(value.total_fen).format()
    return str(value)


class WizardHost(QWidget):
    finished = Signal(object)
    posted = Signal(object)

    def __init__(self, session: Any, ops: Background, hooks: DeviceHooks | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.ops = session, ops
        self.hooks = hooks or DeviceHooks()
        self.run: Any = None
        self.outcome: Outcome | None = None
        self.widgets: list[FieldWidget] = []
        self.context: dict[int, list[tuple[str, str]]] = {}  # page index -> its summary
        self.previews: dict[int, list[tuple[str, str]]] = {}  # page index -> on arrival
        self.tables: dict[int, Any] = {}  # page index -> its ResultTable (queries)
        self.touched: set[str] = set()
        self.auth_dialog: AuthorizationDialog | None = None
        self.setObjectName("wizard")

        layout = QVBoxLayout(self)
        self.heading = QLabel(objectName="heading")
        self.heading.setStyleSheet("font-size: 17px; font-weight: bold;")
        self.step_label = QLabel(objectName="step")
        self.step_label.setStyleSheet("color: #555;")
        layout.addWidget(self.heading)
        layout.addWidget(self.step_label)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        layout.addWidget(self.scroll, 1)
        self.message = QLabel(objectName="page_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)

        row = QHBoxLayout()
        row.addWidget(BusyIndicator(ops, self))
        row.addStretch(1)
        self.back_button = QPushButton(self.tr("上一步 Esc"), objectName="back")
        self.next_button = QPushButton(self.tr("下一步 Enter"), objectName="next")
        self.submit_button = QPushButton(self.tr("提交 F12"), objectName="submit")
        self.close_button = QPushButton(self.tr("完成 Enter"), objectName="done")
        for b in (self.back_button, self.next_button, self.submit_button, self.close_button):
            b.setFocusPolicy(Qt.NoFocus)
            row.addWidget(b)
        layout.addLayout(row)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.submit_button.clicked.connect(self.submit)
        self.close_button.clicked.connect(self.leave)
        ops.busy_changed.connect(self._busy_changed)

    def _busy_changed(self, busy: bool) -> None:
        self._update_buttons()
        # Disabling the page while a device read ran took the focus away; give it
        # back so the teller can go on with Enter.
        if not busy and self.run is not None and self.isVisible() \
                and QApplication.focusWidget() is None:
            self._focus_first()

    # -- lifecycle -----------------------------------------------------------
    def start(self, code: str) -> None:
        self.run, self.outcome, self.context, self.tables, self.previews = None, None, {}, {}, {}
        self.heading.setText(self.tr("正在打开交易 {0}……").format(code))
        self.ops.run(self.session.start, code, on_done=self._started, on_error=self._fault)

    def open_run(self, run: Any) -> None:
        """Show a run restored from the terminal store (a resumed, interrupted flow)."""
        self.run, self.outcome, self.context, self.tables, self.previews = run, None, {}, {}, {}
        self.render()

    def _started(self, result: tuple[Any, list]) -> None:
        run, problems = result
        if run is None:
            self.message.setText("\n".join(pick(p.message, p.message_en) for p in problems))
            self.finished.emit(None)
            return
        self.run = run
        self.render()

    def leave(self) -> None:
        if self.run is not None:
            problems = self.run.leave_problems()
            if problems:  # e.g. a quick freeze (18090) still missing the authority's details
                self._show_problems(problems)
                return
        outcome, self.run = self.outcome, None
        self.finished.emit(outcome)

    # -- drawing -------------------------------------------------------------
    def render(self) -> None:
        run = self.run
        flow = run.flow
        self.heading.setText(f"{flow.code} {pick(flow.title, flow.title_en)}")
        self.message.clear()
        self.widgets, self.touched = [], set()
        body = QWidget()
        form = QFormLayout(body)
        form.setLabelAlignment(Qt.AlignRight)
        for label, text in self._context_lines():
            form.addRow(label, QLabel(text, objectName="context"))
        step = run.current
        if step is None:
            self._render_result(form)
        elif step.kind == "commit":
            self._render_confirm(form, step)
        else:
            self.step_label.setText(self._step_text(step))
            for spec in step.fields:
                widget = make_field_widget(spec, self.hooks, self.ops,
                                           lambda s=spec: self._bound_number(s))
                widget.set_raw(run.raw.get(spec.name))
                widget.changed.connect(lambda w=widget: self._changed(w))
                self.widgets.append(widget)
                mark = "*" if spec.required else ""
                form.addRow(pick(spec.label, spec.label_en) + mark, widget)
            for w in self.widgets:
                run.set(w.field.name, w.raw())
        self.scroll.setWidget(body)
        self._update_buttons()
        self._focus_first()

    def _step_text(self, step) -> str:
        pages = [p for p in self.run.flow.pages if p.applies(self.run.state)]
        number = next((i for i, p in enumerate(pages, 1) if p is step), 0)
        return self.tr("第 {0} 步 / 共 {1} 步：{2}").format(number, len(pages),
                                                          pick(step.title, step.title_en))

    def _render_confirm(self, form: QFormLayout, step) -> None:
        run = self.run
        self.step_label.setText(self._step_text(step))
        for page in run.flow.pages[:run.index]:
            if page.kind != "page" or not page.applies(run.state):
                continue
            for spec in page.fields:
                text = display_value(spec, run.values.get(spec.name))
                if text:
                    form.addRow(pick(spec.label, spec.label_en),
                                QLabel(text, objectName=f"confirm_{spec.name}"))
        needs = run.authorization_needs()
        for level, reason in reasons_text(needs):
            note = QLabel(self.tr("需{0}级授权：{1}").format(level, reason), objectName="need")
            note.setStyleSheet("color: #a15c00;")
            form.addRow(note)
        form.addRow(QLabel(self.tr("请核对后按 F12 或 Enter 提交")))

    def _render_result(self, form: QFormLayout) -> None:
        out = self.outcome
        self.step_label.setText(self.tr("交易成功"))
        ok = QLabel(self.tr("交易成功"), objectName="result")
        ok.setStyleSheet("color: #137333; font-size: 18px; font-weight: bold;")
        form.addRow(ok)
        numbers = "、".join(out.journal_numbers) if out else ""
        form.addRow(self.tr("流水号"), QLabel(numbers, objectName="journal_numbers"))
        # A "warn" limit (18101) lets the posting through with a word for the
        # teller: it must be seen here, not only in the audit log.
        warnings = [w for e in (out.entries if out else ()) for w in e.warnings]
        if warnings:
            shown = QLabel("\n".join(dict.fromkeys(warnings)), objectName="warnings")
            shown.setWordWrap(True)
            shown.setStyleSheet("color: #b06000; font-weight: bold;")
            form.addRow(self.tr("交易提示"), shown)
        for i in sorted(self.tables):
            form.addRow(ResultTableWidget(self.tables[i]))
        for v in (out.vouchers if out else ()):
            form.addRow(self.tr("金额"), QLabel(f"{Money(v.amount_fen).format()}"
                                               f"（{v.amount_capital}）"))
            if v.balance_after is not None:
                form.addRow(self.tr("余额"), QLabel(Money(v.balance_after).format()))
        form.addRow(QLabel(self.tr("凭证已送打印；按 Enter 返回")))

    def _context_lines(self) -> list[tuple[str, str]]:
        """Summaries (e.g. the holder's name) of the pages before this one."""
        upto = len(self.run.flow.pages) if self.run.current is None else self.run.index
        lines = [line for i in sorted(self.context) if i < upto for line in self.context[i]]
        if self.run.current is not None and self.run.current.kind == "page":
            lines += self.previews.get(self.run.index, [])
        return lines

    def _bound_number(self, spec) -> str:
        """The number a PIN field's block is bound to (PinField.bind_to)."""
        for name in getattr(spec, "bind_to", ()):
            value = self.run.state[name]
            if value:
                return str(getattr(value, "number", value))
        return self._account_number()

    def _account_number(self) -> str:
        for w in self.widgets:
            if isinstance(w, AccountWidget):
                return w.edit.text()
        value = next((v for v in self.run.values.values() if hasattr(v, "number")), None)
        return getattr(value, "number", "")

    # -- validity --------------------------------------------------------------
    def _changed(self, widget: FieldWidget) -> None:
        if self.run is None:
            return
        problems = self.run.set(widget.field.name, widget.raw())
        self.touched.add(widget.field.name)
        widget.show_problems(problems)
        self._update_buttons()

    def page_valid(self) -> bool:
        return self.run is not None and all(
            not self.run.field_problems.get(w.field.name) for w in self.widgets)

    def _update_buttons(self) -> None:
        run, idle = self.run, not self.ops.busy
        kind = None if run is None or run.current is None else run.current.kind
        self.back_button.setVisible(kind is not None)
        # Back only where the run can go back; Esc there still leaves the flow.
        self.back_button.setEnabled(idle and kind is not None and run.can_go_back)
        self.next_button.setVisible(kind == "page")
        self.next_button.setEnabled(idle and kind == "page" and self.page_valid())
        self.submit_button.setVisible(kind == "commit")
        self.submit_button.setEnabled(idle and kind == "commit")
        self.close_button.setVisible(run is not None and kind is None)
        self.scroll.setEnabled(idle)

    def _inputs(self) -> list[QWidget]:
        return [i for w in self.widgets for i in w.inputs() if i.isEnabled()]

    def _focus_first(self) -> None:
        inputs = self._inputs()
        (inputs[0] if inputs else self).setFocus()

    # -- keyboard --------------------------------------------------------------
    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt name
        key = event.key()
        if key in (Qt.Key_Return, Qt.Key_Enter):
            self._enter()
        elif key == Qt.Key_Escape:
            self.back()
        elif key in (Qt.Key_F2, Qt.Key_F3):
            self._read_device("card" if key == Qt.Key_F2 else "passbook")
        elif key == Qt.Key_F4:
            # The first PIN field still empty (a password keyed twice fills two).
            pins = [w for w in self.widgets if isinstance(w, PinWidget)]
            for w in sorted(pins, key=lambda w: w.block is not None):
                if w.read():
                    break
        elif key == Qt.Key_F12:
            self.submit()
        else:
            super().keyPressEvent(event)

    def _enter(self) -> None:
        if self.run is None or self.ops.busy:
            return
        if self.run.current is None:
            self.leave()
            return
        if self.run.current.kind == "commit":
            self.submit()
            return
        inputs = self._inputs()
        focus = self.focusWidget()
        if focus in inputs and inputs.index(focus) < len(inputs) - 1:
            inputs[inputs.index(focus) + 1].setFocus()
            return
        self.next()

    def _read_device(self, source: str) -> None:
        for w in self.widgets:
            if isinstance(w, AccountWidget) and w.read(source):
                return

    # -- navigation --------------------------------------------------------------
    def next(self) -> None:
        run = self.run
        if run is None or self.ops.busy or run.current is None or run.current.kind != "page":
            return
        if not self.page_valid():
            for w in self.widgets:
                w.show_problems(run.field_problems.get(w.field.name, ()))
            self._focus_problem(run.field_problems)
            return
        page, index = run.current, run.index

        def work():  # page rules, the summaries and a query's table read the core
            problems = run.next()
            if problems:
                return problems, (), None, ()
            arrived = run.current
            ahead = run.summary(arrived) if getattr(arrived, "preview", False) else ()
            return (problems, run.summary(page), run.table(page) if page.table else None,
                    ahead)

        self.ops.run(work, on_done=lambda result: self._moved(index, *result),
                     on_error=self._fault)

    def _moved(self, index: int, problems, summary, table=None, ahead=()) -> None:
        if problems:
            self._show_problems(problems)
            return
        self.context[index] = [(pick(label, label_en), text)
                               for label, label_en, text in summary]
        if table is not None:
            self.tables[index] = table
        if ahead:
            self.previews[self.run.index] = [(pick(label, label_en), text)
                                             for label, label_en, text in ahead]
        self.render()

    def back(self) -> None:
        if self.run is None or self.ops.busy:
            return
        if self.run.current is None:
            self.leave()
            return
        if self.run.can_go_back and self.run.back():
            self.render()
        else:
            # Esc on the first page (or right after a committed step) leaves the
            # transaction; committed steps stand and are reversed with 08210.
            self.leave()

    def submit(self) -> None:
        run = self.run
        if run is None or self.ops.busy or run.current is None or run.current.kind != "commit":
            return
        # A commit step followed by pages (e.g. 10010 reserving a number before the
        # PIN pad page) stops there, so the host shows those pages to fill in.
        later = [p for p in run.flow.pages[run.index + 1:] if p.applies(run.state)]
        stop = run.current.name if later and later[0].kind == "page" else None
        self.ops.run(self.session.commit, run, None, stop_after=stop,
                     on_done=self._committed, on_error=self._fault)

    def _committed(self, outcome: Outcome) -> None:
        if outcome.entries:
            self.posted.emit(outcome)
        if outcome.ok:
            self.outcome = outcome
            self.render()
            return
        if outcome.needs_authorization and not outcome.problems:
            self._ask_authorization(outcome.needs_authorization)
            return
        self._show_problems(outcome.problems)

    # -- authorization -----------------------------------------------------------
    def summary_lines(self) -> list[tuple[str, str]]:
        run = self.run
        lines = [(self.tr("交易"), f"{run.flow.code} {pick(run.flow.title, run.flow.title_en)}"),
                 (self.tr("柜员"), str(self.session.teller))]
        lines += self._context_lines()
        for spec in run.flow.fields():
            text = display_value(spec, run.values.get(spec.name))
            if text and spec.kind != "pin":
                lines.append((pick(spec.label, spec.label_en), text))
        return lines

    def _ask_authorization(self, needs) -> None:
        run = self.run

        def attempt(user: str, password: str) -> Outcome:
            return self.session.commit(run, (user, password))

        def refuse(user: str, password: str, remark: str):
            out = self.session.commit(run, Authorizer(user, password, remark, refuse=True))
            return [] if out.refused else list(out.problems)

        dialog = AuthorizationDialog(self.summary_lines(), reasons_text(needs), attempt,
                                     self.ops, refuse=refuse, parent=self)
        self.auth_dialog = dialog
        dialog.finished.connect(lambda _r: self._authorized(dialog))
        dialog.open()

    def _authorized(self, dialog: AuthorizationDialog) -> None:
        self.auth_dialog = None
        if dialog.outcome is not None:
            self._committed(dialog.outcome)
        elif dialog.refused:
            self.message.setText(self.tr("主管拒绝授权，交易未记账"))
        else:
            self.message.setText(self.tr("未经授权，交易未记账"))
        dialog.deleteLater()

    # -- problems -----------------------------------------------------------------
    def _show_problems(self, problems) -> None:
        by_field: dict[str, list] = {}
        for p in problems:
            by_field.setdefault(p.field, []).append(p)
        page_level = []
        names = {w.field.name for w in self.widgets}
        for name, items in by_field.items():
            if name not in names:
                page_level += items
        for w in self.widgets:
            w.show_problems(by_field.get(w.field.name, ()))
        self.message.setText("\n".join(pick(p.message, p.message_en) for p in page_level))
        self._focus_problem(by_field)

    def _focus_problem(self, by_field) -> None:
        for w in self.widgets:
            if by_field.get(w.field.name) and w.inputs():
                w.inputs()[0].setFocus()
                return

    def _fault(self, exc: Exception) -> None:
        text = getattr(exc, "message", "") or f"{type(exc).__name__}: {exc}"
        self.message.setText(self.tr("操作失败：{0}").format(text))
        self._update_buttons()
        if self.run is None:
            self.finished.emit(None)
