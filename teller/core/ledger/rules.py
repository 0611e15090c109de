"""Posting rules: the one way a business area takes part in a posting.

The kernel (:class:`~teller.core.ledger.engine.Ledger`) runs an ordered tuple
of :class:`PostingRule` objects — built in ONE place, ``teller.core.rulebook``
— for every posting from every entry point. A rule is small and says what it
needs:

- ``applies(request)`` — a cheap test on the request alone (default: always);
- ``request_columns()`` / ``account_columns(business_date)`` — scalar SQL
  expressions the kernel reads with the rows it reads anyway (the branch row at
  the start, each account when it locks it), so no rule costs a round trip of
  its own for what it must know;
- phases, each optional, run in rule order:

  ======== ==================================================================
  admit    before any lock: is this request acceptable at all (operator, shape)
  prepare  the teller's journal head is locked, the accounts not yet: may
           create the account a leg then credits (an opening)
  check    accounts locked, every leg's movement known: refuse
           (:class:`~teller.core.ledger.records.PostingRefused`), demand an
           authorization level (:meth:`Posting.require`), or warn
  write    the entry, its postings and balances are written: the area's rows
  undo     instead of ``write`` in a reversal (冲正): give back what ``write`` did
  ======== ==================================================================

A worked example — a rule that refuses debits of accounts titled "测试"::

    class NoTestDebits(PostingRule):
        name = "example.no_test_debits"

        def check(self, p: Posting) -> None:
            for mv in p.moves:
                if not mv.inflow and mv.account.title == "测试":
                    raise PostingRefused("test_account", "测试账户不能支取",
                                         "Test accounts cannot pay out", account=mv.leg.account)

    Ledger(engine, rules=(*posting_rules(...), NoTestDebits()))
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Mapping

from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from teller.core.ledger.records import LEVELS, EntryRequest, Leg, PostedEntry

PHASES = ("admit", "prepare", "check", "write", "undo")


@dataclass(frozen=True)
class Subject:
    """A GL subject as the kernel needs it: natural side and balance-sheet flag."""

    code: str
    side: str  # 'D' or 'C'
    on_balance_sheet: bool


@dataclass(frozen=True)
class Move:
    """What one leg does to its (locked) account: in or out of it, and the
    balance before and after — legs on one account follow each other."""

    index: int        # leg number, 1-based
    leg: Leg
    account: Row      # the locked accounts row, with the rules' account columns
    inflow: bool      # True when the leg moves the account's natural side up
    balance_before: int
    balance_after: int


class Posting:
    """One posting in progress, as every rule sees it.

    ``conn`` is the posting's transaction; ``start`` the branch row read first
    (with the rules' request columns), ``legs`` the request's and any a rule
    added, ``accounts`` the locked rows by number (an account a rule
    :meth:`lock`-ed without a leg has a row but no move), ``moves`` one
    :class:`Move` per leg; ``original`` the entry a reversal undoes;
    ``entry_id`` and ``posted`` exist from the write phase on. ``notes`` is
    scratch space a rule keeps between its own phases (key: its name)."""

    def __init__(self, conn: Connection, request: EntryRequest, *, start: Row,
                 now: dt.datetime, subjects: Mapping[str, Subject], digest: str) -> None:
        self.conn = conn
        self.request = request
        self.start = start
        self.business_date: dt.date = start.business_date
        self.now = now
        self.subjects = subjects
        self.digest = digest
        self.original: Row | None = None
        self.legs: list[Leg] = list(request.legs)
        self.also_locked: set[str] = set()
        self.accounts: dict[str, Row] = {}
        self.moves: list[Move] = []
        self.entry_id: int | None = None
        self.posted: PostedEntry | None = None
        self.warnings: list[str] = []
        self.needs: list[tuple[str, str, str]] = []
        self.facts: dict[str, str] = {}
        self.notes: dict[str, Any] = {}
        self.applies: tuple[bool, ...] = ()  # the kernel's: which rules apply, in order

    def add_leg(self, leg: Leg) -> None:
        """A leg the rule's own area supplies (a blank voucher's 9001 count, a
        fee): only before the accounts are locked (admit, prepare). The request's
        digest stays that of the request as asked."""
        if self.accounts:
            raise RuntimeError("legs are added before the accounts are locked")
        self.legs.append(leg)

    def lock(self, account: str) -> None:
        """Lock and read ``account`` with the entry's accounts though no leg moves
        it (a step about the account without money: the blind count of a box
        that agrees); only before the accounts are locked (admit, prepare)."""
        if self.accounts:
            raise RuntimeError("accounts are added before they are locked")
        self.also_locked.add(account)

    def fact(self, name: str, value: str) -> None:
        """Record a fact of this step the flow and its voucher show (the
        incident number a freeze got, the account number reserved); kept with
        the entry, so a replay returns it too."""
        self.facts[name] = str(value)

    @property
    def is_reversal(self) -> bool:
        return self.request.reverses_entry_id is not None

    def require(self, level: str, reason: str, reason_en: str = "") -> None:
        """This posting needs a supervisor's authorization of ``level`` ('A'/'B')."""
        self.needs.append((level, reason, reason_en or reason))

    @property
    def required_level(self) -> str | None:
        """The highest level any rule (or the request itself) asked for."""
        levels = [n[0] for n in self.needs]
        if self.request.required_level:
            levels.append(self.request.required_level)
        return max(levels, key=lambda lv: LEVELS.get(lv, 0), default=None)

    def subject_of(self, account: Row) -> Subject:
        return self.subjects[account.subject_code]

    def moves_of(self, number: str) -> list[Move]:
        return [mv for mv in self.moves if mv.leg.account == number]

    def net(self, number: str) -> int:
        """Net inflow of ``number`` in this entry (negative: money went out)."""
        return sum(mv.leg.amount if mv.inflow else -mv.leg.amount for mv in self.moves_of(number))


class PostingRule:
    """Base class of a posting rule: override what the rule needs (see module)."""

    name: ClassVar[str] = ""

    def applies(self, request: EntryRequest) -> bool:
        return True

    def request_columns(self) -> Mapping[str, ColumnElement]:
        """Scalar expressions read with the branch row at the start of every
        posting; bind parameters ``:teller``, ``:terminal`` and ``:branch`` hold
        the request's. The labels are the rule's (``start.<label>``)."""
        return {}

    def account_columns(self, business_date: ColumnElement) -> Mapping[str, ColumnElement]:
        """Scalar expressions correlated to ``accounts`` read when each of the
        entry's accounts is locked (``account.<label>``); ``business_date`` is
        the posting's business date as a bind parameter."""
        return {}

    def verify(self, conn: Connection) -> Iterable[Any]:
        """What ``teller check`` verifies of the area's own rows: yields
        :class:`~teller.core.ledger.integrity.Violation` for each one broken."""
        return ()

    def admit(self, p: Posting) -> None: ...
    def prepare(self, p: Posting) -> None: ...
    def check(self, p: Posting) -> None: ...
    def write(self, p: Posting) -> None: ...
    def undo(self, p: Posting) -> None: ...


def overrides(rule: PostingRule, phase: str) -> bool:
    return getattr(type(rule), phase) is not getattr(PostingRule, phase)
