"""Headless facade (无界面接口): the same flows the Qt shell runs, for scripts,
the CLI and tests. Business refusals are :class:`Outcome` data, never exceptions.

    terminal = Terminal.open(core_url="sqlite:///core.sqlite", local_path="t01.sqlite",
                             terminal_code="T01")          # settles in-doubt steps
    signed = terminal.sign_on("T001", "demo123")           # SignOnOutcome
    session = signed.session                               # None unless signed.ok
    out = session.run("10030", {"account": "6217...", "amount": "60000.00", "mode": "cash",
                                "funds_category": "property"}, authorizer=("S002", "demo123"))
    out.ok, out.journal_numbers, out.problems, out.needs_authorization, out.vouchers
    session.journal_today()                                # JournalLine records
    session.voucher(journal_number)                        # Voucher | None, from the core
    session.voucher_pdf(journal_number)                    # Path of its 电子凭证 PDF | None
    session.journal_report_pdf()                           # Path of today's 日结流水清单
    session.sign_off()                                     # [Problem] if the teller day
                                                           # stays open (box not balanced)
    session.box, session.cash_box()                        # 尾箱 drawn at sign-on / BoxInfo
    session.hand_over("T002", "pw", {10000: 3})            # 尾箱交接 (also flow 09050)
    session.check_password(pw)                             # 暂离 unlock
    session.day_end_blockers()                             # [Problem] for the branch

Interactive hosts (the Qt wizard) use ``session.start(code) -> (FlowRun | None,
problems)``, drive the run's pages, then ``session.commit(run, authorizer)``.

Authorization: when the flow's ``authorization()`` lists needs, ``authorizer``
(``(user, password)`` or :class:`Authorizer`) is signed on with purpose
'authorize' — a wrong password counts toward that supervisor's lock-out — and
refused for the same person, a non-supervisor or too low a level; nothing is
posted then. ``Authorizer(user, password, refuse=True, remark=...)`` records a
supervisor's refusal (authorizations.outcome = 'refused').

Crash recovery: ``terminal.settle()`` (also run by ``open``),
``terminal.pending_steps()``, ``terminal.retry(key)``, ``terminal.discard(key)``;
``session.open_runs()``, ``session.resume(run_id, values, authorizer)``,
``session.abandon(run_id)``.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from teller import config
from teller.core.ledger.db import CoreUnavailable, make_engine
from teller.core.ledger.records import LEVELS, AuthGrant, PostedEntry, PostingRefused
from teller.core.services import CoreServices
from teller.core.views import JournalLine
from teller.domain.money import Money, to_chinese_capital
from teller.domain.problems import Problem
from teller.printing.archive import VoucherArchive
from teller.printing.journal_report import render_journal_report
from teller.sync.store import LocalStore, PendingStep, RunRecord, SettleReport
from teller.transactions.context import Services
from teller.transactions.flow import (
    AuthNeed, Commit, CommittedStep, FlowRun, Page, highest_level, parse_step_key,
)
from teller.transactions.registry import Registry, default_registry
from teller.transactions.voucher import Voucher, mask_account

log = logging.getLogger(__name__)

# Records the Qt layer needs but may not import from teller.core / teller.sync itself.
__all__ = ["Terminal", "Session", "Outcome", "SignOnOutcome", "Authorizer",
           "AuthorizationRefused", "AuthNeed", "FlowRun", "JournalLine", "PendingStep",
           "RunRecord", "SettleReport", "Voucher"]


@dataclass(frozen=True)
class Authorizer:
    """A supervisor at the terminal (授权主管). ``refuse`` = look and say no."""

    user: str
    password: str = field(repr=False)
    remark: str = ""
    refuse: bool = False


@dataclass(frozen=True)
class AuthorizationRefused:
    """The supervisor refused to authorize, with a remark (授权拒绝)."""

    supervisor: str
    remark: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    code: str = ""
    journal_numbers: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    needs_authorization: tuple[AuthNeed, ...] = ()
    vouchers: tuple[Voucher, ...] = ()
    entries: tuple[PostedEntry, ...] = ()
    run_id: str = ""
    finished: bool = False
    refused: AuthorizationRefused | None = None
    in_doubt_key: str | None = None  # a step that may or may not have posted (core lost)
    # What result pages showed (queries): (page name, summary lines, ResultTable | None).
    results: tuple[tuple[str, tuple, Any], ...] = ()

    def to_dict(self) -> dict:
        return {"ok": self.ok, "code": self.code, "finished": self.finished,
                "run_id": self.run_id, "journal_numbers": list(self.journal_numbers),
                "problems": [{"field": p.field, "message": p.message,
                              "message_en": p.message_en} for p in self.problems],
                "needs_authorization": [{"level": n.level, "reason": n.reason,
                                         "reason_en": n.reason_en}
                                        for n in self.needs_authorization],
                "vouchers": [v.to_dict() for v in self.vouchers],
                "refused": None if self.refused is None else {
                    "supervisor": self.refused.supervisor, "remark": self.refused.remark},
                "in_doubt_key": self.in_doubt_key}


@dataclass(frozen=True)
class SignOnOutcome:
    ok: bool
    session: "Session | None" = None
    message: str = ""
    message_en: str = ""
    must_change_password: bool = False
    remaining_attempts: int | None = None
    locked_until: dt.datetime | None = None
    locked_for_admin: bool = False


PIN_VERIFIER_ENV = "TELLER_PIN_VERIFIER"
BUILTIN_PIN_SECRET = b"demo-bank-pin-secret-not-for-production"


def make_pin_verifier(spec: str | None = None) -> Any:
    """The customer PIN verifier a setting names (客户密码验证服务):

    - ``""`` — whatever ``$TELLER_PIN_VERIFIER`` says, else ``"builtin"``;
    - ``"builtin"`` — the built-in zone-key verifier under the emulated PIN
      pads' working key (the embedded demo core, tests); not for production;
    - ``"none"`` — no verifier: PIN steps are refused (未配置密码验证服务);
    - ``"package.module:factory"`` — ``factory()`` returns the bank's verifier
      (an HSM client implementing teller.core.accounts.pin_verifier.PinVerifier).
    """
    import importlib
    import os
    spec = (spec or os.environ.get(PIN_VERIFIER_ENV) or "builtin").strip()
    if spec == "none":
        return None
    if spec == "builtin":
        from teller.core.accounts.pin_verifier import ZoneKeyPinVerifier
        from teller.devices.emulators.pinpad import DEMO_WORKING_KEY
        return ZoneKeyPinVerifier(DEMO_WORKING_KEY, BUILTIN_PIN_SECRET)
    module, sep, name = spec.partition(":")
    if not sep or not module or not name:
        raise ValueError(f"PIN verifier setting {spec!r}: use builtin, none or module:factory")
    return getattr(importlib.import_module(module), name)()


def _problem(message: str, message_en: str = "", field_name: str = "") -> tuple[Problem, ...]:
    return (Problem(field_name, message, message_en),)


class Terminal:
    """One counter position: the core link, the local store, devices, the registry."""

    def __init__(self, core: CoreServices, store: LocalStore, *, terminal_code: str,
                 devices: Any = None, prompts: Any = None,
                 printer: Callable[[Voucher], None] | None = None,
                 registry: Registry | None = None,
                 archive: VoucherArchive | None = None) -> None:
        self.core = core
        self.store = store
        self.terminal_code = terminal_code
        self.devices = devices
        self.prompts = prompts
        self.printer = printer
        self.archive = archive
        self.registry = registry or default_registry()
        self.settle_report: SettleReport | None = None
        self.online = True

    @classmethod
    def open(cls, core_url: str | None = None, local_path: str | Path | None = None, *,
             devices: Any = None, terminal_code: str = "T01", prompts: Any = None,
             printer: Callable[[Voucher], None] | None = None, registry: Registry | None = None,
             scrypt_n: int | None = None, pin_verifier: Any = "") -> "Terminal":
        """``pin_verifier``: a verifier, or a setting for :func:`make_pin_verifier`
        (the default ``""`` follows ``$TELLER_PIN_VERIFIER``, else the built-in one)."""
        url = core_url or config.default_core_url()
        if pin_verifier is None or isinstance(pin_verifier, str):
            pin_verifier = make_pin_verifier("none" if pin_verifier is None else pin_verifier)
        core = CoreServices(make_engine(url), scrypt_n=scrypt_n, pin_verifier=pin_verifier)
        path = Path(local_path) if local_path else config.data_dir() / f"terminal-{terminal_code}.sqlite"
        # The electronic vouchers live beside the terminal's own store.
        term = cls(core, LocalStore(path), terminal_code=terminal_code, devices=devices,
                   prompts=prompts, printer=printer, registry=registry,
                   archive=VoucherArchive(path.parent / "vouchers"))
        term.settle()
        return term

    def keep_vouchers(self, vouchers) -> None:
        """File each voucher's PDF (无纸化凭证). A full disk must not undo a posting
        that stands: the failure is logged and the PDF is rebuilt from the core
        on the next :meth:`Session.voucher_pdf`."""
        if self.archive is None:
            return
        for v in vouchers:
            if not v.journal_number:  # a step that changed records but posted nothing
                continue
            try:
                self.archive.store(v)
            except Exception:  # noqa: BLE001 - see the docstring
                log.exception("electronic voucher not filed for %s", v.journal_number)

    def close(self) -> None:
        self.store.close()
        self.core.engine.dispose()

    # -- in-doubt steps -----------------------------------------------------
    def settle(self) -> SettleReport | None:
        """Settle every in-doubt step against the core; None while the core is away."""
        try:
            self.settle_report = self.store.settle(self.core)
            self.online = True
        except CoreUnavailable as exc:
            log.warning("core unavailable, steps stay in doubt: %s", exc)
            self.online = False
            return None
        return self.settle_report

    def pending_steps(self, teller: str | None = None) -> tuple[PendingStep, ...]:
        return self.store.pending_steps(teller)

    def retry(self, key: str) -> Outcome:
        try:
            posted = self.store.retry(key, self.core)
        except PostingRefused as exc:
            return Outcome(False, problems=_problem(exc.message, exc.message_en))
        except CoreUnavailable as exc:
            return Outcome(False, problems=_problem(exc.message, exc.message_en),
                           in_doubt_key=key)
        return Outcome(True, posted.txn_code, (posted.journal_number,), entries=(posted,))

    def discard(self, key: str) -> Outcome:
        if self.store.discard(key):
            return Outcome(True)
        return Outcome(False, problems=_problem("只能放弃核心确认未记账的步骤",
                                                "Only a step the core confirmed unposted "
                                                "can be discarded"))

    # -- operators ----------------------------------------------------------
    def sign_on(self, user: str, password: str) -> SignOnOutcome:
        res = self.core.operators.sign_on(user, password, terminal=self.terminal_code)
        if not res.ok or res.operator is None:
            return SignOnOutcome(False, None, res.message, res.message_en,
                                 remaining_attempts=res.remaining_attempts,
                                 locked_until=res.locked_until,
                                 locked_for_admin=res.locked_for_admin)
        op = res.operator
        if res.must_change_password:
            return SignOnOutcome(False, None, "首次签到须修改密码，请先修改密码",
                                 "The password must be changed before signing on",
                                 must_change_password=True)
        if not self.core.terminal_ok(self.terminal_code, op.branch):
            return SignOnOutcome(False, None, f"终端 {self.terminal_code} 不属于网点 {op.branch}",
                                 f"Terminal {self.terminal_code} is not in branch {op.branch}")
        day = self.core.teller_day.sign_on(op.code, self.terminal_code)
        if day.problems:
            return SignOnOutcome(False, None, day.problems[0].message, day.problems[0].message_en)
        self.core.operators.audit(op.code, "sign_on_session", terminal=self.terminal_code)
        session = Session(self, op)
        session.box, session.box_note = day.box, day.note
        return SignOnOutcome(True, session)

    def change_password(self, user: str, old: str, new: str) -> list[Problem]:
        return self.core.operators.change_password(user, old, new, terminal=self.terminal_code)


class Session:
    """A signed-on operator at a terminal (签到会话)."""

    def __init__(self, terminal: Terminal, operator: Any) -> None:
        self.terminal = terminal
        self.operator = operator
        self.signed_on = True
        self.box: str | None = None  # the cash box drawn at sign-on (尾箱)
        self.box_note = ""

    @property
    def teller(self) -> str:
        return self.operator.code

    def services(self) -> Services:
        t = self.terminal
        branch = t.core.branch(self.operator.branch)
        assert branch is not None, "an operator's branch always exists (foreign key)"
        return Services(core=t.core, teller=self.teller, terminal=t.terminal_code,
                        branch_info=branch, journal=t.store, devices=t.devices,
                        prompts=t.prompts, printer=t.printer, clock=t.core.clock)

    # -- running flows ------------------------------------------------------
    def start(self, code: str) -> tuple[FlowRun | None, list[Problem]]:
        if not self.signed_on:
            return None, [Problem("", "已签退，请重新签到", "Signed off; sign on again")]
        flow, problems = self.terminal.registry.lookup(code)
        if flow is None:
            return None, problems
        try:
            return FlowRun(flow, self.services()), []
        except CoreUnavailable as exc:
            return None, [Problem("", exc.message, exc.message_en)]

    def run(self, code: str, values: Mapping[str, Any], authorizer: Any = None, *,
            stop_after: str | None = None) -> Outcome:
        """Run a whole flow with ``values`` (raw, as a JSON file would hold them)."""
        run, problems = self.start(code)
        if run is None:
            return Outcome(False, code, problems=tuple(problems))
        unknown = [Problem(k, f"交易 {code} 没有栏位 {k}", f"{code} has no field {k}")
                   for k in values if run.flow.field(k) is None]
        if unknown:
            return Outcome(False, code, problems=tuple(unknown), run_id=run.run_id)
        run.set_many(values)
        outcome = self.commit(run, authorizer, stop_after=stop_after)
        if not outcome.ok and not run.committed and outcome.in_doubt_key is None:
            self.terminal.store.finish_run(run.run_id, "abandoned")
        return outcome

    def commit(self, run: FlowRun, authorizer: Any = None, *,
               stop_after: str | None = None) -> Outcome:
        """Walk ``run`` from where it stands: pages are validated with the values it
        holds, commit steps are posted in order. Stops at the first problem, at a
        missing authorization, after the step named ``stop_after``, or at the end."""
        code = run.flow.code
        entries: list[PostedEntry] = []
        vouchers: list[Voucher] = []
        results: list[tuple[str, tuple, Any]] = []
        grant: AuthGrant | None = None
        core_asked: set[int] = set()

        def out(ok: bool, **kw: Any) -> Outcome:
            return Outcome(ok, code, tuple(e.journal_number for e in entries),
                           entries=tuple(entries), vouchers=tuple(vouchers), run_id=run.run_id,
                           finished=run.finished, results=tuple(results), **kw)

        if not self.signed_on:
            return out(False, problems=_problem("已签退，请重新签到", "Signed off"))
        while not run.finished:
            step = run.current
            if isinstance(step, Page):
                problems = run.next()
                if problems:
                    return out(False, problems=tuple(problems))
                if step.table is not None:  # a result page: keep what it shows
                    results.append((step.name, run.summary(step), run.table(step)))
                continue
            assert isinstance(step, Commit)
            problems = run.submit_problems()
            if problems:
                return out(False, problems=tuple(problems))
            needs = run.authorization_needs()
            level = highest_level(needs)
            if needs and (grant is None or LEVELS.get(grant.level, 0) < LEVELS[level or "A"]):
                grant, refusal = self._authorize(run, needs, authorizer)
                if grant is None:
                    return out(False, **refusal)
            self.terminal.store.save_run(run.snapshot(), teller=self.teller,
                                         terminal=self.terminal.terminal_code)
            key = run.key_for()
            try:
                result = run.commit(grant if needs else None)
            except CoreUnavailable as exc:
                self.terminal.online = False
                return out(False, problems=_problem(exc.message, exc.message_en),
                           in_doubt_key=key)
            if not result.ok:
                if (result.needs and not result.problems and authorizer is not None
                        and run.index not in core_asked):
                    # The core asked for authorization (e.g. a transaction limit,
                    # 18101): the loop above gets it from ``authorizer`` and retries.
                    core_asked.add(run.index)
                    continue
                if not run.committed:
                    self.terminal.store.finish_run(run.run_id, "abandoned")
                return out(False, problems=result.problems, needs_authorization=result.needs)
            entries += result.entries
            vouchers += result.vouchers
            self.terminal.keep_vouchers(result.vouchers)
            self.terminal.store.save_run(run.snapshot(), teller=self.teller,
                                         terminal=self.terminal.terminal_code,
                                         status="done" if run.finished else "open")
            if stop_after == step.name:
                break
        if run.finished and run.committed:
            # Also covers a resumed run whose last step the core had already posted.
            self.terminal.store.save_run(run.snapshot(), teller=self.teller,
                                         terminal=self.terminal.terminal_code, status="done")
        return out(True)

    def _authorize(self, run: FlowRun, needs: list[AuthNeed],
                   authorizer: Any) -> tuple[AuthGrant | None, dict]:
        needs_t = tuple(needs)
        if authorizer is None:
            return None, {"needs_authorization": needs_t}
        if not isinstance(authorizer, Authorizer):
            user, password = authorizer
            authorizer = Authorizer(user, password)
        level = highest_level(needs) or "A"
        reasons = tuple(n.reason for n in needs)

        def refuse(message: str, message_en: str) -> tuple[None, dict]:
            return None, {"needs_authorization": needs_t,
                          "problems": _problem(message, message_en, "authorizer")}

        if authorizer.user == self.teller:
            return refuse("不能为本人的交易授权", "Nobody may authorize their own transaction")
        ops = self.terminal.core.operators
        res = ops.sign_on(authorizer.user, authorizer.password,
                          terminal=self.terminal.terminal_code, purpose="authorize")
        if not res.ok or res.operator is None:
            return refuse(res.message, res.message_en)
        sup = res.operator
        if sup.role != "supervisor":
            return refuse(f"{sup.code} 不是授权主管", f"{sup.code} is not a supervisor")
        if LEVELS.get(sup.auth_level or "", 0) < LEVELS[level]:
            return refuse(f"授权级别不足：需要{level}级授权",
                          f"Authorization level {level} required")
        if authorizer.refuse:
            self.terminal.core.record_refusal(supervisor=sup.code, teller=self.teller,
                                              level=level, reasons=reasons,
                                              remark=authorizer.remark, txn_code=run.flow.code)
            return None, {"refused": AuthorizationRefused(sup.code, authorizer.remark, reasons),
                          "problems": _problem(f"主管拒绝授权：{authorizer.remark}",
                                               f"Authorization refused: {authorizer.remark}",
                                               "authorizer")}
        return AuthGrant(sup.code, level, reasons, authorizer.remark), {}

    # -- journal, resume, sign-off ------------------------------------------
    def journal_today(self) -> tuple[JournalLine, ...]:
        return self.terminal.core.journal_today(self.teller, self.operator.branch)

    def voucher(self, journal_number: str) -> Voucher | None:
        """The voucher (凭证) of one of this teller's entries, rebuilt from the core —
        also for entries posted in an earlier session or on another terminal."""
        detail = self.terminal.core.entry_detail(journal_number)
        if detail is None or detail.line.teller != self.teller:
            return None
        line = detail.line
        branch = self.terminal.core.branch(detail.branch)
        flow, _ = self.terminal.registry.lookup(line.txn_code)
        title, title_en = (flow.title, flow.title_en) if flow is not None else (line.txn_code, "")
        return Voucher(
            bank=branch.bank_name if branch else "", branch=detail.branch,
            branch_name=branch.name if branch else "", txn_code=line.txn_code,
            txn_name=title, txn_name_en=title_en, account_masked=mask_account(line.account),
            account_name=detail.account_name, amount_fen=line.amount,
            amount_capital=to_chinese_capital(Money(line.amount)),
            journal_number=line.journal_number, teller=line.teller,
            authorizer=detail.authorizer, time=line.created_at,
            business_date=line.business_date, offline=line.offline, mode=detail.mode,
            counter_account_masked=mask_account(detail.counter_account)
            if detail.counter_account else "",
            balance_after=detail.balance_after, memo=line.memo)

    def voucher_pdf(self, journal_number: str) -> Path | None:
        """The electronic voucher (电子凭证) PDF of one of this teller's entries:
        the filed one, else rebuilt from the core and filed now."""
        archive = self.terminal.archive
        if archive is None:
            return None
        voucher = self.voucher(journal_number)
        if voucher is None:
            return None
        return archive.find(journal_number) or archive.store(voucher)

    def journal_report_pdf(self) -> Path | None:
        """Today's teller journal report (柜员日结流水清单), written beside the
        vouchers; rewritten each time so it always shows the whole day."""
        archive = self.terminal.archive
        if archive is None:
            return None
        lines = self.journal_today()
        branch = self.terminal.core.branch(self.operator.branch)
        assert branch is not None, "an operator's branch always exists (foreign key)"
        titles = {f.code: f.title for f in self.terminal.registry.flows()}
        data = render_journal_report(
            lines, bank=branch.bank_name, branch=branch.code, branch_name=branch.name,
            teller=self.teller, business_date=branch.business_date, titles=titles,
            printed_at=self.terminal.core.clock())
        path = archive.root / f"{branch.business_date:%Y-%m-%d}" / f"journal-{self.teller}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def open_runs(self) -> tuple[RunRecord, ...]:
        return self.terminal.store.open_runs(self.teller)

    def resume(self, run_id: str, values: Mapping[str, Any] | None = None,
               authorizer: Any = None, *, stop_after: str | None = None) -> Outcome:
        """Continue an interrupted run from its first uncommitted step."""
        run, problems = self.restore(run_id)
        if run is None:
            return Outcome(False, problems=tuple(problems), run_id=run_id)
        run.set_many(values or {})
        return self.commit(run, authorizer, stop_after=stop_after)

    def restore(self, run_id: str) -> tuple[FlowRun | None, list[Problem]]:
        """The saved run, reconciled with the write-ahead journal: a step the core
        posted (even if the terminal died before noting it) counts as committed."""
        store = self.terminal.store
        rec = store.run(run_id)
        if rec is None or rec.status != "open" or rec.teller != self.teller:
            return None, [Problem("run_id", "没有可继续的交易", "No such unfinished run")]
        flow, problems = self.terminal.registry.lookup(rec.code)
        if flow is None:
            return None, problems
        run = FlowRun.restore(flow, self.services(), rec.snapshot)
        self.terminal.settle()
        for s in store.steps_of(run_id):
            parsed = parse_step_key(s.key)
            attempt = parsed[3] if parsed else 0
            if s.status == "done":
                step = flow.pages[s.step_index]
                run.mark_committed(CommittedStep(step.name, s.step_index, s.key,
                                                 s.journal_number or "", s.entry_id or 0,
                                                 getattr(step, "reversible", True)))
            elif s.status in ("failed", "discarded"):
                run.attempts[s.step_index] = max(run.attempts.get(s.step_index, 0), attempt + 1)
        return run, []

    def abandon(self, run_id: str) -> Outcome:
        """Leave an unfinished run where it stopped (its committed steps stand and can
        be reversed with 08210, last first)."""
        in_doubt = [p for p in self.terminal.store.pending_steps(self.teller)
                    if p.run_id == run_id and p.status == "pending"]
        if in_doubt:
            return Outcome(False, problems=_problem("该交易有未确认的步骤，请先与核心对账",
                                                    "A step is still in doubt; settle first"),
                           run_id=run_id, in_doubt_key=in_doubt[0].key)
        run, _ = self.restore(run_id)
        if run is not None:
            problems = run.leave_problems()
            if problems:  # e.g. a quick freeze still missing the authority's details
                return Outcome(False, run.flow.code, problems=tuple(problems), run_id=run_id)
        self.terminal.store.finish_run(run_id, "abandoned")
        return Outcome(True, run_id=run_id)

    def sign_off(self) -> list[Problem]:
        """End the session. For a teller the core also closes the teller day and
        stores the box — only once the box is balanced (轧账, flow 09030); the
        problems say why the day stays open (it then blocks the branch's day end)."""
        problems: list[Problem] = []
        if self.signed_on:
            problems = self.terminal.core.teller_day.sign_off(self.teller)
            self.terminal.core.operators.audit(self.teller, "sign_off",
                                               terminal=self.terminal.terminal_code,
                                               detail={"day_open": bool(problems)})
            self.signed_on = False
        return problems

    # -- the teller's day (issue 7) -------------------------------------------
    def check_password(self, password: str) -> bool:
        """暂离解锁: the signed-on user's own password unlocks the screen."""
        res = self.terminal.core.operators.sign_on(self.teller, password,
                                                   terminal=self.terminal.terminal_code,
                                                   purpose="unlock")
        return res.ok

    def hand_over(self, to_user: str, password: str, counts: Mapping[Any, int]) -> list[Problem]:
        """尾箱交接 to ``to_user`` (present: their password), who counted ``counts``
        — flow 09050, a posted step like every other."""
        out = self.run("09050", {"to_teller": to_user, "to_password": password,
                                 "counts": {str(d): int(n) for d, n in counts.items()}})
        if out.ok:
            self.box = None
        return list(out.problems)

    def cash_box(self) -> Any:
        """The box this teller holds now (BoxInfo: counts, balance, limit) or None."""
        core = self.terminal.core
        box = core.cash.held_box(self.operator.branch, self.teller)
        return core.cash.box(box) if box else None

    def day_end_blockers(self) -> list[Problem]:
        return self.terminal.core.teller_day.day_end_blockers(self.operator.branch)
