"""Customers (客户)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    DateTime, ForeignKey, Integer, String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from teller.core.ledger.models import Base


class Customer(Base):
    """客户: personal (ID type + number) or unit (credit code)."""

    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # personal | unit
    id_type: Mapped[str] = mapped_column(String(16))  # resident_id | passport | credit_code ...
    id_number: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    occupation: Mapped[str] = mapped_column(String(40), default="")
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("id_type", "id_number", name="uq_customers_document"),)
