"""Large cash (大额现金数据采集, 18590): cash of 50,000.00 or more in one posting
needs the source or use of funds (资金来源/用途), and its register line is
written in the posting's own transaction — there is never a large cash posting
without one.

- :class:`LargeCashRule` — a cash entry moving 50,000.00 or more on a customer
  account (personal or unit) carries a :class:`FundsDeclaration`; the rule writes the register row;
- :class:`FundsCapture` — 18590 on its own: record or correct the line of an
  earlier cash entry (a step of its own, found by the entry's journal number).

>>> funds_problem(FundsDeclaration("other"))
('资金来源/用途为“其他”时须填写说明', "Describe the source/use when it is 'other'")
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.cash.counts import CASH_KINDS
from teller.core.cash.models import LargeCashRecord
from teller.core.ledger.db import reader
from teller.core.ledger.models import Account, GlSubject, JournalEntry, Posting as PostingRow
from teller.core.ledger.records import Attachment, PostingRefused, parse_journal_number
from teller.core.ledger.rules import Posting, PostingRule

large_cash_t = LargeCashRecord.__table__
accounts_t = Account.__table__
entries_t = JournalEntry.__table__
postings_t = PostingRow.__table__
subjects_t = GlSubject.__table__

#: Cash of 50,000.00 or more in one transaction needs the source/use of funds.
LARGE_CASH_FEN = 5_000_000
#: Customer accounts (personal and unit): the large-cash rule applies to both.
CUSTOMER_PREFIXES = ("personal", "unit")

#: 资金来源/用途 categories (value, 中文, English); 'other' needs a description.
FUNDS_CATEGORIES = (
    ("salary", "工资薪金", "Salary"),
    ("business", "经营收支", "Business"),
    ("investment", "投资理财", "Investment"),
    ("savings", "个人积蓄", "Savings"),
    ("consumption", "个人消费", "Consumption"),
    ("property", "购房购车", "Property or vehicle"),
    ("repayment", "归还借款", "Loan repayment"),
    ("other", "其他", "Other"),
)
FUNDS_CATEGORY_CODES = frozenset(c[0] for c in FUNDS_CATEGORIES)


@dataclass(frozen=True)
class FundsDeclaration(Attachment, wire_name="cash.funds"):
    """资金来源或用途 as the customer declared it."""

    category: str
    detail: str = ""


def funds_problem(funds: FundsDeclaration) -> tuple[str, str] | None:
    """Why a declaration is not acceptable (zh, en), or None."""
    if funds.category not in FUNDS_CATEGORY_CODES:
        return "资金来源/用途类别不正确", "Unknown source/use category"
    if funds.category == "other" and not funds.detail.strip():
        return "资金来源/用途为“其他”时须填写说明", "Describe the source/use when it is 'other'"
    if len(funds.detail) > 120:
        return "资金来源/用途说明不能超过120个字", "The description is too long"
    return None


@dataclass(frozen=True)
class LargeCashInfo:
    """One 18590 register line."""

    journal_number: str
    account: str
    direction: str
    cash_amount: int
    category: str
    detail: str
    recorded_by: str


def _large_leg(p: Posting):
    """The customer account's leg of 50,000.00 or more in a cash entry, if any."""
    if not any(mv.account.kind in CASH_KINDS for mv in p.moves):
        return None
    return next((mv for mv in p.moves if str(mv.account.kind).startswith(CUSTOMER_PREFIXES)
                 and mv.leg.amount >= LARGE_CASH_FEN), None)


class LargeCashRule(PostingRule):
    """大额现金: the declaration with the posting, and its register line."""

    name = "cash.large_cash"

    def check(self, p: Posting) -> None:
        if p.is_reversal or _large_leg(p) is None:
            return
        funds = p.request.one(FundsDeclaration)
        if funds is None:
            raise PostingRefused("large_cash_needs_funds",
                                 "现金5万元（含）以上须登记资金来源或用途（18590）",
                                 "Cash of 50,000.00 or more needs the source or use of funds")
        problem = funds_problem(funds)
        if problem:
            raise PostingRefused("bad_funds_declaration", *problem)

    def write(self, p: Posting) -> None:
        funds = p.request.one(FundsDeclaration)
        mv = _large_leg(p) if funds is not None else None
        if mv is None or funds is None:
            return
        _insert(p.conn, p.entry_id, mv.leg.account, "deposit" if mv.inflow else "withdrawal",
                mv.leg.amount, funds, p.request.teller, p.business_date, p.now)


