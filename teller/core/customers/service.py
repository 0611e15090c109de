"""Personal customers (个人客户, CBUS 00010): checks, create-or-maintain, look-ups.

A customer is found by its document (证件类型 + 证件号码) — the same person
never gets two customer rows (uq_customers_document). Saving is a step posted
through the kernel with :class:`CustomerSave` (an entry without legs), so it is
keyed, exactly-once and in the teller's journal like every other step.

Worked example::

    >>> d = dict(id_type="resident_id", id_number="11010519491231002X", name="张三",
    ...          name_en="ZHANG SAN", phone="13800000009", address="", occupation="")
    >>> customer_problems(d)
    []
    >>> [p.message for p in customer_problems({**d, "name_en": "张三"})]
    ['英文名只能由英文字母、空格及 . - / 组成']
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.customers.models import Customer
from teller.core.ledger import models as m
from teller.core.ledger.db import reader
from teller.core.ledger.records import Attachment, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.domain.identity import check_resident_id, normalize_resident_id
from teller.domain.problems import Problem

customers_t = Customer.__table__
accounts_t = m.Account.__table__

ID_TYPE_CODES = ("resident_id", "passport", "hk_macao_permit", "taiwan_permit",
                 "foreign_permanent")
#: Column widths of the customers table — checked here so nothing typed can break a row.
MAX_LEN = {"name": 80, "name_en": 80, "phone": 20, "address": 200, "occupation": 40,
           "id_number": 40}
_NAME_EN = re.compile(r"[A-Za-z][A-Za-z .\-/]*")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_PHONE = re.compile(r"[0-9][0-9\-]{6,19}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CUSTOMER_FIELDS = ("name", "name_en", "phone", "address", "occupation")


@dataclass(frozen=True)
class CustomerInfo:
    """客户信息 as flows see it."""

    id: int
    kind: str
    id_type: str
    id_number: str
    name: str
    name_en: str
    phone: str
    address: str
    occupation: str
    branch: str


def normalize_document(id_type: str, id_number: str) -> str:
    return (normalize_resident_id(id_number) if id_type == "resident_id"
            else (id_number or "").strip().upper())


def customer_problems(data: Mapping[str, Any], *, require_name: bool = True) -> list[Problem]:
    """Every rule on a customer's typed details; the core checks them again."""
    out: list[Problem] = []
    id_type, number = data.get("id_type") or "", data.get("id_number") or ""
    if id_type not in ID_TYPE_CODES:
        out.append(Problem("id", "证件类型不正确", "Unknown ID type"))
    elif id_type == "resident_id":
        out += [Problem("id", p.message, p.message_en) for p in check_resident_id(number)]
    elif not number.strip() or len(number.strip()) > MAX_LEN["id_number"] \
            or not number.strip().isascii() or not number.strip().replace("-", "").isalnum():
        out.append(Problem("id", "证件号码只能由字母和数字组成，最多40位",
                           "ID number: letters and digits, at most 40"))
    for name in CUSTOMER_FIELDS:
        value = data.get(name) or ""
        if not isinstance(value, str):
            out.append(Problem(name, "须为文本", "must be text"))
        elif len(value) > MAX_LEN[name]:
            out.append(Problem(name, f"不能超过{MAX_LEN[name]}个字",
                               f"at most {MAX_LEN[name]} characters"))
        elif _CONTROL.search(value):
            out.append(Problem(name, "不能含有控制字符", "must not contain control characters"))
    if require_name and not (data.get("name") or "").strip():
        out.append(Problem("name", "请输入客户姓名", "The customer's name is required"))
    name_en = (data.get("name_en") or "").strip()
    if name_en and not _NAME_EN.fullmatch(name_en):
        out.append(Problem("name_en", "英文名只能由英文字母、空格及 . - / 组成",
                           "English name: Latin letters, spaces and . - / only"))
    phone = (data.get("phone") or "").strip()
    if phone and not (_MOBILE.fullmatch(phone) or _PHONE.fullmatch(phone)):
        out.append(Problem("phone", "联系电话格式不正确（手机11位或固定电话）",
                           "Phone: an 11-digit mobile or a landline number"))
    return out


def _info(r) -> CustomerInfo:
    return CustomerInfo(r.id, r.kind, r.id_type, r.id_number, r.name, r.name_en, r.phone,
                        r.address, r.occupation, r.branch_code)


def find_customer(conn: Connection, id_type: str, id_number: str) -> CustomerInfo | None:
    r = conn.execute(select(customers_t).where(
        customers_t.c.id_type == id_type,
        customers_t.c.id_number == normalize_document(id_type, id_number))).first()
    return _info(r) if r is not None else None


def save_customer(conn: Connection, data: Mapping[str, Any], *, branch: str,
                  now: dt.datetime) -> tuple[int, dict, dict]:
    """Create the customer, or update the fields given (blank = keep). Returns
    (id, before, after) of the changed fields."""
    existing = find_customer(conn, data["id_type"], data["id_number"])
    problems = customer_problems(data, require_name=existing is None)
    if problems:
        p = problems[0]
        raise PostingRefused("bad_customer", p.message, p.message_en)
    given = {k: (data.get(k) or "").strip() for k in CUSTOMER_FIELDS}
    if existing is None:
        cid = conn.execute(insert(customers_t).values(
            kind="personal", id_type=data["id_type"],
            id_number=normalize_document(data["id_type"], data["id_number"]),
            branch_code=branch, created_at=now, **given).returning(customers_t.c.id)).scalar_one()
        return int(cid), {}, {k: v for k, v in given.items() if v}
    before = {k: getattr(existing, k) for k in CUSTOMER_FIELDS
              if given[k] and given[k] != getattr(existing, k)}
    after = {k: given[k] for k in before}
    if after:
        conn.execute(update(customers_t).where(customers_t.c.id == existing.id).values(**after))
    return existing.id, before, after


@dataclass(frozen=True)
class CustomerDetails:
    """A personal customer's document and details as a step gives them (blank =
    keep what is on record)."""

    id_type: str
    id_number: str
    name: str = ""
    name_en: str = ""
    phone: str = ""
    address: str = ""
    occupation: str = ""

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class CustomerSave(Attachment, wire_name="customers.save"):
    """00010: create the customer, or update the details given."""

    customer: CustomerDetails


class CustomerSaveRule(PostingRule):
    """个人客户信息维护: every rule on the details again, then create or update."""

    name = "customers.save"

    def applies(self, request) -> bool:
        return request.one(CustomerSave) is not None

    def prepare(self, p: Posting) -> None:
        a = p.request.one(CustomerSave)
        assert a is not None
        cid, _, _ = save_customer(p.conn, a.customer.as_dict(), branch=p.request.branch,
                                  now=p.now)
        p.fact("customer_id", str(cid))


class CustomerService:
    """Read side: a customer by document, and a customer's accounts."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def find(self, id_type: str, id_number: str) -> CustomerInfo | None:
        with reader(self.engine) as conn:
            return find_customer(conn, id_type, id_number)

    def by_id(self, customer_id: int) -> CustomerInfo | None:
        with reader(self.engine) as conn:
            r = conn.execute(select(customers_t).where(customers_t.c.id == customer_id)).first()
        return _info(r) if r is not None else None
