"""Tables of personal media and counter registers (issue 5 part C).

- ``passbooks`` (存折册): one row per book of an account. Only one book of an
  account is ``active``; a replaced book is ``voided`` (一般换发 — book number
  + 1, the old book is taken back). ``last_posting_id`` is the 已登折 pointer:
  the last posting printed into any book of the account, moved only for lines
  the printer confirmed; ``last_page``/``last_line`` is where in *this* book the
  last confirmed line (an entry or a 承前页 carry line) sits.
- ``media_changes`` (凭证换发登记): every replacement of a card or passbook,
  with old and new numbers, so a voided medium is traceable.
- ``large_cash_records`` (大额现金数据采集登记簿, 18590): the source or use of
  funds of a cash posting of 50,000.00 or more, tied to its journal entry.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String,
)
from sqlalchemy.orm import Mapped, mapped_column

from teller.core.models import Base


class Passbook(Base):
    """存折册: ``book_number`` is the 册号 on the stripe; ``voucher_number`` the
    printed blank-voucher number (印刷号) the book was drawn as from the box."""

    __tablename__ = "passbooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    book_number: Mapped[int] = mapped_column(Integer)
    voucher_number: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active")
    lines_per_page: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    last_page: Mapped[int] = mapped_column(Integer, default=1)
    last_line: Mapped[int] = mapped_column(Integer, default=0)
    last_posting_id: Mapped[int] = mapped_column(BigInteger, default=0)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(ForeignKey("users.code"))
    voided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    void_reason: Mapped[str] = mapped_column(String(24), default="")
    __table_args__ = (
        CheckConstraint("status in ('active','voided')", name="ck_passbooks_status"),
        Index("uq_passbooks_account_book", "account_number", "book_number", unique=True),
    )


class MediaChange(Base):
    """凭证换发: a card or passbook replaced (一般换发 / 挂失补发)."""

    __tablename__ = "media_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    medium_kind: Mapped[str] = mapped_column(String(16))
    old_number: Mapped[str] = mapped_column(String(32), default="")
    new_number: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(24))
    business_date: Mapped[dt.date] = mapped_column(Date)
    teller_code: Mapped[str] = mapped_column(ForeignKey("users.code"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ix_media_changes_account", "account_number", "id"),)


class LargeCashRecord(Base):
    """大额现金数据采集 (18590): source (存入) or use (支取) of a large cash amount."""

    __tablename__ = "large_cash_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    direction: Mapped[str] = mapped_column(String(12))  # deposit | withdrawal
    cash_amount: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str] = mapped_column(String(120), default="")
    recorded_by: Mapped[str] = mapped_column(ForeignKey("users.code"))
    business_date: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("direction in ('deposit','withdrawal')", name="ck_large_cash_direction"),
        Index("uq_large_cash_entry", "entry_id", unique=True),
    )
