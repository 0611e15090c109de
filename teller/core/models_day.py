"""Tables of the day's own machinery: important blank vouchers (重要空白凭证)
and the day-end batch log (日终批处理登记簿).

- ``voucher_kinds`` — which voucher kinds the bank stocks (存折, 借记卡, 存单 …)
  and how long their printed numbers are; configurable rows, not code.
- ``vouchers`` — one row per numbered voucher: who holds it (the branch's
  stock, or a teller's box) and its state (``branch`` | ``box`` | ``used`` |
  ``void``). Numbers of a kind have a fixed width, so text order is number
  order and "the smallest number in the box" is an index range scan.
- ``voucher_movements`` — the stock register (凭证登记簿): every receive,
  issue, use, void and return as a number range, with the journal entry that
  moved the 9001 off-balance count.
- ``day_end_runs`` — one row per branch and business date closed, with the
  steps' figures as JSON; the unique key makes a second run of a date refuse.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String,
    Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from teller.core.models import Base


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


class DayEndRun(Base):
    """日终登记: the batch of one branch's business date and what each step did."""

    __tablename__ = "day_end_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    business_date: Mapped[dt.date] = mapped_column(Date)
    next_business_date: Mapped[dt.date] = mapped_column(Date)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime)
    operator: Mapped[str] = mapped_column(String(16))
    steps: Mapped[str] = mapped_column(Text, default="{}")
    __table_args__ = (UniqueConstraint("branch_code", "business_date",
                                       name="uq_day_end_runs_branch_date"),)
