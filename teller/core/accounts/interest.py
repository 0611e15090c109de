"""Interest on current accounts (活期结息) and the rates of the day.

One formula for every path — 18410 single-account settlement, the 18570 trial
and the quarterly batch — :func:`settlement_interest`::

    interest = 积数 × annual rate / 360, rounded half up to the fen

where 积数 (``accounts.accrual``) is the sum of the closing balances of every
business day the day-end batch has closed since the last settlement (the
lead's convention, BRIEF.md). A settlement during business day D therefore
pays on the days up to D-1; today's balance is added by tonight's batch.

Worked example: accrual 90,000,000 fen·days (¥10,000.00 for 90 days) at 0.35 %
→ ``settlement_interest(90_000_000, Rate(3500))`` = 875 fen (¥8.75).

Postings: debit the branch's interest-expense account (6411 利息支出), credit
the customer; the accrual is reset to 0 in the same transaction
(:class:`InterestSettlement`, one step for 18410 and 10040's closing interest).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.accounts.events import before, events_of, record_event
from teller.core.accounts.lifecycle import closable
from teller.core.accounts.models import Product
from teller.core.ledger.accounts import internal_account
from teller.core.ledger.db import reader
from teller.core.ledger.models import Account
from teller.core.ledger.records import Attachment, Leg, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.domain.interest import Rate, interest_on_accrual

accounts_t = Account.__table__
products_t = Product.__table__

#: Account kinds that settle by 积数 (current accounts, personal and unit).
CURRENT_KINDS = ("personal_current", "unit_current")


def settlement_interest(accrual_fen_days: int, rate: Rate) -> int:
    """The per-account settlement formula (结息): 积数 × rate / 360, half up.

    The quarterly batch must call exactly this (it is
    :func:`teller.domain.interest.interest_on_accrual`, named for its use)."""
    return interest_on_accrual(accrual_fen_days, rate)


def current_rate(conn: Connection, product_code: str | None = None) -> Rate:
    """The current-account rate of the day (活期挂牌利率): the product's own rate,
    else the personal current product's (first by code)."""
    if product_code:
        r = conn.execute(select(products_t.c.annual_rate_micro, products_t.c.kind)
                         .where(products_t.c.code == product_code)).first()
        if r is not None and r.kind in CURRENT_KINDS:
            return Rate(int(r.annual_rate_micro))
    micro = conn.execute(select(products_t.c.annual_rate_micro)
                         .where(products_t.c.kind == "personal_current")
                         .order_by(products_t.c.code)).scalars().first()
    if micro is None:
        raise PostingRefused("no_current_rate", "未设置活期利率", "No current-account rate is set")
    return Rate(int(micro))


@dataclass(frozen=True)
class CurrentInterestQuote:
    """What a current account would be paid now (结息/试算)."""

    account: str
    accrual: int          # 积数 to date (days closed by the batch), fen·days
    rate: Rate
    interest: int         # fen, on ``accrual``
    balance: int          # today's balance
    accrual_with_today: int  # if tonight's batch added today's balance
    interest_with_today: int


def quote_current(conn: Connection, account: str) -> CurrentInterestQuote | None:
    r = conn.execute(select(accounts_t).where(accounts_t.c.number == account)).first()
    if r is None or r.kind not in CURRENT_KINDS:
        return None
    rate = current_rate(conn, r.product_code)
    accrual, balance = int(r.accrual), int(r.balance)
    return CurrentInterestQuote(
        account=r.number, accrual=accrual, rate=rate,
        interest=settlement_interest(accrual, rate), balance=balance,
        accrual_with_today=accrual + balance,
        interest_with_today=settlement_interest(accrual + balance, rate))


def interest_due(conn: Connection, account: str) -> int:
    """What settling ``account`` now would pay (0 for an account that does not
    settle by accrual) — the same figure :class:`InterestSettlementRule` checks."""
    q = quote_current(conn, account)
    return q.interest if q is not None else 0


