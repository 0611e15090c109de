"""Page flows (页面流) as data, and :class:`FlowRun`, the pure wizard navigator.

Declaring a flow (one module ``t<code>_<name>.py`` per flow)::

    class Deposit(Flow):
        code, title, title_en, category = "10020", "个人活期存入", "Personal deposit", "personal"
        pages = (
            Page("account", "账户", "Account", fields=(AccountField("account", "账号", "Account"),),
                 rules=check_account, summary=show_holder),
            Page("transfer", "转出账户", "Source", fields=(...), skip_if=lambda s: s["mode"] != "transfer"),
            Commit("post", "记账", "Post", execute=post_deposit, reversible=True, offline_capable=True),
        )
        def rules(self, state, ctx) -> list[Problem]: ...          # whole-flow rules before a commit
        def authorization(self, state, ctx) -> list[AuthNeed]: ...  # AuthNeed("A"|"B", reason, reason_en)

Records
- ``Page(name, title, title_en="", fields=(), skip_if=None, rules=None, summary=None,
  table=None)``; ``table(state, services) -> ResultTable(columns, rows, note)`` — a
  query's result, shown by the host after the page (``run.table(page)``; headless in
  ``Outcome.results``)
  ``skip_if(state) -> bool``; ``rules(state, services) -> [Problem]`` (run only when the
  page's fields parse); ``summary(state, services) -> ((label, label_en, text), ...)``
  read-only lines the host shows (e.g. the holder's name, what a reversal undoes).
- ``Commit(name, title, title_en="", execute=fn, reversible=True, offline_capable=False,
  skip_if=None)``; ``execute(state, ctx: StepContext) -> CommitResult`` posts through
  ``ctx.post(legs)`` / ``ctx.reverse(entry_id)`` only, and may raise ``PostingRefused``.
- ``CommitResult(entries, vouchers, values)`` — ``values`` are facts for later pages.
- ``FlowState(code, values, committed)`` — what rules and predicates see;
  ``state["amount"]``, ``state.get("mode")``, ``state.committed``.
- ``CommittedStep(step, step_index, key, journal_number, entry_id, reversible)``.

Navigating (what a Qt host or ``Session.run`` does)::

    run = FlowRun(flow, services)        # run.current is the first applicable Page
    run.set("account", "6217...")        # -> [Problem] for that field (parse only)
    run.next()                           # -> [Problem]; empty = moved on (skips skip_if pages)
    run.back()                           # -> bool; never back past a committed step
    run.can_go_back                      # False on the first page / right after a commit
    run.can_submit                       # current is a Commit and every rule passes
    run.authorization_needs()            # -> [AuthNeed]
    outcome = run.commit(grant)          # StepOutcome; posts the current Commit step,
                                         # then moves to the next step (run.finished at the end)

Each commit step gets its own idempotency key ``<terminal>-<run_id>-<index>-<attempt>``
and its own journal number; a refused attempt bumps ``attempt`` (the new request
may differ, and a key must never be reused for different content). Reversal walks
``run.reversal_order()`` — committed, reversible steps from the last to the first.
"""
from __future__ import annotations

import json
import logging
import types
import uuid
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping

from teller.core.ledger.records import LEVELS, AuthGrant, PostedEntry, PostingRefused
from teller.domain.problems import Problem
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import Field
from teller.transactions.voucher import Voucher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuthNeed:
    """Why a supervisor must authorize (授权原因), at level 'A' or 'B' (B is higher)."""

    level: str
    reason: str
    reason_en: str = ""


@dataclass(frozen=True)
class CommittedStep:
    step: str
    step_index: int
    key: str
    journal_number: str
    entry_id: int
    reversible: bool


@dataclass(frozen=True)
class FlowState:
    code: str
    values: Mapping[str, Any]
    committed: tuple[CommittedStep, ...] = ()

    def __getitem__(self, name: str) -> Any:
        return self.values.get(name)

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value


