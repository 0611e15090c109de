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
the customer; then the accrual is reset to 0 in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.accounts.models import Product
from teller.core.ledger import models as m
from teller.core.ledger.db import reader
from teller.core.ledger.accounts import internal_account
from teller.core.ledger.engine import PostingEngine
from teller.core.ledger.records import EntryRequest, Leg, PostedEntry, PostingRefused
from teller.domain.interest import Rate, interest_on_accrual

accounts_t = m.Account.__table__
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


def settlement_legs(expense_account: str, account: str, interest: int) -> tuple[Leg, ...]:
    return (Leg(expense_account, "D", interest, "利息支出"), Leg(account, "C", interest, "结息"))


def settle_in(conn: Connection, posting: PostingEngine, req: EntryRequest,
              account: str) -> PostedEntry:
    """Inside ``conn``: check ``req`` pays exactly the interest on the account's
    accrual, post it and reset the accrual. For 18410 and the batch alike."""
    if already_posted(conn, req.key):  # a replay: the engine returns the first result
        return posting.post_in(conn, req)
    r = conn.execute(select(accounts_t).where(accounts_t.c.number == account)
                     .with_for_update()).first()
    if r is None:
        raise PostingRefused("no_account", "账户不存在", "No such account", account=account)
    if r.kind not in CURRENT_KINDS:
        raise PostingRefused("not_current", "只有活期账户可以办理单户结息",
                             "Only current accounts settle by accrual", account=account)
    interest = settlement_interest(int(r.accrual), current_rate(conn, r.product_code))
    if interest <= 0:
        raise PostingRefused("no_interest", "积数不足，应付利息为零，无需结息",
                             "No interest is due", account=account)
    expense = internal_account(conn, r.branch_code, "interest_expense")
    if expense is None:
        raise PostingRefused("no_expense_account", "网点没有利息支出账户",
                             "The branch has no interest-expense account")
    if tuple((leg.account, leg.direction, leg.amount) for leg in req.legs) != tuple(
            (leg.account, leg.direction, leg.amount)
            for leg in settlement_legs(expense, account, interest)):
        raise PostingRefused("stale_quote", "积数或利率已变化，请重新计算利息",
                             "The accrual or rate changed; quote again", account=account)
    posted = posting.post_in(conn, req)
    conn.execute(update(accounts_t).where(accounts_t.c.number == account).values(accrual=0))
    return posted


def settle_account_in(conn: Connection, posting: PostingEngine, account: str, *, key: str,
                      operator: str, terminal: str = "EOD",
                      txn_code: str = "EODINT") -> PostedEntry | None:
    """The quarterly batch's per-account step, inside ``conn``: pay
    :func:`settlement_interest` on the account's accrual (already including the
    settlement day) and reset the accrual to 0 — even when the interest rounds
    to 0. ``key`` must be unique per account and settlement (e.g.
    ``f"INT-{account}-{date:%Y%m%d}"``); a key already posted changes nothing
    and returns None, so the batch can be run again."""
    if already_posted(conn, key):
        return None
    r = conn.execute(select(accounts_t).where(accounts_t.c.number == account)
                     .with_for_update()).first()
    if r is None or r.kind not in CURRENT_KINDS:
        return None
    interest = settlement_interest(int(r.accrual), current_rate(conn, r.product_code))
    posted = None
    if interest > 0:
        expense = internal_account(conn, r.branch_code, "interest_expense")
        if expense is None:
            raise PostingRefused("no_expense_account", "网点没有利息支出账户",
                                 "The branch has no interest-expense account")
        posted = posting.post_in(conn, EntryRequest(
            key=key, branch=r.branch_code, teller=operator, terminal=terminal,
            txn_code=txn_code, step="settle_interest",
            legs=settlement_legs(expense, account, interest),
            memo=f"季度结息 积数{int(r.accrual)}", reversible=False))
    conn.execute(update(accounts_t).where(accounts_t.c.number == account).values(accrual=0))
    return posted


def already_posted(conn: Connection, key: str) -> bool:
    """Whether an entry with this idempotency key exists (so side rows were written)."""
    e = m.JournalEntry.__table__
    return conn.execute(select(e.c.id).where(e.c.idempotency_key == key)).first() is not None


class InterestService:
    """What flows reach as ``core.interest``."""

    def __init__(self, engine: Engine, posting: PostingEngine) -> None:
        self.engine = engine
        self.posting = posting

    def quote_current(self, account: str) -> CurrentInterestQuote | None:
        with reader(self.engine) as conn:
            return quote_current(conn, account)

    def current_rate(self) -> Rate:
        with reader(self.engine) as conn:
            return current_rate(conn)

    def expense_account(self, branch: str) -> str | None:
        with reader(self.engine) as conn:
            return internal_account(conn, branch, "interest_expense")

    def settle(self, req: EntryRequest, account: str) -> PostedEntry:
        """18410 单户结息: post ``req`` (from :func:`settlement_legs`) and reset the accrual."""
        return self.posting.transaction(lambda conn: settle_in(conn, self.posting, req, account))
