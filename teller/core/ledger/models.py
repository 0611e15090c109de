"""The ledger's tables (账务核心表) as SQLAlchemy 2.0 typed models: branches and
their business date, GL subjects, accounts with their balances, the journal
(entries and postings), each teller's journal head, named number sequences and
the audit log. Business areas keep their own tables in their own packages and
join the ledger only through posting rules (``teller.core.ledger.rules``).

The schema is *created* only by Alembic (``migrations/``); these models describe
it for queries, and ``tests/core/test_migrations.py`` proves the two agree.

Conventions
- Money is integer fen (``BigInteger``); rates are integer micro-fractions
  (0.35 % p.a. -> 3500), so nothing here is ever a float.
- Balances are kept in each account's natural orientation: an account whose
  subject is debit-natured (cash 1001, expense 6411) grows with debits, a
  credit-natured one (deposits 2017, payables 2231) grows with credits.
- Journal entries and postings are insert-only; triggers in the migration
  refuse UPDATE and DELETE on both databases.
- ``accounts`` is the ledger's account: the kernel locks it and moves its
  balance; the columns areas read (status, class, withdrawal method, medium,
  the PIN verification value) are theirs to interpret, in their rules.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String,
    Text, UniqueConstraint,
)
from sqlalchemy.sql.expression import false as sa_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Branch(Base):
    """网点. ``business_date`` is the bank's day (营业日), not the wall clock."""

    __tablename__ = "branches"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    bank_name: Mapped[str] = mapped_column(String(80))
    business_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closing | closed
    # Cash withdrawal above these (fen) needs level-A / level-B authorization (授权限额).
    cash_auth_limit_a: Mapped[int] = mapped_column(BigInteger, default=5_000_000)
    cash_auth_limit_b: Mapped[int] = mapped_column(BigInteger, default=20_000_000)


class GlSubject(Base):
    """会计科目. ``side`` is the natural balance side: 'D' debit, 'C' credit."""

    __tablename__ = "gl_subjects"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    side: Mapped[str] = mapped_column(String(1))
    on_balance_sheet: Mapped[bool] = mapped_column(Boolean, default=True)


class Account(Base):
    """账户: customer accounts and the branch's internal accounts alike.

    ``overdraft_limit`` NULL means the balance may go either way (clearing and
    suspense accounts); 0 means it may never go below zero.
    """

    __tablename__ = "accounts"
    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True)
    product_code: Mapped[str | None] = mapped_column(ForeignKey("products.code"), nullable=True)
    subject_code: Mapped[str] = mapped_column(ForeignKey("gl_subjects.code"))
    kind: Mapped[str] = mapped_column(String(24))  # personal_current | personal_time | internal …
    account_class: Mapped[str | None] = mapped_column(String(3), nullable=True)  # I | II | III
    bound_account: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="normal")
    withdrawal_method: Mapped[str] = mapped_column(String(16), default="password")
    scope: Mapped[str] = mapped_column(String(16), default="all_branches")  # 通存通兑
    medium_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)  # card | passbook …
    medium_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    owner_user: Mapped[str | None] = mapped_column(ForeignKey("users.code"), nullable=True)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    accrual: Mapped[int] = mapped_column(BigInteger, default=0)  # 积数, fen·days
    overdraft_limit: Mapped[int | None] = mapped_column(BigInteger, nullable=True, default=0)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # Customer password (交易密码): only the verifier's value, never the PIN.
    pin_verification_value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    pin_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pin_locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    __table_args__ = (
        CheckConstraint("status in ('normal','dormant','off_book','settled','closed')",
                        name="ck_accounts_status"),
        Index("ix_accounts_customer", "customer_id"),
        Index("ix_accounts_medium", "medium_kind", "medium_number"),
    )


class JournalEntry(Base):
    """One posted step (分录): its journal number (流水号), who/where/when, and
    its place in the teller's hash chain."""

    __tablename__ = "journal_entries"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    journal_sequence: Mapped[int] = mapped_column(Integer)
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    teller_code: Mapped[str] = mapped_column(ForeignKey("users.code"))
    terminal_code: Mapped[str] = mapped_column(String(16))
    business_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    txn_code: Mapped[str] = mapped_column(String(8))
    step: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(24), default="normal")
    memo: Mapped[str] = mapped_column(String(200), default="")
    reversible: Mapped[bool] = mapped_column(Boolean, default=True)
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    reverses_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id"), nullable=True, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (
        # also the index for "a teller's entries of a day" (a prefix of it)
        UniqueConstraint("teller_code", "business_date", "journal_sequence",
                         name="uq_journal_number"),
    )


class Posting(Base):
    """One leg of an entry (借/贷). ``balance_after`` is the account's balance
    right after this leg — what a passbook line and a statement print."""

    __tablename__ = "postings"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    leg: Mapped[int] = mapped_column(Integer)
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    subject_code: Mapped[str] = mapped_column(ForeignKey("gl_subjects.code"))
    direction: Mapped[str] = mapped_column(String(1))  # 'D' | 'C'
    amount: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str] = mapped_column(String(120), default="")
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_postings_amount_positive"),
        CheckConstraint("direction in ('D','C')", name="ck_postings_direction"),
        UniqueConstraint("entry_id", "leg", name="uq_postings_entry_leg"),
        Index("ix_postings_account", "account_number", "id"),
    )


class TellerJournalHead(Base):
    """Head of one teller's electronic journal: today's last journal number and
    the hash of the teller's latest entry (the chain continues across days)."""

    __tablename__ = "teller_journal_heads"
    teller_code: Mapped[str] = mapped_column(ForeignKey("users.code"), primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)
    last_entry_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_hash: Mapped[str] = mapped_column(String(64))


class NumberSequence(Base):
    """Named counters for numbers the bank hands out (account serials, 19-digit
    incident numbers …); bumped under a row lock inside the caller's transaction."""

    __tablename__ = "number_sequences"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class AuditEvent(Base):
    """审计日志: sign-on attempts, authorizations, settings and other events."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    user_code: Mapped[str] = mapped_column(String(16))
    terminal_code: Mapped[str] = mapped_column(String(16), default="")
    kind: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    detail: Mapped[str] = mapped_column(Text, default="{}")
    __table_args__ = (Index("ix_audit_user_at", "user_code", "at"),)


class EntryFact(Base):
    """What a step's rules made that the teller is shown (an incident number, a
    reserved account number): one row per fact, written with the entry."""

    __tablename__ = "entry_facts"
    entry_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                          ForeignKey("journal_entries.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