@dataclass(frozen=True)
class CommitResult:
    entries: tuple[PostedEntry, ...] = ()
    vouchers: tuple[Voucher, ...] = ()
    values: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class ResultTable:
    """A read-only table a query page shows (查询结果): column captions
    (zh, en) and rows of display text; ``note`` e.g. "共 12 笔"."""

    columns: tuple[tuple[str, str], ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class Page:
    name: str
    title: str
    title_en: str = ""
    fields: tuple[Field, ...] = ()
    skip_if: Callable[[FlowState], bool] | None = None
    rules: Callable[[FlowState, Services], list[Problem]] | None = None
    summary: Callable[[FlowState, Services], tuple[tuple[str, str, str], ...]] | None = None
    table: Callable[[FlowState, Services], ResultTable | None] | None = None
    #: Show ``summary`` on the page itself as soon as it is reached (the cash
    #: page's proposed make-up), not only on the pages after it.
    preview: bool = False
    kind: ClassVar[str] = "page"

    def applies(self, state: FlowState) -> bool:
        return not (self.skip_if and self.skip_if(state))


@dataclass(frozen=True)
class Commit:
    name: str
    title: str
    title_en: str = ""
    execute: Callable[[FlowState, StepContext], CommitResult] | None = None
    reversible: bool = True
    offline_capable: bool = False
    skip_if: Callable[[FlowState], bool] | None = None
    kind: ClassVar[str] = "commit"

    def applies(self, state: FlowState) -> bool:
        return not (self.skip_if and self.skip_if(state))


class Flow:
    """A numbered transaction. Subclasses set the class attributes and may override
    :meth:`rules` and :meth:`authorization`. Instances hold no state."""

    code: ClassVar[str] = ""
    title: ClassVar[str] = ""
    title_en: ClassVar[str] = ""
    category: ClassVar[str] = "general"
    pages: ClassVar[tuple[Page | Commit, ...]] = ()

    def rules(self, state: FlowState, ctx: Services) -> list[Problem]:
        return []

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        return []

    def leave_problems(self, state: FlowState, ctx: Services) -> list[Problem]:
        """Why the teller may not leave the run now (e.g. a quick freeze whose
        authority details are still missing); empty = may leave."""
        return []

    def fields(self) -> tuple[Field, ...]:
        return tuple(f for p in self.pages if isinstance(p, Page) for f in p.fields)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields() if f.name == name), None)

    def commits(self) -> tuple[Commit, ...]:
        return tuple(p for p in self.pages if isinstance(p, Commit))

    def describe(self) -> dict:
        return {"code": self.code, "title": self.title, "title_en": self.title_en,
                "category": self.category,
                "steps": [{"kind": p.kind, "name": p.name, "title": p.title,
                           "title_en": p.title_en, "conditional": p.skip_if is not None,
                           **({"fields": [f.describe() for f in p.fields]}
                              if isinstance(p, Page) else
                              {"reversible": p.reversible,
                               "offline_capable": p.offline_capable})}
                          for p in self.pages]}


@dataclass(frozen=True)
class StepOutcome:
    """What one :meth:`FlowRun.commit` did. ``ok`` False with ``needs`` means no
    (or too low an) authorization was given; with ``problems``, a rule refused."""

    ok: bool
    step: str = ""
    key: str = ""
    entries: tuple[PostedEntry, ...] = ()
    vouchers: tuple[Voucher, ...] = ()
    problems: tuple[Problem, ...] = ()
    needs: tuple[AuthNeed, ...] = ()


def highest_level(needs: list[AuthNeed] | tuple[AuthNeed, ...]) -> str | None:
    return max((n.level for n in needs), key=lambda lv: LEVELS.get(lv, 0), default=None)


def step_key(terminal: str, run_id: str, index: int, attempt: int) -> str:
    return f"{terminal}-{run_id}-{index:02d}-{attempt}"


def parse_step_key(key: str) -> tuple[str, str, int, int] | None:
    """(terminal, run_id, step index, attempt) of a key made by :func:`step_key`."""
    parts = key.rsplit("-", 3)
    if len(parts) != 4 or not parts[2].isdigit() or not parts[3].isdigit():
        return None
    return parts[0], parts[1], int(parts[2]), int(parts[3])


def _json_safe(value: Any) -> bool:
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


