"""Account controls (账户控制): controls and freezes, the control register
(登记簿), judicial cases, and transaction-limit rules with their usage."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from teller.core.ledger.models import Base


class AccountControl(Base):
    """账户控制: holds, receive-only/pay-only/sealed, freezes and loss reports.

    The posting engine reads the active rows of the accounts it debits inside
    its own transaction, so a control takes effect for every path at once.
    """

    __tablename__ = "account_controls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    kind: Mapped[str] = mapped_column(String(24))
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    incident_number: Mapped[str] = mapped_column(String(19))
    status: Mapped[str] = mapped_column(String(16), default="active")
    starts_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.code"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="{}")
    __table_args__ = (
        CheckConstraint(
            "kind in ('hold','receive_only','pay_only','sealed','freeze_full',"
            "'freeze_partial','freeze_one_way','loss_report')", name="ck_controls_kind"),
        Index("ix_controls_account_status", "account_number", "status"),
    )


class ControlEvent(Base):
    """登记簿: one line per event of a control, limit rule or judicial incident
    (add, maintain, release, freeze, renew, queue, activate, unfreeze, deduct,
    expire …). ``before``/``after`` are JSON snapshots of what changed. Rows
    written by a teller's step carry its idempotency key, so a repeated step
    returns the first result instead of acting twice."""

    __tablename__ = "control_events"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    incident_number: Mapped[str] = mapped_column(String(19))
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    area: Mapped[str] = mapped_column(String(12))  # control | limit | judicial
    event: Mapped[str] = mapped_column(String(24))
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    before: Mapped[str] = mapped_column(Text, default="{}")
    after: Mapped[str] = mapped_column(Text, default="{}")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True)
    branch_code: Mapped[str] = mapped_column(String(8))
    teller_code: Mapped[str] = mapped_column(String(16))
    supervisor_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    business_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ix_control_events_incident", "incident_number"),
                      Index("ix_control_events_account", "account_number"))


class JudicialCase(Base):
    """协助执法事故: the authority (有权机关) behind a freeze or deduction.

    ``complete`` is False after a quick freeze/deduction (快速冻结/扣划) until the
    authority's details are filled in. ``control_id`` is the freeze (None for a
    direct deduction)."""

    __tablename__ = "judicial_cases"
    incident_number: Mapped[str] = mapped_column(String(19), primary_key=True)
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    control_id: Mapped[int | None] = mapped_column(ForeignKey("account_controls.id"),
                                                   nullable=True)
    action: Mapped[str] = mapped_column(String(12))  # freeze | deduction | inquiry
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    authority_type: Mapped[str] = mapped_column(String(16), default="")
    authority_name: Mapped[str] = mapped_column(String(80), default="")
    notice_number: Mapped[str] = mapped_column(String(40), default="")
    officers: Mapped[str] = mapped_column(Text, default="[]")  # [{name,id_type,id_number}]
    complete: Mapped[bool] = mapped_column(Boolean, default=True)
    deducted_total: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.code"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ix_judicial_cases_account", "account_number"),)


class LimitRule(Base):
    """账户交易控制 (18101): limits on an account's transactions.

    ``category``: any | cash | transfer (交易类别); ``direction``: any | in | out
    (控制方向); ``channel``: any | counter (控制渠道). Every amount is fen and
    every limit is optional (NULL = no limit). ``action`` on breach: reject |
    auth_a | auth_b | warn (超限控制方式)."""

    __tablename__ = "limit_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_number: Mapped[str] = mapped_column(String(19), unique=True)
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    category: Mapped[str] = mapped_column(String(12), default="any")
    direction: Mapped[str] = mapped_column(String(8), default="any")
    channel: Mapped[str] = mapped_column(String(12), default="any")
    single_min: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    single_max: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    daily_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    daily_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    monthly_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    monthly_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quarterly_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    quarterly_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    yearly_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    yearly_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    balance_floor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    balance_ceiling: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    action: Mapped[str] = mapped_column(String(8), default="reject")
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|released|expired
    starts_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.code"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ix_limit_rules_account_status", "account_number", "status"),)


class LimitUsage(Base):
    """Usage counter of one account, business day, direction and category —
    monthly/quarterly/yearly figures are sums over the days. Bumped by the
    posting engine under the account lock, only for accounts that have rules."""

    __tablename__ = "limit_usage"
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"), primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    direction: Mapped[str] = mapped_column(String(4), primary_key=True)  # in | out
    category: Mapped[str] = mapped_column(String(12), primary_key=True)  # cash | transfer
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    count: Mapped[int] = mapped_column(Integer, default=0)
