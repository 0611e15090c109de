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
through ``ctx.post(legs, attach=...)`` or ``ctx.reverse(entry_id)``, which stamp
the step's idempotency key, teller, terminal, authorization and reversibility,
and write the request ahead to the local journal *before* it goes to the core.
Every commit step is one entry of the core's kernel, so every one of them meets
the core's posting rules.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from teller.core.ledger.records import AuthGrant, Attachment, EntryRequest, Leg, PostedEntry
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

    def post(self, legs: tuple[Leg, ...] = (), *, memo: str = "",
             attach: tuple[Attachment, ...] = (), reversible: bool | None = None,
             step: str | None = None) -> PostedEntry:
        """Post this step's one entry (one key, one journal number).

        ``attach`` are what the core's posting rules read besides the legs (券别
        ``CashCount``, a ``PinProof`` from the PIN pad, an account to open, a
        freeze to draw on …); the request is written ahead to the terminal's
        journal with every attachment but the secret ones (PIN blocks), so a
        retry sends the same request and a 凭密 debit without its PIN is refused,
        never bypassed. ``reversible`` overrides the commit step's (a freeze made
        by a step that may also deduct is never reversible); ``step`` the step
        name recorded."""
        s = self.services
        req = EntryRequest(key=self.key, branch=s.branch, teller=s.teller, terminal=s.terminal,
                           txn_code=self.code, step=step or self.step, legs=tuple(legs),
                           memo=memo,
                           reversible=self.reversible if reversible is None else reversible,
                           offline=self.offline, required_level=self.required_level,
                           authorization=self.authorization, attachments=tuple(attach))
        self._ahead(request_to_dict(req))
        return self._done(s.core.post(req))

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
