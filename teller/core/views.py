"""Read-only views of core data that cross into the transaction layer.

Pure frozen records (no SQLAlchemy here) so that ``teller.transactions`` can
type against them; :mod:`teller.core.services` fills them from the database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class BranchInfo:
    """网点: its business date (营业日) and cash authorization limits (fen)."""

    code: str
    name: str
    bank_name: str
    business_date: dt.date
    status: str
    cash_auth_limit_a: int
    cash_auth_limit_b: int


@dataclass(frozen=True)
class AccountInfo:
    """账户 as a flow sees it. ``controls`` are the active (kind, amount) pairs;
    ``available`` = balance − holds − partial freezes (None when unlimited)."""

    number: str
    title: str
    kind: str
    branch: str
    status: str
    balance: int
    available: int | None
    subject: str
    withdrawal_method: str
    medium_kind: str | None = None
    medium_number: str | None = None
    customer_name: str = ""
    controls: tuple[tuple[str, int], ...] = ()
    needs_pin: bool = False  # a debit needs the customer's PIN (accounts.rules.needs_pin)

    @property
    def is_customer(self) -> bool:
        return self.kind not in INTERNAL_KINDS


INTERNAL_KINDS = frozenset({"vault", "cash_box", "clearing", "suspense_over", "suspense_short",
                            "interest_payable", "interest_expense", "internal",
                            "voucher_stock", "voucher_box", "fee_income"})


@dataclass(frozen=True)
class JournalLine:
    """One entry of a teller's electronic journal (流水), as listed and reversed.

    ``status``: 'posted', 'reversed' (a later entry compensates it) or 'reversal'
    (it is itself a 冲正). ``account`` is the first customer account touched
    (or the first account when none), ``amount`` the entry's debit total.
    """

    entry_id: int
    journal_number: str
    key: str
    teller: str
    business_date: dt.date
    created_at: dt.datetime
    txn_code: str
    step: str
    account: str
    amount: int
    status: str
    reversible: bool
    offline: bool = False
    reverses_journal_number: str | None = None
    reversed_by_journal_number: str | None = None
    memo: str = ""


@dataclass(frozen=True)
class EntryDetail:
    """What a voucher of a posted entry needs beyond its :class:`JournalLine`:
    the shown account's holder and balance after, the other customer account of
    a transfer, whether cash moved, and who authorized it."""

    line: JournalLine
    branch: str
    account_name: str
    balance_after: int | None
    counter_account: str
    mode: str  # 'cash' | 'transfer' | ''
    authorizer: str | None