def _insert(conn: Connection, entry_id, account: str, direction: str, amount: int,
            funds: FundsDeclaration, teller: str, bdate: dt.date, at: dt.datetime) -> None:
    conn.execute(insert(large_cash_t).values(
        entry_id=entry_id, account_number=account, direction=direction, cash_amount=amount,
        category=funds.category, detail=funds.detail.strip()[:120], recorded_by=teller,
        business_date=bdate, recorded_at=at))


@dataclass(frozen=True)
class FundsCapture(Attachment, wire_name="cash.funds_capture"):
    """18590 录入/修改: the source or use of funds of the cash entry numbered
    ``journal_number``."""

    journal_number: str
    funds: FundsDeclaration


class FundsCaptureRule(PostingRule):
    """18590 数据采集: the source or use of funds recorded later against a large
    cash entry of the day that has none yet."""
    name = "cash.funds_capture"

    def applies(self, request) -> bool:
        return request.one(FundsCapture) is not None

    def write(self, p: Posting) -> None:
        a = p.request.one(FundsCapture)
        assert a is not None
        problem = funds_problem(a.funds)
        if problem:
            raise PostingRefused("bad_funds_declaration", *problem)
        entry = _entry_by_number(p.conn, a.journal_number)
        if entry is None:
            raise PostingRefused("no_entry", "原交易流水号不存在",
                                 "No entry with this journal number")
        legs = p.conn.execute(select(postings_t.c.account_number, postings_t.c.direction,
                                     postings_t.c.amount, accounts_t.c.kind, subjects_t.c.side)
                              .join(accounts_t, accounts_t.c.number == postings_t.c.account_number)
                              .join(subjects_t, subjects_t.c.code == accounts_t.c.subject_code)
                              .where(postings_t.c.entry_id == entry.id)).all()
        if not any(leg.kind in CASH_KINDS for leg in legs):
            raise PostingRefused("not_cash", "原交易不是现金交易", "Not a cash transaction")
        leg = next((x for x in legs if x.kind.startswith(CUSTOMER_PREFIXES)), None)
        if leg is None:
            raise PostingRefused("not_customer", "原交易没有客户账户", "No customer account")
        existing = p.conn.execute(select(large_cash_t.c.id).where(
            large_cash_t.c.entry_id == entry.id).with_for_update()).first()
        if existing is not None:
            p.conn.execute(update(large_cash_t).where(large_cash_t.c.id == existing.id).values(
                category=a.funds.category, detail=a.funds.detail.strip()[:120],
                recorded_by=p.request.teller, recorded_at=p.now))
            return
        _insert(p.conn, entry.id, leg.account_number,
                "deposit" if leg.direction == leg.side else "withdrawal", int(leg.amount),
                a.funds, p.request.teller, entry.business_date, p.now)


def _entry_by_number(conn: Connection, journal_number: str):
    parsed = parse_journal_number(journal_number)
    if parsed is None:
        return None
    bdate, teller, sequence = parsed
    return conn.execute(select(entries_t).where(
        entries_t.c.business_date == bdate, entries_t.c.teller_code == teller,
        entries_t.c.journal_sequence == sequence)).first()


class LargeCashRegister:
    """The 18590 register as flows read it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record_for(self, journal_number: str) -> LargeCashInfo | None:
        with reader(self.engine) as conn:
            entry = _entry_by_number(conn, journal_number)
            if entry is None:
                return None
            r = conn.execute(select(large_cash_t).where(
                large_cash_t.c.entry_id == entry.id)).first()
        if r is None:
            return None
        return LargeCashInfo(journal_number.strip(), r.account_number, r.direction,
                             int(r.cash_amount), r.category, r.detail, r.recorded_by)
