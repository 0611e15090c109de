"""Pieces shared by the personal deposit flows (00010, 10010, 10040, 18500, queries):
the customer page (same page in 00010 and 10010), the medium number, labels.

The medium issued — ONE place: :func:`medium_voucher`. A passbook is the
smallest passbook in the teller's box of blank vouchers (its number is the
passbook number); a card is the smallest blank card of the box by its stock
serial, while the account is bound to the PAN read from the chip
(docs/operations.md). The page proposes the number; the core uses it in the
opening's own entry and refuses any other.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from teller.core.customers.service import CUSTOMER_FIELDS, customer_problems
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.context import Services
from teller.transactions.fields import IdField, TextField
from teller.transactions.flow import FlowState

CUSTOMER_PAGE_FIELDS = (
    IdField("id", "证件类型及号码", "ID type and number"),
    TextField("name", "客户姓名", "Name", required=False, max_len=40,
              help="新客户必填；老客户留空则不变", help_en="Required for a new customer"),
    TextField("name_en", "英文名（证书用）", "English name (certificates)", required=False,
              max_len=60),
    TextField("phone", "联系电话", "Phone", required=False, max_len=20),
    TextField("address", "地址", "Address", required=False, max_len=100),
    TextField("occupation", "职业", "Occupation", required=False, max_len=40),
)

PASSBOOK_NUMBER = re.compile(r"\d{8}")
PASSBOOK_NUMBER_FIELD = TextField(
    "passbook_number", "存折号码（核对）", "Passbook number (check)", required=False,
    max_len=12, help="自动取尾箱中最小号码的存折；可留空或输入手中存折号核对",
    help_en="The smallest passbook in your box; blank takes it")
#: The blank-voucher kind (teller.core.vouchers.blank) each medium is drawn from.
MEDIUM_VOUCHER = {"passbook": "passbook", "card": "debit_card"}
VOUCHER_NAME = {"passbook": ("存折", "passbook"), "card": ("空白卡", "blank card")}

CLASS_TEXT = {"I": "Ⅰ类", "II": "Ⅱ类", "III": "Ⅲ类"}
METHOD_TEXT = {"password": "凭密", "certificate_password": "凭证件+密码"}
SCOPE_TEXT = {"all_branches": "全行通存通兑", "this_branch": "仅本网点"}
MEDIUM_TEXT = {"card": "IC借记卡", "passbook": "活期存折", "card_void": "IC借记卡(已作废)",
               "passbook_void": "活期存折(已作废)"}


def proposed_voucher(services: Services, medium: str) -> str | None:
    """The smallest voucher of the medium's kind in the teller's box."""
    return services.core.vouchers.use_next(services.branch, services.teller,
                                           MEDIUM_VOUCHER[medium])


def medium_voucher(state: FlowState, services: Services) -> tuple[str, str | None]:
    """(voucher kind, number) of the medium this flow hands out: the number keyed
    to confirm a passbook, else the box's smallest."""
    medium = state["medium_kind"] or "passbook"
    number = state["passbook_number"] if medium == "passbook" else None
    return MEDIUM_VOUCHER[medium], number or proposed_voucher(services, medium)


def passbook_number(state: FlowState, services: Services) -> str:
    """The passbook issued by this flow (from the teller's box)."""
    return medium_voucher(state, services)[1] or ""


def voucher_problems(state: FlowState, services: Services, field: str) -> list[Problem]:
    """Early message: none of the kind in the box, or a keyed passbook number
    other than the box's smallest."""
    medium = state["medium_kind"] or "passbook"
    zh, en = VOUCHER_NAME[medium]
    proposed = proposed_voucher(services, medium)
    if proposed is None:
        return [Problem(field, f"尾箱中没有{zh}，请先领用",
                        f"No {en} in your box; draw some first")]
    keyed = state["passbook_number"] if medium == "passbook" else None
    if keyed and keyed != proposed:
        return [Problem(field, f"必须使用尾箱中最小号码的{zh}：{proposed}（输入的是 {keyed}）",
                        f"Use the smallest {en} in the box: {proposed} (not {keyed})")]
    return []


def voucher_summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    medium = state["medium_kind"] or "passbook"
    zh, en = VOUCHER_NAME[medium]
    return ((f"{zh}凭证号（尾箱最小号）", f"{en.capitalize()} (smallest in box)",
             proposed_voucher(services, medium) or "无 none"),)


def passbook_number_problems(state: FlowState, services: Services) -> list[Problem]:
    problems = voucher_problems(state, services, "passbook_number")
    if problems:
        return problems
    number = passbook_number(state, services)
    holder = services.core.personal.medium_holder("passbook", number)
    if holder:
        return [Problem("passbook_number", f"该存折已用于账户 {holder}",
                        "This passbook is already in use")]
    return []


def customer_data(state: FlowState) -> dict[str, Any]:
    doc = state["id"]
    data = {"id_type": doc.type if doc else "", "id_number": doc.number if doc else ""}
    data.update({k: state.get(k, "") for k in CUSTOMER_FIELDS})
    return data


def customer_rules(*, opening: bool) -> Callable[[FlowState, Services], list[Problem]]:
    """A new customer needs a name; an existing one is found by the document (no
    duplicates). When opening, a typed name must match the record."""
    def rules(state: FlowState, services: Services) -> list[Problem]:
        data = customer_data(state)
        existing = services.core.personal.customer(data["id_type"], data["id_number"])
        problems = customer_problems(data, require_name=existing is None)
        if not opening and existing is not None and not problems and not any(
                data[k] and data[k] != getattr(existing, k) for k in CUSTOMER_FIELDS):
            problems.append(Problem("name", "客户已存在，没有修改任何项目",
                                    "The customer exists and nothing was changed"))
        if opening and existing is not None and data["name"] and data["name"] != existing.name:
            problems.append(Problem("name", f"姓名与证件登记的不一致（登记为 {existing.name}）",
                                    "The name differs from the customer record"))
        return problems
    return rules


def customer_summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    data = customer_data(state)
    existing = services.core.personal.customer(data["id_type"], data["id_number"])
    if existing is None:
        return (("客户", "Customer", f"新客户：{data['name']}"),)
    lines = [("客户", "Customer", f"老客户：{existing.name}（客户号 {existing.id}）")]
    labels = {f.name: (f.label, f.label_en) for f in CUSTOMER_PAGE_FIELDS}
    for name in CUSTOMER_FIELDS:
        new, old = data[name], getattr(existing, name)
        if new and new != old:
            zh, en = labels[name]
            lines.append((zh, en, f"{old or '（空）'} → {new}"))
    return tuple(lines)


def money(fen: int | None) -> str:
    return Money(fen).format() if fen is not None else ""
