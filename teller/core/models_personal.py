"""Tables of the personal deposit business (个人存款业务, issue 5A).

- ``account_events`` — what a core action (开户 open, 销户 close, 结息 interest
  settlement, 账户信息维护 maintenance) changed on an account, with the values
  before and after, tied to the journal entry that did it. The entry's reversal
  (08210) reads these rows to undo exactly that change; 18500 shows the same
  before/after pairs.
- ``sms_signings`` — 短信通知签约: up to 5 mobiles per account.
- ``account_verifications`` — 业务核实登记: how the opening was verified
  (电话核实 by default).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from teller.core.models import Base


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
