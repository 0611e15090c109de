"""The day-end batch's own table: one row per run (日终批处理记录)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date, DateTime, ForeignKey, Integer, String,
    Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from teller.core.ledger.models import Base


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