def settlement_legs(expense_account: str, account: str, interest: int) -> tuple[Leg, ...]:
    return (Leg(expense_account, "D", interest, "利息支出"), Leg(account, "C", interest, "结息"))


@dataclass(frozen=True)
class InterestSettlement(Attachment, wire_name="accounts.interest_settlement"):
    """结息 of a current account: the entry pays exactly the interest on its
    accrual (from the branch's 6411, :func:`settlement_legs`) and the accrual
    starts again at 0 — 18410 单户结息, and with ``closing`` the interest up to
    the day before of 10040 销户 (which may be zero: no legs, the accrual still
    resets, and a same-day reversal of the closure gives it back)."""

    account: str
    closing: bool = False


class InterestSettlementRule(PostingRule):
    """结息 (18410, a closing): the interest credited is exactly what the accrual
    gives at the rate of the day; the accrual restarts; a reversal puts it back."""
    name = "accounts.interest_settlement"

    def applies(self, request) -> bool:
        return request.reverses_entry_id is not None or \
            request.one(InterestSettlement) is not None

    def check(self, p: Posting) -> None:
        a = p.request.one(InterestSettlement)
        if a is None:
            return
        conn = p.conn
        r = conn.execute(select(accounts_t).where(accounts_t.c.number == a.account)
                         .with_for_update()).first()
        if r is None:
            raise PostingRefused("no_account", "账户不存在", "No such account", account=a.account)
        if r.kind not in CURRENT_KINDS:
            raise PostingRefused("not_current", "只有活期账户可以办理单户结息",
                                 "Only current accounts settle by accrual", account=a.account)
        if a.closing:
            closable(conn, r, p.business_date)
        interest = settlement_interest(int(r.accrual), current_rate(conn, r.product_code))
        if interest <= 0 and not a.closing:
            raise PostingRefused("no_interest", "积数不足，应付利息为零，无需结息",
                                 "No interest is due", account=a.account)
        expense = internal_account(conn, r.branch_code, "interest_expense")
        if interest and expense is None:
            raise PostingRefused("no_expense_account", "网点没有利息支出账户",
                                 "The branch has no interest-expense account")
        wanted = [(x.account, x.direction, x.amount)
                  for x in (settlement_legs(expense or "", a.account, interest) if interest
                            else ())]
        given = [(x.account, x.direction, x.amount) for x in p.legs]
        if a.closing:  # the closure may pay the balance out in the same entry
            given = [x for x in given if x[0] == expense or (x[0], x[1]) == (a.account, "C")]
        if given != wanted:
            raise PostingRefused("stale_quote", "积数或利率已变化，请重新计算利息",
                                 "The accrual or rate changed; quote again", account=a.account)
        p.notes[self.name] = (int(r.accrual), interest)

    def write(self, p: Posting) -> None:
        a = p.request.one(InterestSettlement)
        if a is None:
            return
        accrual, interest = p.notes[self.name]
        p.conn.execute(update(accounts_t).where(accounts_t.c.number == a.account)
                       .values(accrual=0))
        record_event(p, a.account, "interest", {"accrual": accrual},
                     {"accrual": 0, "interest": interest})

    def undo(self, p: Posting) -> None:
        for row in events_of(p, "interest"):
            p.conn.execute(update(accounts_t).where(
                accounts_t.c.number == row.account_number).values(
                accrual=accounts_t.c.accrual + int(before(row)["accrual"])))


class InterestService:
    """What flows reach as ``core.interest``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def quote_current(self, account: str) -> CurrentInterestQuote | None:
        with reader(self.engine) as conn:
            return quote_current(conn, account)

    def current_rate(self) -> Rate:
        with reader(self.engine) as conn:
            return current_rate(conn)

    def expense_account(self, branch: str) -> str | None:
        with reader(self.engine) as conn:
            return internal_account(conn, branch, "interest_expense")
