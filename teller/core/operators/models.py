"""Operators (操作员), terminals (终端) and supervisors' authorizations (授权记录)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from teller.core.ledger.models import Base


class User(Base):
    """操作员: teller, supervisor (A/B), ATM custodian or administrator."""

    __tablename__ = "users"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(16))
    auth_level: Mapped[str | None] = mapped_column(String(1), nullable=True)  # 'A' | 'B'
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    total_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    locked_by_policy: Mapped[bool] = mapped_column(Boolean, default=False)  # needs an admin
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | disabled
    last_sign_on_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    __table_args__ = (
        CheckConstraint("role in ('teller','supervisor','atm_custodian','administrator')",
                        name="ck_users_role"),
    )


class Terminal(Base):
    """终端: a counter position of a branch."""

    __tablename__ = "terminals"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    name: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")


class Authorization(Base):
    """授权记录: a supervisor's approval (or refusal) of a teller's step."""

    __tablename__ = "authorizations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True)
    supervisor_code: Mapped[str] = mapped_column(ForeignKey("users.code"))
    teller_code: Mapped[str] = mapped_column(ForeignKey("users.code"))
    level: Mapped[str] = mapped_column(String(1))
    reasons: Mapped[str] = mapped_column(Text)  # JSON list of strings
    outcome: Mapped[str] = mapped_column(String(16))  # granted | refused
    remark: Mapped[str] = mapped_column(String(200), default="")
    txn_code: Mapped[str] = mapped_column(String(8), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
