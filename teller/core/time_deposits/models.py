"""Time deposit tables (整存整取): each time account's contract and its deposit slips."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean, Date, ForeignKey, Index, Integer, String,
)
from sqlalchemy.orm import Mapped, mapped_column

from teller.core.ledger.models import Base


class TimeDeposit(Base):
    """整存整取 contract of one personal time account (kind personal_time, 2018).

    ``start_date`` is the 起息日 of the current period; an automatic rollover
    (自动转存) moves it to the old maturity date and takes the rate of that day.
    """

    __tablename__ = "time_deposits"
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"), primary_key=True)
    product_code: Mapped[str] = mapped_column(ForeignKey("products.code"))
    term_months: Mapped[int] = mapped_column(Integer)
    rate_micro: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date] = mapped_column(Date)
    maturity_date: Mapped[dt.date] = mapped_column(Date)
    auto_rollover: Mapped[bool] = mapped_column(Boolean, default=False)
    rollovers: Mapped[int] = mapped_column(Integer, default=0)
    opened_entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    __table_args__ = (Index("ix_time_deposits_maturity", "maturity_date"),)


class DepositSlip(Base):
    """存单: a printed slip number issued for a time deposit (at opening, or for
    the remainder after a partial early withdrawal — 部提换单)."""

    __tablename__ = "deposit_slips"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slip_number: Mapped[str] = mapped_column(String(32), unique=True)
    account_number: Mapped[str] = mapped_column(ForeignKey("accounts.number"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    reason: Mapped[str] = mapped_column(String(16))  # open | partial
    issued_on: Mapped[dt.date] = mapped_column(Date)
    __table_args__ = (Index("ix_deposit_slips_account", "account_number", "id"),)