class FlowRun:
    """One run of a flow: values, position, committed steps. No I/O of its own —
    rules and commits reach the world only through ``services``."""

    def __init__(self, flow: Flow, services: Services, *, run_id: str | None = None) -> None:
        self.flow = flow
        self.services = services
        self.run_id = run_id or uuid.uuid4().hex
        self.raw: dict[str, Any] = {}
        self.values: dict[str, Any] = {}
        self.field_problems: dict[str, list[Problem]] = {}
        self.committed: list[CommittedStep] = []
        self.attempts: dict[int, int] = {}
        self.learned: dict[str, Any] = {}
        # Authorization the core asked for when it refused a step (PostingRefused.level,
        # e.g. an account's transaction limit), by step index.
        self.core_needs: dict[int, AuthNeed] = {}
        self.index = 0
        self._history: list[int] = []
        self._first_open = 0  # no going back before this index (a step committed)
        self.index = self._applicable_from(0)

    # -- state -------------------------------------------------------------
    @property
    def state(self) -> FlowState:
        return FlowState(self.flow.code, types.MappingProxyType({**self.values, **self.learned}),
                         tuple(self.committed))

    @property
    def current(self) -> Page | Commit | None:
        return self.flow.pages[self.index] if self.index < len(self.flow.pages) else None

    @property
    def finished(self) -> bool:
        return self.current is None

    @property
    def started_committing(self) -> bool:
        return bool(self.committed)

    def _applicable_from(self, i: int) -> int:
        while i < len(self.flow.pages) and not self.flow.pages[i].applies(self.state):
            i += 1
        return i

    # -- values ------------------------------------------------------------
    def set(self, name: str, raw: Any) -> list[Problem]:
        spec = self.flow.field(name)
        if spec is None:
            return [Problem(name, f"交易 {self.flow.code} 没有栏位 {name}",
                            f"transaction {self.flow.code} has no field {name}")]
        value, problems = spec.parse(raw)
        self.raw[name] = raw
        self.values[name] = value if not problems else None
        self.field_problems[name] = problems
        return problems

    def set_many(self, raw: Mapping[str, Any]) -> list[Problem]:
        out: list[Problem] = []
        for name, value in raw.items():
            out += self.set(name, value)
        return out

    def page_problems(self, page: Page | None = None) -> list[Problem]:
        page = page or self.current  # type: ignore[assignment]
        if not isinstance(page, Page):
            return []
        problems: list[Problem] = []
        for f in page.fields:
            if f.name not in self.field_problems:
                self.set(f.name, self.raw.get(f.name))
            problems += self.field_problems[f.name]
        if not problems and page.rules:
            problems += page.rules(self.state, self.services)
        return problems

    def table(self, page: Page | None = None) -> ResultTable | None:
        """The result table of ``page`` (queries), when its fields and rules pass."""
        page = page or self.current  # type: ignore[assignment]
        if isinstance(page, Page) and page.table and not self.page_problems(page):
            return page.table(self.state, self.services)
        return None

    def summary(self, page: Page | None = None) -> tuple[tuple[str, str, str], ...]:
        page = page or self.current  # type: ignore[assignment]
        if isinstance(page, Page) and page.summary and not self.page_problems(page):
            return tuple(page.summary(self.state, self.services))
        return ()

    # -- navigation --------------------------------------------------------
    def next(self) -> list[Problem]:
        page = self.current
        if page is None:
            return [Problem("", "交易已完成", "The transaction is complete")]
        if isinstance(page, Commit):
            return [Problem("", "请提交交易", "Submit to continue")]
        problems = self.page_problems(page)
        if problems:
            return problems
        self._history.append(self.index)
        self.index = self._applicable_from(self.index + 1)
        return []

    @property
    def can_go_back(self) -> bool:
        """Whether :meth:`back` would move: False on the first page and right after
        a committed step (the host then treats Esc as leaving the transaction)."""
        for prev in reversed(self._history):
            if prev < self._first_open:
                return False
            if self.flow.pages[prev].applies(self.state):
                return True
        return False

    def back(self) -> bool:
        while self._history:
            prev = self._history.pop()
            if prev < self._first_open:
                self._history.clear()
                return False
            if self.flow.pages[prev].applies(self.state):
                self.index = prev
                return True
        return False

    def submit_problems(self) -> list[Problem]:
        if not isinstance(self.current, Commit):
            return [Problem("", "尚未到提交步骤", "Not at a commit step")]
        problems: list[Problem] = []
        for page in self.flow.pages[:self.index]:
            if isinstance(page, Page) and page.applies(self.state):
                problems += self.page_problems(page)
        return problems or self.flow.rules(self.state, self.services)

    @property
    def can_submit(self) -> bool:
        return not self.submit_problems()

    def authorization_needs(self) -> list[AuthNeed]:
        needs = self.flow.authorization(self.state, self.services)
        core = self.core_needs.get(self.index)
        return needs + [core] if core is not None else needs

    def leave_problems(self) -> list[Problem]:
        return self.flow.leave_problems(self.state, self.services)

    # -- committing --------------------------------------------------------
    def key_for(self, index: int | None = None) -> str:
        index = self.index if index is None else index
        return step_key(self.services.terminal, self.run_id, index, self.attempts.get(index, 0))

    def commit(self, authorization: AuthGrant | None = None) -> StepOutcome:
        """Post the current Commit step. Business refusals come back as problems;
        faults (core unreachable …) propagate and leave the step in doubt in the
        write-ahead journal, to be settled by its key."""
        step = self.current
        if not isinstance(step, Commit):
            return StepOutcome(False, problems=(Problem("", "尚未到提交步骤",
                                                        "Not at a commit step"),))
        problems = self.submit_problems()
        if problems:
            return StepOutcome(False, step.name, problems=tuple(problems))
        needs = self.authorization_needs()
        level = highest_level(needs)
        if needs and (authorization is None
                      or LEVELS.get(authorization.level, 0) < LEVELS.get(level or "A", 1)):
            return StepOutcome(False, step.name, needs=tuple(needs))
        if needs and authorization is not None:
            authorization = AuthGrant(authorization.supervisor, level or authorization.level,
                                      tuple(n.reason for n in needs), authorization.remark)
        else:
            authorization = None
        ctx = StepContext(self.services, self.flow.code, self.run_id, step.name, self.index,
                          self.key_for(), reversible=step.reversible, offline=False,
                          authorization=authorization, required_level=level)
        assert step.execute is not None, f"commit step {step.name} has no execute"
        try:
            result = step.execute(self.state, ctx)
        except PostingRefused as exc:
            if self.services.journal is not None and not ctx.posted:
                self.services.journal.fail_step(ctx.key, exc.code)
            self.attempts[self.index] = self.attempts.get(self.index, 0) + 1
            if exc.level is not None and LEVELS.get(exc.level, 0) > LEVELS.get(level or "", 0):
                # The core would pass it with a supervisor's authorization: ask for one.
                need = AuthNeed(exc.level, exc.message, exc.message_en)
                self.core_needs[self.index] = need
                return StepOutcome(False, step.name, ctx.key, needs=tuple(needs) + (need,))
            return StepOutcome(False, step.name, ctx.key,
                               problems=(Problem(self._field_of(exc.account, ctx), exc.message,
                                                 exc.message_en),))
        entries = tuple(result.entries) or tuple(ctx.posted)
        for e in entries:
            self.committed.append(CommittedStep(step.name, self.index, e.key, e.journal_number,
                                                e.entry_id, step.reversible))
        if not entries:  # a device-only step (a passbook line, a stripe) or a reservation
            self.committed.append(CommittedStep(step.name, self.index, ctx.key, "", 0, False))
        self.learned.update(dict(result.values))
        self._print(result.vouchers)
        self._first_open = self.index + 1
        self._history.clear()
        self.index = self._applicable_from(self.index + 1)
        return StepOutcome(True, step.name, ctx.key, entries, tuple(result.vouchers))

    def _print(self, vouchers: tuple[Voucher, ...]) -> None:
        if self.services.printer is None:
            return
        for v in vouchers:
            try:
                self.services.printer(v)
            except Exception:  # noqa: BLE001 - the posting stands; the voucher is re-printable
                log.exception("voucher printing failed for %s", v.journal_number)

    def _field_of(self, account: str | None, ctx: StepContext) -> str:
        if account in ctx.accounts:
            return ctx.accounts[account]
        if account:
            for name, value in self.values.items():
                number = getattr(value, "number", None)
                if number == account or (isinstance(value, str) and value == account):
                    return name
            for name, value in self.learned.items():
                if value == account:
                    return name.removesuffix("_number")
        return ""

    def mark_committed(self, step: CommittedStep) -> None:
        """Record a step the core posted outside this object (found by its key after a
        crash) and move past it."""
        if any(c.key == step.key for c in self.committed):
            return
        self.committed.append(step)
        self.committed.sort(key=lambda c: c.step_index)
        self._first_open = max(self._first_open, step.step_index + 1)
        self._history.clear()
        self.index = self._applicable_from(max(self.index, self._first_open))

    def reversal_order(self) -> tuple[CommittedStep, ...]:
        """Committed reversible steps, last first (CBUS §3.7.3: 从后向前依次冲正)."""
        return tuple(s for s in reversed(self.committed) if s.reversible)

    # -- persistence (crash resume) ----------------------------------------
    def snapshot(self) -> dict:
        """JSON form for the terminal store. PIN blocks, passwords (and anything that
        is not plain JSON) are left out: they are re-entered when a run resumes."""
        raw = {n: v for n, v in self.raw.items()
               if (f := self.flow.field(n)) is not None and f.kind not in ("pin", "secret")
               and _json_safe(v)}
        return {"run_id": self.run_id, "code": self.flow.code, "raw": raw, "index": self.index,
                "committed": [c.__dict__ for c in self.committed],
                "attempts": {str(k): v for k, v in self.attempts.items()},
                "learned": {k: v for k, v in self.learned.items() if _json_safe(v)},
                # The core's own call for a supervisor (e.g. an 18101 limit): a run
                # resumed after a restart must ask for it again before it commits.
                "core_needs": {str(i): [n.level, n.reason, n.reason_en]
                               for i, n in self.core_needs.items()}}

    @classmethod
    def restore(cls, flow: Flow, services: Services, snap: Mapping) -> "FlowRun":
        run = cls(flow, services, run_id=snap["run_id"])
        run.set_many(snap.get("raw", {}))
        run.committed = [CommittedStep(**c) for c in snap.get("committed", [])]
        run.attempts = {int(k): v for k, v in snap.get("attempts", {}).items()}
        run.learned = dict(snap.get("learned", {}))
        run.index = int(snap.get("index", run.index))
        run.core_needs = {int(i): AuthNeed(*need)
                          for i, need in snap.get("core_needs", {}).items()}
        run._first_open = (max(c.step_index for c in run.committed) + 1
                           if run.committed else 0)
        return run
