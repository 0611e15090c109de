"""Records that cross the core's boundary: what a caller asks to post, what
comes back, and why a posting was refused.

>>> req = EntryRequest(key="T01-000001", branch="0101", teller="T001", terminal="T01",
...                    txn_code="10020", step="post",
...                    legs=(Leg("01011001000000012", "D", 10000),
...                          Leg("01012017000000011", "C", 10000)))
>>> req.total("D") == req.total("C") == 10000
True
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

LEVELS = {"A": 1, "B": 2}  # B is the higher supervisor level (DOMAIN.md §1)


@dataclass(frozen=True)
class Leg:
    """One side of an entry: account, 'D' (借) or 'C' (贷), amount in fen."""

    account: str
    direction: str
    amount: int
    memo: str = ""


@dataclass(frozen=True)
class CashCount:
    """券别明细 of one cash account (尾箱/金库, 1001) in one entry: the pieces
    taken in and handed out per denomination (fen). Change given back (找零) is
    ``paid`` on a deposit, so ``received - paid`` always equals the account's
    net cash movement in the entry."""

    account: str
    received: tuple[tuple[int, int], ...] = ()
    paid: tuple[tuple[int, int], ...] = ()

    @property
    def net_fen(self) -> int:
        return sum(d * n for d, n in self.received) - sum(d * n for d, n in self.paid)


@dataclass(frozen=True)
class AuthGrant:
    """A supervisor's approval given on a second sign-on (授权)."""

    supervisor: str
    level: str
    reasons: tuple[str, ...] = ()
    remark: str = ""


@dataclass(frozen=True)
class EntryRequest:
    """One commit step to post. ``key`` is made by the client (terminal + local
    sequence, or a UUID) and makes the request idempotent.

    ``purpose`` names the few postings the rules treat specially:
    ``judicial_deduction`` (协助扣划) may debit a frozen or reported-lost account,
    ``hold_deduction`` (圈存扣划) may debit the held amount.
    """

    key: str
    branch: str
    teller: str
    terminal: str
    txn_code: str
    step: str
    legs: tuple[Leg, ...]
    memo: str = ""
    purpose: str = "normal"
    reversible: bool = True
    offline: bool = False
    required_level: str | None = None
    authorization: AuthGrant | None = None
    reverses_entry_id: int | None = None
    cash: tuple[CashCount, ...] = ()  # counts of the cash legs (teller.core.cash.counts)
    cash_action: str = ""  # 'send:<user|vault>', 'confirm:<id>', 'balance', 'resolve:<id>:<how>'
    # A named core action run inside the posting's own transaction (see
    # ``teller.core.ledger.engine.register_effect``), with its JSON arguments: how a
    # step that is not (only) money — opening or closing an account — commits
    # atomically with its entry and stays exactly-once under the same key.
    effect: str = ""
    effect_args: str = ""

    def total(self, direction: str) -> int:
        return sum(leg.amount for leg in self.legs if leg.direction == direction)


def format_journal_number(business_date: dt.date, teller: str, sequence: int) -> str:
    """流水号 as printed and searched: business date, teller, sequence of the day."""
    return f"{business_date:%Y%m%d}{teller}{sequence:06d}"


@dataclass(frozen=True)
class PostedLeg:
    account: str
    direction: str
    amount: int
    balance_after: int


@dataclass(frozen=True)
class PostedEntry:
    """The result of a posting; the same key always yields the same result."""

    entry_id: int
    key: str
    teller: str
    business_date: dt.date
    journal_sequence: int
    created_at: dt.datetime
    txn_code: str
    step: str
    legs: tuple[PostedLeg, ...] = field(default=())
    replayed: bool = False  # True when an earlier attempt had already posted it
    reverses_entry_id: int | None = None
    # Prompts for the teller from rules that let the posting pass (a 'warn'
    # transaction limit, 18101); only on the first result, not on a replay.
    warnings: tuple[str, ...] = ()

    @property
    def journal_number(self) -> str:
        """流水号 as printed: business date, teller, sequence of the day."""
        return format_journal_number(self.business_date, self.teller, self.journal_sequence)

    def balance_of(self, account: str) -> int | None:
        found = [leg.balance_after for leg in self.legs if leg.account == account]
        return found[-1] if found else None


class PostingRefused(Exception):
    """A business rule refused the posting; nothing was written.

    ``code`` is stable for programs; ``message`` is for the teller (zh_CN).
    ``level`` set means the rule would pass with a supervisor's authorization of
    that level (e.g. an account's transaction limit, 18101): the flow asks for
    it and tries again.
    """

    def __init__(self, code: str, message: str, message_en: str = "", *,
                 account: str | None = None, level: str | None = None) -> None:
        self.code = code
        self.message = message
        self.message_en = message_en or message
        self.account = account
        self.level = level
        super().__init__(f"{code}: {message}")
