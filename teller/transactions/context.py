"""What a flow may reach: :class:`Services` (the world) and :class:`StepContext`
(one commit step's view of it).

``Services`` (frozen) carries

- ``core``           a :class:`CoreGateway` — in production
                     ``teller.core.services.CoreServices``; flows never see SQL
- ``teller``, ``terminal``, ``branch``   who and where
- ``branch_info``    :class:`~teller.core.views.BranchInfo` incl. business_date
- ``journal``        a :class:`StepJournal` — the terminal's write-ahead store
                     (``teller.sync.store.LocalStore``); ``None`` runs without
- ``devices``        optional device bundle; ``prompts`` a Prompts sink
- ``printer``        ``callable(Voucher)`` — the printing hook; may be None
- ``clock``          wall clock for voucher times (the business date is the
                     branch's, never the clock's)

A ``Commit.execute(state, ctx)`` gets a :class:`StepContext`; it posts only
through ``ctx.post(legs, ...)`` or ``ctx.reverse(entry_id)``, which stamp the
step's idempotency key, teller, terminal, authorization and reversibility, and
write the request ahead to the local journal *before* it goes to the core.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from teller.core.ledger.records import AuthGrant, CashCount, EntryRequest, Leg, PostedEntry
from teller.core.ledger.wire import grant_to_dict, request_to_dict
from teller.core.views import AccountInfo, BranchInfo, JournalLine


class CoreGateway(Protocol):
    vouchers: Any  # teller.core.vouchers.blank.BlankVoucherService (重要空白凭证)
    personal: Any  # teller.core.accounts.personal.PersonalServices (issue 5A flows)

    def branch(self, code: str) -> BranchInfo | None: ...
    def account(self, number: str) -> AccountInfo | None: ...
    def resolve_account(self, text: str) -> AccountInfo | None: ...
    def cash_box(self, branch: str, teller: str) -> str | None: ...
    def post(self, req: EntryRequest) -> PostedEntry: ...
    def reverse(self, entry_id: int, *, key: str, teller: str, terminal: str,
                authorization: AuthGrant | None, required_level: str | None = "A",
                memo: str = "") -> PostedEntry: ...
    def find(self, key: str) -> PostedEntry | None: ...
    def journal_today(self, teller: str, branch: str) -> tuple[JournalLine, ...]: ...
    def journal_line(self, journal_number: str) -> JournalLine | None: ...
    # teller.core.cash.service.CashService / teller.core.cash.teller_day.TellerDayService
    cash: Any
    teller_day: Any


class StepJournal(Protocol):
    """The write-ahead side of a commit step (implemented by teller.sync.store)."""

    def begin_step(self, *, key: str, run_id: str, code: str, step: str, step_index: int,
                   teller: str, request: dict) -> None: ...
    def finish_step(self, key: str, posted: PostedEntry) -> None: ...
    def fail_step(self, key: str, reason: str) -> None: ...


@dataclass(frozen=True)
class Services:
    core: CoreGateway
    teller: str
    terminal: str
    branch_info: BranchInfo
    journal: StepJournal | None = None
    devices: Any = None
    prompts: Any = None
    printer: Callable[[Any], None] | None = None
    clock: Callable[[], dt.datetime] = dt.datetime.now

    @property
    def branch(self) -> str:
        return self.branch_info.code

    @property
    def business_date(self) -> dt.date:
        return self.branch_info.business_date


@dataclass
class StepContext:
    """One commit step in progress. ``posted`` collects what the step posted."""

    services: Services
    code: str
    run_id: str
    step: str
    step_index: int
    key: str
    reversible: bool
    offline: bool = False
    authorization: AuthGrant | None = None
    required_level: str | None = None
    posted: list[PostedEntry] = field(default_factory=list)
    accounts: dict[str, str] = field(default_factory=dict)

    def bind(self, field_name: str, account: str) -> str:
        """Say which field an account number came from, so a refusal naming the
        account is shown at that field (a card number is not the account number)."""
        self.accounts[account] = field_name
        return account

    @property
    def core(self) -> CoreGateway:
        return self.services.core

    def post(self, legs: tuple[Leg, ...], *, memo: str = "", purpose: str = "normal",
             via: Callable[[EntryRequest], PostedEntry] | None = None,
             cash: tuple[CashCount, ...] = (), cash_action: str = "", effect: str = "",
             effect_args: dict | None = None, checks: Any = None,
             step: str | None = None) -> PostedEntry:
        """Post this step's one entry (one key, one journal number).

        ``via`` sends the stamped request through a core service that writes
        its own rows in the entry's transaction (e.g. a time deposit opening)
        instead of the plain ``core.post``; ``cash`` are the counts of its cash
        legs (券别, see teller.core.cash.counts); ``effect`` names a core action
        committed atomically with it (``teller.core.ledger.engine.EFFECTS``), e.g.
        opening the account its legs credit — ``legs`` may then be empty. With
        ``checks`` (``teller.core.accounts.counter_rules.CounterChecks``: PIN blocks, source
        of funds) it goes through the core's checked posting; PIN blocks never
        reach the write-ahead journal. ``step`` overrides the step name recorded
        (a deduction names its incident there)."""
        s = self.services
        req = EntryRequest(key=self.key, branch=s.branch, teller=s.teller, terminal=s.terminal,
                           txn_code=self.code, step=step or self.step, legs=tuple(legs),
                           memo=memo,
                           purpose=purpose, reversible=self.reversible, offline=self.offline,
                           required_level=self.required_level,
                           authorization=self.authorization, cash=tuple(cash),
                           cash_action=cash_action, effect=effect,
                           effect_args=json.dumps(effect_args, ensure_ascii=False,
                                                  sort_keys=True) if effect else "")
        ahead = request_to_dict(req)
        if checks is not None:
            # A retry from the journal goes through the checked posting again; without
            # the PIN block (never stored) a 凭密 debit is then refused, not bypassed.
            funds = checks.funds
            ahead["checked"] = {"funds": None if funds is None else
                                [funds.category, funds.detail]}
        self._ahead(ahead)
        if checks is not None:
            return self._done(s.core.post_checked(req, checks))
        return self._done((via or s.core.post)(req))

    def post_with(self, service: Callable[[EntryRequest], PostedEntry | None],
                  legs: tuple[Leg, ...] = (), *, memo: str = "") -> PostedEntry | None:
        """Post this step's entry through a core service that adds its own work
        and legs in the same transaction (e.g. ``core.vouchers.issue``), stamped
        like :meth:`post`. The request written ahead holds only ``legs``: a
        terminal-store retry of it is refused as empty, never half-applied."""
        s = self.services
        req = EntryRequest(key=self.key, branch=s.branch, teller=s.teller, terminal=s.terminal,
                           txn_code=self.code, step=self.step, legs=tuple(legs), memo=memo,
                           reversible=self.reversible, offline=False,
                           required_level=self.required_level,
                           authorization=self.authorization)
        self._ahead(request_to_dict(req))
        posted = service(req)
        if posted is None:  # the service changed records but posted no entry
            if s.journal is not None:
                s.journal.fail_step(self.key, "no_entry")
            return None
        return self._done(posted)

    def reverse(self, entry_id: int, *, memo: str = "") -> PostedEntry:
        """Post the compensating entry (冲正) of ``entry_id`` as this step."""
        s = self.services
        self._ahead({"reverse": entry_id, "teller": s.teller, "terminal": s.terminal,
                     "memo": memo, "required_level": self.required_level,
                     "authorization": grant_to_dict(self.authorization)})
        return self._done(s.core.reverse(entry_id, key=self.key, teller=s.teller,
                                         terminal=s.terminal, authorization=self.authorization,
                                         required_level=self.required_level, memo=memo))

    def _ahead(self, request: dict) -> None:
        if self.services.journal is not None:
            self.services.journal.begin_step(
                key=self.key, run_id=self.run_id, code=self.code, step=self.step,
                step_index=self.step_index, teller=self.services.teller, request=request)

    def _done(self, posted: PostedEntry) -> PostedEntry:
        if self.services.journal is not None:
            self.services.journal.finish_step(self.key, posted)
        self.posted.append(posted)
        return posted
