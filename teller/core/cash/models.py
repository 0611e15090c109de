"""Cash tables (现金): denominations, boxes and their counts, movements per
entry, transfers, teller days, balancings, over/short items, hand-overs, and
the large-cash register (大额现金登记, 18590)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from teller.core.ledger.models import Base


class CashDenomination(Base):
    """券别: a note or coin value in fen; ``active`` ones may be counted."""

    __tablename__ = "cash_denominations"
    value_fen: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(20))
    form: Mapped[str] = mapped_column(String(8))  # note | coin
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CashBox(Base):
    """尾箱 / 金库: a 1001 account that holds cash by denomination.

    ``holder_user`` is who has drawn the box today (NULL: stored in the vault);
    ``limit_fen`` is the teller's cash limit (尾箱限额), NULL for none."""

    __tablename__ = "cash_boxes"
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"), primary_key=True)
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    kind: Mapped[str] = mapped_column(String(8))  # vault | teller
    holder_user: Mapped[str | None] = mapped_column(ForeignKey("users.code"), nullable=True)
    status: Mapped[str] = mapped_column(String(8), default="stored")  # stored | drawn
    limit_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    drawn_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    __table_args__ = (
        CheckConstraint("kind in ('vault','teller')", name="ck_cash_boxes_kind"),
        CheckConstraint("status in ('stored','drawn')", name="ck_cash_boxes_status"),
    )


class CashHolding(Base):
    """How many pieces of one denomination a box holds; never below zero."""

    __tablename__ = "cash_holdings"
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"), primary_key=True)
    value_fen: Mapped[int] = mapped_column(ForeignKey("cash_denominations.value_fen"),
                                           primary_key=True)
    pieces: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (CheckConstraint("pieces >= 0", name="ck_cash_holdings_pieces"),)


class CashMovement(Base):
    """券别 of one cash entry on one box (insert-only): the pieces received and
    the pieces paid, each as JSON ``[[value_fen, pieces], ...]`` largest first
    (``json.dumps(teller.domain.cash.pairs(counts))``, the form cash_transfers
    keeps). One row per entry and box rather than per denomination: a deposit
    in nine denominations writes one row, not nine (migration 0022)."""

    __tablename__ = "cash_movements"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    received: Mapped[str] = mapped_column(Text)
    paid: Mapped[str] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint("received <> '[]' OR paid <> '[]'", name="ck_cash_movements_counts"),
        Index("ix_cash_movements_entry", "entry_id"),
        # a box's last movement (cashbox.last_movement_id: is it still balanced?)
        Index("ix_cash_movements_account", "account_number", "id"),
    )


class CashTransfer(Base):
    """现金调拨: cash handed from one box to another, in transit (on the 2241
    in-transit account) until the receiver confirms the count."""

    __tablename__ = "cash_transfers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    business_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # issue | hand_in | teller
    from_account: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    to_account: Mapped[str | None] = mapped_column(ForeignKey("accounts.number"), nullable=True)
    from_user: Mapped[str] = mapped_column(ForeignKey("users.code"))
    to_user: Mapped[str | None] = mapped_column(ForeignKey("users.code"), nullable=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    counts: Mapped[str] = mapped_column(Text)  # JSON [[value_fen, pieces], ...]
    status: Mapped[str] = mapped_column(String(12), default="in_transit")
    out_entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    in_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"),
                                                    nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(ForeignKey("users.code"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    __table_args__ = (
        CheckConstraint("status in ('in_transit','confirmed','returned')",
                        name="ck_cash_transfers_status"),
        Index("ix_cash_transfers_status", "branch_code", "status"),
    )


class TellerDay(Base):
    """柜员日: a teller's sign-on (签到) to sign-off (签退) on one business date."""

    __tablename__ = "teller_days"
    teller_code: Mapped[str] = mapped_column(ForeignKey("users.code"), primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    terminal_code: Mapped[str] = mapped_column(String(16), default="")
    box_account: Mapped[str | None] = mapped_column(ForeignKey("accounts.number"), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="signed_on")
    signed_on_at: Mapped[dt.datetime] = mapped_column(DateTime)
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    __table_args__ = (
        CheckConstraint("status in ('signed_on','signed_off')", name="ck_teller_days_status"),
        Index("ix_teller_days_branch", "branch_code", "business_date", "status"),
    )


class CashBalancing(Base):
    """轧账: one blind count of a box against the system figure."""

    __tablename__ = "cash_balancings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    teller_code: Mapped[str] = mapped_column(ForeignKey("users.code"))
    business_date: Mapped[dt.date] = mapped_column(Date)
    box_account: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    counted: Mapped[str] = mapped_column(Text)  # JSON [[value_fen, pieces], ...]
    system: Mapped[str] = mapped_column(Text)
    difference: Mapped[int] = mapped_column(BigInteger)  # counted - system, fen
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True)
    # The box's last movement once balanced: a later movement unbalances it.
    last_movement_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class OverShortItem(Base):
    """长短款登记簿: an overage (长款) or shortage (短款) in suspense until resolved."""

    __tablename__ = "over_short_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    business_date: Mapped[dt.date] = mapped_column(Date)
    teller_code: Mapped[str] = mapped_column(ForeignKey("users.code"))
    box_account: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    kind: Mapped[str] = mapped_column(String(8))  # over | short
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | resolved
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    authorized_by: Mapped[str] = mapped_column(ForeignKey("users.code"))
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)
    resolved_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"),
                                                          nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(ForeignKey("users.code"), nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    remark: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (
        CheckConstraint("kind in ('over','short')", name="ck_over_short_kind"),
        CheckConstraint("status in ('open','resolved')", name="ck_over_short_status"),
        Index("ix_over_short_branch_status", "branch_code", "status"),
    )


class CashHandover(Base):
    """尾箱交接: a box passed from one teller to another, both present, counted."""

    __tablename__ = "cash_handovers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    box_account: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    from_user: Mapped[str] = mapped_column(ForeignKey("users.code"))
    to_user: Mapped[str] = mapped_column(ForeignKey("users.code"))
    business_date: Mapped[dt.date] = mapped_column(Date)
    counts: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime] = mapped_column(DateTime)


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
