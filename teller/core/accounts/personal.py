"""The personal deposit business as flows reach it: ``CoreServices.personal``
(:class:`PersonalServices`) — look-ups, the password pair check, number
reservation and the read-only queries (账户查询, 交易明细查询, 客户账户查询).

Everything that changes data goes through a journal entry's core action
(``teller.core.customers.service``, ``account_opening``, ``account_lifecycle``); here
only reads, plus :meth:`PersonalServices.reserve_account_number`, which bumps a
counter (an abandoned opening merely skips a number).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.engine import Engine

from teller.core.accounts.models import Product
from teller.core.controls.models import AccountControl
from teller.core.customers.models import Customer
from teller.core.accounts import opening as account_opening
from teller.core.ledger import models as m
from teller.core.customers.service import CustomerInfo, CustomerService, find_customer
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.accounts.models import SmsSigning
from teller.core.accounts.interest import interest_due
from teller.core.accounts.pin_verifier import PinVerifier
from teller.core.accounts.rules import pin_value
from teller.core.ledger.accounts import internal_account
from teller.core.ledger.records import PostingRefused, format_journal_number
from teller.domain.pin import PinBlock
from teller.domain.problems import Problem

accounts_t = m.Account.__table__
controls_t = AccountControl.__table__
customers_t = Customer.__table__
products_t = Product.__table__
entries_t = m.JournalEntry.__table__
postings_t = m.Posting.__table__
sms_t = SmsSigning.__table__

HISTORY_LIMIT = 500


@dataclass(frozen=True)
class ControlLine:
    kind: str
    amount: int
    incident_number: str
    starts_on: dt.date
    expires_on: dt.date | None


@dataclass(frozen=True)
class AccountDetail:
    """账户信息查询: the account with balance, available, holds and controls."""

    number: str
    title: str
    customer_id: int | None
    customer_name: str
    id_type: str
    id_number: str
    product: str
    product_name: str
    account_class: str | None
    bound_account: str | None
    status: str
    balance: int
    available: int | None
    held: int
    accrual: int
    withdrawal_method: str
    scope: str
    medium_kind: str | None
    medium_number: str | None
    opened_on: dt.date
    closed_on: dt.date | None
    has_password: bool
    pin_locked: bool
    controls: tuple[ControlLine, ...]
    sms_mobiles: tuple[str, ...]


@dataclass(frozen=True)
class HistoryLine:
    """One posting on the account (交易明细)."""

    business_date: dt.date
    journal_number: str
    txn_code: str
    direction: str  # 'D' debit (支出) | 'C' credit (存入)
    amount: int
    balance_after: int
    memo: str


@dataclass(frozen=True)
class CustomerAccount:
    number: str
    product_name: str
    account_class: str | None
    status: str
    balance: int
    medium_kind: str | None
    medium_number: str | None
    opened_on: dt.date


class PersonalServices:
    def __init__(self, engine: Engine, pin_verifier: PinVerifier | None = None) -> None:
        self.engine = engine
        self.verifier = pin_verifier
        self.customers = CustomerService(engine)

    # -- customers and opening ---------------------------------------------------
    def customer(self, id_type: str, id_number: str) -> CustomerInfo | None:
        return self.customers.find(id_type, id_number)

    def product(self, code: str):
        with reader(self.engine) as conn:
            return conn.execute(select(products_t).where(products_t.c.code == code)).first()

    def medium_holder(self, kind: str, number: str) -> str | None:
        with reader(self.engine) as conn:
            return account_opening.medium_in_use(conn, kind, number)

    def bound_account_problem(self, bound: str, id_type: str, id_number: str
                              ) -> tuple[str, str] | None:
        with reader(self.engine) as conn:
            customer = find_customer(conn, id_type, id_number)
            return account_opening.bound_account_problem(
                conn, bound, customer.id if customer else None)

    def reserve_account_number(self, branch: str) -> str:
        return run_in_transaction(
            self.engine, lambda conn: account_opening.reserve_account_number(conn, branch))

    def password_value(self, pan: str, first: PinBlock, again: PinBlock
                       ) -> tuple[str | None, Problem | None]:
        """The verification value of a new password keyed twice on the PIN pad, or
        why not (the two entries differ, no verifier, key mismatch). Only the
        verifier looks inside the blocks; the PIN never reaches this code."""
        try:
            return pin_value(self.verifier, pan, first, again), None
        except PostingRefused as exc:
            field = "pin_again" if exc.code == "pin_mismatch" else "pin"
            return None, Problem(field, exc.message, exc.message_en)

    # -- closure -----------------------------------------------------------------
    def interest_expense_account(self, branch: str) -> str | None:
        """The branch's 利息支出 internal account (GL 6411) that pays interest."""
        with reader(self.engine) as conn:
            return internal_account(conn, branch, "interest_expense")

    def interest_due(self, account: str) -> int:
        with reader(self.engine) as conn:
            return interest_due(conn, account)

    # -- queries -----------------------------------------------------------------
    def account_detail(self, number: str) -> AccountDetail | None:
        with reader(self.engine) as conn:
            r = conn.execute(
                select(accounts_t, customers_t.c.name.label("customer_name"),
                       customers_t.c.id_type, customers_t.c.id_number,
                       products_t.c.name.label("product_name"))
                .outerjoin(customers_t, customers_t.c.id == accounts_t.c.customer_id)
                .outerjoin(products_t, products_t.c.code == accounts_t.c.product_code)
                .where(accounts_t.c.number == number)).first()
            if r is None:
                return None
            bdate = conn.execute(select(m.Branch.business_date)
                                 .where(m.Branch.code == r.branch_code)).scalar_one()
            controls = tuple(ControlLine(c.kind, int(c.amount), c.incident_number, c.starts_on,
                                         c.expires_on) for c in conn.execute(
                select(controls_t).where(
                    controls_t.c.account_number == number, controls_t.c.status == "active",
                    controls_t.c.starts_on <= bdate,
                    (controls_t.c.expires_on.is_(None)) | (controls_t.c.expires_on >= bdate))
                .order_by(controls_t.c.id)))
            mobiles = tuple(conn.execute(select(sms_t.c.mobile).where(
                sms_t.c.account_number == number, sms_t.c.status == "active")
                .order_by(sms_t.c.id)).scalars())
        held = sum(c.amount for c in controls if c.kind in ("hold", "freeze_partial"))
        available = (None if r.overdraft_limit is None
                     else int(r.balance) - held + int(r.overdraft_limit))
        return AccountDetail(
            number=r.number, title=r.title, customer_id=r.customer_id,
            customer_name=r.customer_name or r.title, id_type=r.id_type or "",
            id_number=r.id_number or "", product=r.product_code or "",
            product_name=r.product_name or "", account_class=r.account_class,
            bound_account=r.bound_account, status=r.status, balance=int(r.balance),
            available=available, held=held, accrual=int(r.accrual),
            withdrawal_method=r.withdrawal_method, scope=r.scope, medium_kind=r.medium_kind,
            medium_number=r.medium_number, opened_on=r.opened_on, closed_on=r.closed_on,
            has_password=r.pin_verification_value is not None, pin_locked=bool(r.pin_locked),
            controls=controls, sms_mobiles=mobiles)

    def history(self, number: str, *, start: dt.date | None = None, end: dt.date | None = None,
                direction: str | None = None, min_fen: int | None = None,
                max_fen: int | None = None, limit: int = HISTORY_LIMIT
                ) -> tuple[HistoryLine, ...]:
        """The account's postings, oldest first, filtered; bound parameters only, so
        nothing typed can change the query."""
        conds = [postings_t.c.account_number == number]
        if start is not None:
            conds.append(entries_t.c.business_date >= start)
        if end is not None:
            conds.append(entries_t.c.business_date <= end)
        if direction in ("D", "C"):
            conds.append(postings_t.c.direction == direction)
        if min_fen is not None:
            conds.append(postings_t.c.amount >= min_fen)
        if max_fen is not None:
            conds.append(postings_t.c.amount <= max_fen)
        with reader(self.engine) as conn:
            rows = conn.execute(
                select(postings_t.c.direction, postings_t.c.amount, postings_t.c.balance_after,
                       postings_t.c.memo, entries_t.c.business_date, entries_t.c.teller_code,
                       entries_t.c.journal_sequence, entries_t.c.txn_code)
                .join(entries_t, entries_t.c.id == postings_t.c.entry_id)
                .where(and_(*conds)).order_by(postings_t.c.id).limit(limit)).all()
        return tuple(HistoryLine(r.business_date,
                                 format_journal_number(r.business_date, r.teller_code,
                                                       r.journal_sequence),
                                 r.txn_code, r.direction, int(r.amount), int(r.balance_after),
                                 r.memo) for r in rows)

    def customer_accounts(self, id_type: str, id_number: str) -> tuple[CustomerAccount, ...]:
        with reader(self.engine) as conn:
            customer = find_customer(conn, id_type, id_number)
            if customer is None:
                return ()
            rows = conn.execute(
                select(accounts_t, products_t.c.name.label("product_name"))
                .outerjoin(products_t, products_t.c.code == accounts_t.c.product_code)
                .where(accounts_t.c.customer_id == customer.id)
                .order_by(accounts_t.c.number)).all()
        return tuple(CustomerAccount(r.number, r.product_name or "", r.account_class, r.status,
                                     int(r.balance), r.medium_kind, r.medium_number, r.opened_on)
                     for r in rows)
