"""Tables of the account business: products, account events (before/after of
core actions), SMS signings, opening verifications, passbooks and media changes."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from teller.core.ledger.models import Base


class Product(Base):
    """产品: what an account is (personal current, 3-month time …) and its rate."""

    __tablename__ = "products"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(24))
    subject_code: Mapped[str] = mapped_column(ForeignKey("gl_subjects.code"))
    annual_rate_micro: Mapped[int] = mapped_column(Integer, default=0)
    term_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    minimum_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class AccountEvent(Base):
    """账户变更记录: one core action on one account (kind open|close|interest|maintain)."""

    __tablename__ = "account_events"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                          ForeignKey("journal_entries.id"))
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    kind: Mapped[str] = mapped_column(String(16))
    before: Mapped[str] = mapped_column(Text, default="{}")
    after: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | reversed
    business_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ix_account_events_entry", "entry_id"),
                      Index("ix_account_events_account", "account_number", "id"))


class SmsSigning(Base):
    """短信通知签约: one mobile number of an account."""

    __tablename__ = "sms_signings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    mobile: Mapped[str] = mapped_column(String(11))
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | cancelled
    signed_on: Mapped[dt.date] = mapped_column(Date)
    __table_args__ = (Index("ix_sms_signings_account", "account_number"),)


class AccountVerification(Base):
    """业务核实登记: how the teller verified the customer's intent to open."""

    __tablename__ = "account_verifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    method: Mapped[str] = mapped_column(String(16))
    verifier_name: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    teller_code: Mapped[str] = mapped_column(ForeignKey("users.code"))
    business_date: Mapped[dt.date] = mapped_column(Date)


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
