"""Reference data and account set-up: branches, accounts, numbers.

These run inside a caller's transaction (``conn``) so that, for example, an
account opening and its first deposit commit together or not at all.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from teller.core.ledger import models as m
from teller.domain.identity import make_account_number

accounts_t = m.Account.__table__
seq_t = m.NumberSequence.__table__


def next_number(conn: Connection, name: str) -> int:
    """Bump and return the counter ``name`` (row-locked; gap-free per commit)."""
    row = conn.execute(select(seq_t.c.value).where(seq_t.c.name == name)
                       .with_for_update()).first()
    if row is None:
        conn.execute(insert(seq_t).values(name=name, value=1))
        return 1
    conn.execute(update(seq_t).where(seq_t.c.name == name).values(value=row.value + 1))
    return int(row.value) + 1


def new_account_number(conn: Connection, branch: str, subject: str) -> str:
    """Branch(4) + subject(4) + serial(8) + check digit (see teller.domain.identity)."""
    return make_account_number(branch, subject, next_number(conn, f"account:{branch}:{subject}"))


def create_branch(conn: Connection, code: str, name: str, bank_name: str,
                  business_date: dt.date) -> None:
    conn.execute(insert(m.Branch.__table__).values(
        code=code, name=name, bank_name=bank_name, business_date=business_date, status="open",
        cash_auth_limit_a=5_000_000, cash_auth_limit_b=20_000_000))


def open_account(conn: Connection, *, branch: str, subject: str, title: str, kind: str,
                 opened_on: dt.date, customer_id: int | None = None,
                 product: str | None = None, account_class: str | None = None,
                 overdraft_limit: int | None = 0, owner_user: str | None = None,
                 medium_kind: str | None = None, medium_number: str | None = None,
                 withdrawal_method: str = "password", scope: str = "all_branches",
                 number: str | None = None) -> str:
    """Create an account with a zero balance; money arrives only by posting."""
    number = number or new_account_number(conn, branch, subject)
    conn.execute(insert(accounts_t).values(
        number=number, title=title, branch_code=branch, customer_id=customer_id,
        product_code=product, subject_code=subject, kind=kind, account_class=account_class,
        status="normal", withdrawal_method=withdrawal_method, scope=scope,
        medium_kind=medium_kind, medium_number=medium_number, owner_user=owner_user,
        balance=0, accrual=0, overdraft_limit=overdraft_limit, opened_on=opened_on))
    return number


def internal_account(conn: Connection, branch: str, kind: str,
                     owner_user: str | None = None) -> str | None:
    """The number of a branch's internal account of ``kind`` (e.g. 'cash_box' of a
    teller, 'vault', 'clearing', 'suspense_over', 'interest_expense')."""
    q = select(accounts_t.c.number).where(accounts_t.c.branch_code == branch,
                                          accounts_t.c.kind == kind)
    q = q.where(accounts_t.c.owner_user == owner_user) if owner_user else q
    return conn.execute(q.order_by(accounts_t.c.number)).scalars().first()
