"""Important blank vouchers (重要空白凭证): kinds, vouchers and their register."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from teller.core.ledger.models import Base


class VoucherKind(Base):
    """凭证种类: ``code`` is the programs' name (passbook), ``name`` the printed one (存折)."""

    __tablename__ = "voucher_kinds"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    number_length: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Voucher(Base):
    """One numbered important blank voucher (重要空白凭证) and where it is."""

    __tablename__ = "vouchers"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(ForeignKey("voucher_kinds.code"))
    number: Mapped[str] = mapped_column(String(32))
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    teller_code: Mapped[str | None] = mapped_column(ForeignKey("users.code"), nullable=True)
    status: Mapped[str] = mapped_column(String(8))
    received_on: Mapped[dt.date] = mapped_column(Date)
    changed_on: Mapped[dt.date] = mapped_column(Date)
    account_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    entry_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    void_reason: Mapped[str | None] = mapped_column(String(24), nullable=True)
    __table_args__ = (
        UniqueConstraint("kind", "number", name="uq_vouchers_kind_number"),
        CheckConstraint("status in ('branch','box','used','void')", name="ck_vouchers_status"),
        Index("ix_vouchers_holder", "branch_code", "kind", "status", "teller_code", "number"),
    )


class VoucherMovement(Base):
    """凭证登记簿: one receive / issue / use / void / return of a number range."""

    __tablename__ = "voucher_movements"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    business_date: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    action: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(ForeignKey("voucher_kinds.code"))
    first_number: Mapped[str] = mapped_column(String(32))
    last_number: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer)
    operator: Mapped[str] = mapped_column(ForeignKey("users.code"))
    teller_code: Mapped[str | None] = mapped_column(ForeignKey("users.code"), nullable=True)
    entry_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(String(80), default="")
    __table_args__ = (
        CheckConstraint("action in ('receive','issue','use','void','return')",
                        name="ck_voucher_movements_action"),
        Index("ix_voucher_movements_branch_date", "branch_code", "business_date"),
    )
