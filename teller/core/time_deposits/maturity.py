"""Time deposits at maturity (到期处理), the day-end batch (DOMAIN.md §5).

Auto-rollover deposits roll over principal + interest (本息转存) for the same
term at the product's rate of that day, from the old maturity date — each
period one posting with :class:`TimeDepositRollover`, under a key unique per
period; withdrawn and voided deposits' accounts are closed (销户); the others
stay and earn the current-account rate after maturity, paid when withdrawn.

    report = mature_time_deposits(engine, date(2026, 3, 16), operator="ADM1",
                                  post=ledger.post)
    report.rolled_over   # (Rollover(account, interest, new_start, ...), ...)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from teller.core.ledger.accounts import internal_account
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.records import EntryRequest, Leg, PostedEntry, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.core.time_deposits.deposits import (
    ROLLOVER_TXN, TimeDepositInfo, TimeDepositRollover, accounts_t, deposits_t, load_deposit,
    product_for_term,
)
from teller.domain.interest import Rate, maturity_date, term_interest


@dataclass(frozen=True)
class Rollover:
    account: str
    interest: int
    new_start: dt.date
    new_maturity: dt.date
    new_rate: Rate
    journal_number: str


@dataclass(frozen=True)
class MaturityReport:
    rolled_over: tuple[Rollover, ...] = ()
    closed: tuple[str, ...] = ()            # withdrawn or voided: 销户
    matured_kept: tuple[str, ...] = ()      # matured, no rollover: earn current rate after
    refused: tuple[tuple[str, str], ...] = ()  # (account, message): left for the next run


class TimeDepositRolloverRule(PostingRule):
    """自动转存 at maturity: the term interest credited, a new period from the old
    maturity date at the product's rate of the day."""
    name = "time_deposits.rollover"

    def applies(self, request) -> bool:
        return request.one(TimeDepositRollover) is not None

    def check(self, p: Posting) -> None:
        a = p.request.one(TimeDepositRollover)
        assert a is not None
        d = load_deposit(p.conn, a.account, lock=True)
        if d is None or d.state != "open" or d.start_date != a.start_date \
                or d.maturity_date > p.business_date or not d.auto_rollover:
            raise PostingRefused("no_rollover", "该定期存款不在转存期", "Nothing to roll over",
                                 account=a.account)
        interest = term_interest(d.principal, d.rate, d.term_months)
        credited = sum(mv.leg.amount for mv in p.moves_of(a.account) if mv.inflow)
        if credited != interest:
            raise PostingRefused("stale_quote", "转存利息与计算不符", "The interest differs",
                                 account=a.account)
        p.notes[self.name] = d

    def write(self, p: Posting) -> None:
        d = p.notes[self.name]
        product = product_for_term(p.conn, d.term_months)
        new_rate = product.rate if product is not None else d.rate
        p.conn.execute(update(deposits_t).where(deposits_t.c.account_number == d.account).values(
            start_date=d.maturity_date, maturity_date=maturity_date(d.maturity_date,
                                                                    d.term_months),
            rate_micro=new_rate.micro, rollovers=deposits_t.c.rollovers + 1))


def mature_time_deposits(engine: Engine, business_date: dt.date, *, operator: str,
                         post: Callable[[EntryRequest], PostedEntry],
                         terminal: str = "EOD", branch: str | None = None) -> MaturityReport:
    """Day-end work on time deposits for ``business_date`` (call it while the
    branch is still open for posting, after every teller signed off).

    - auto-rollover deposits with maturity ≤ the date roll over, period after
      period: term interest at the old rate is credited (6411 → the deposit,
      本息转存) by ``operator`` with :class:`TimeDepositRollover`, under keys
      unique per period, so running the batch again posts nothing twice;
    - withdrawn and voided deposits' accounts are closed (销户) — deferred to
      here because a same-day reversal must be able to credit them again;
    - matured deposits without rollover stay as they are (listed).
    """
    with reader(engine) as conn:
        q = (select(deposits_t.c.account_number, accounts_t.c.branch_code)
             .join(accounts_t, accounts_t.c.number == deposits_t.c.account_number)
             .where(accounts_t.c.status != "closed").order_by(deposits_t.c.account_number))
        rows = conn.execute(q if branch is None else q.where(accounts_t.c.branch_code == branch)
                            ).all()
    rolled: list[Rollover] = []
    closed: list[str] = []
    kept: list[str] = []
    refused: list[tuple[str, str]] = []
    for account, acct_branch in rows:
        with reader(engine) as conn:
            d = load_deposit(conn, account)
        assert d is not None
        if d.state in ("withdrawn", "void"):
            def close(conn, account=account):
                conn.execute(update(accounts_t).where(accounts_t.c.number == account)
                             .values(status="closed", closed_on=business_date))
            run_in_transaction(engine, close)
            closed.append(account)
        elif d.state == "open" and d.maturity_date <= business_date:
            if not d.auto_rollover:
                kept.append(account)
                continue
            try:
                while d is not None and d.state == "open" and d.maturity_date <= business_date:
                    rolled.append(_roll(engine, post, d, acct_branch, operator, terminal))
                    with reader(engine) as conn:
                        d = load_deposit(conn, account)
            except PostingRefused as exc:
                refused.append((account, exc.message))
    return MaturityReport(tuple(rolled), tuple(closed), tuple(kept), tuple(refused))


def _roll(engine: Engine, post, d: TimeDepositInfo, branch: str, operator: str,
          terminal: str) -> Rollover:
    with reader(engine) as conn:
        expense = internal_account(conn, branch, "interest_expense")
        product = product_for_term(conn, d.term_months)
    interest = term_interest(d.principal, d.rate, d.term_months)
    if interest > 0 and expense is None:
        raise PostingRefused("no_expense_account", "网点没有利息支出账户",
                             "The branch has no interest-expense account")
    legs = ((Leg(expense or "", "D", interest, "利息支出"),
             Leg(d.account, "C", interest, "到期转存利息")) if interest > 0 else ())
    posted = post(EntryRequest(
        key=f"TDROLL-{d.account}-{d.start_date:%Y%m%d}", branch=branch, teller=operator,
        terminal=terminal, txn_code=ROLLOVER_TXN, step="rollover", legs=legs,
        memo=f"整存整取自动转存 {d.start_date}~{d.maturity_date}", reversible=False,
        attachments=(TimeDepositRollover(d.account, d.start_date),)))
    new_rate = product.rate if product is not None else d.rate
    return Rollover(d.account, interest, d.maturity_date,
                    maturity_date(d.maturity_date, d.term_months), new_rate,
                    posted.journal_number if legs else "")
