"""Loss-report tables (挂失): one row per incident, and the bank's fee per kind."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from teller.core.ledger.models import Base


class LossIncident(Base):
    """挂失事故. ``kind``: oral 口头 | written 书面 | password 密码 | voucher_password 凭证+密码.

    ``status``: active, then one of released 解挂, expired (oral, after 5 days),
    superseded (an oral one replaced by a written one), reissued 补发,
    password_reset 密码补设, closed 挂失销户.
    """

    __tablename__ = "loss_incidents"
    incident_number: Mapped[str] = mapped_column(String(19), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True)
    control_id: Mapped[int | None] = mapped_column(ForeignKey("account_controls.id"),
                                                   nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(12), default="counter")
    status: Mapped[str] = mapped_column(String(16), default="active")
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    business_date: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # last day in force
    medium_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    medium_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    agent_name: Mapped[str] = mapped_column(String(40), default="")
    agent_id_type: Mapped[str] = mapped_column(String(20), default="")
    agent_id_number: Mapped[str] = mapped_column(String(40), default="")
    fee_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"),
                                                     nullable=True)
    supersedes: Mapped[str | None] = mapped_column(String(19), nullable=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.code"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    ended_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    new_medium_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    remark: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (
        CheckConstraint("kind in ('oral','written','password','voucher_password')",
                        name="ck_loss_incidents_kind"),
        CheckConstraint("channel in ('counter','phone')", name="ck_loss_incidents_channel"),
        CheckConstraint("status in ('active','released','expired','superseded','reissued',"
                        "'password_reset','closed')", name="ck_loss_incidents_status"),
        Index("ix_loss_incidents_account_status", "account_number", "status"),
        Index("ix_loss_incidents_customer_status", "customer_id", "status"),
    )


class LossFeeRate(Base):
    """挂失手续费 per report kind (fen); no row or 0 = no fee. Paid in cash: the
    reported account itself cannot be debited while the report stands."""

    __tablename__ = "loss_fee_rates"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    fee_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (CheckConstraint("fee_fen >= 0", name="ck_loss_fee_rates_nonnegative"),)
