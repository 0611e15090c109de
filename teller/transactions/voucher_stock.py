"""Pieces shared by the blank-voucher flows (重要空白凭证 07110–07150): the kind
and number fields, the range rule and the stock summary. The core enforces
every rule again (teller.core.vouchers.blank); these give the early message."""
from __future__ import annotations

from teller.domain.problems import Problem
from teller.transactions.context import Services
from teller.transactions.fields import ChoiceField, TextField
from teller.transactions.flow import FlowState, Page

KIND_CHOICES = (
    ("passbook", "存折", "Passbook"),
    ("debit_card", "借记卡", "Debit card"),
    ("deposit_slip", "存单", "Time-deposit slip"),
    ("certificate", "存款证实书", "Deposit certificate"),
)
MAX_RANGE = 10_000
VOID_REASON_CHOICES = (
    ("spoiled", "印制错误或损坏", "Spoiled print or damaged"),
    ("returned_medium", "收回客户介质", "Medium returned by the customer"),
)


def kind_field() -> ChoiceField:
    return ChoiceField("kind", "凭证种类", "Voucher kind", choices=KIND_CHOICES)


def number_field(name: str, label: str, label_en: str) -> TextField:
    return TextField(name, label, label_en, max_len=32)


def range_rules(state: FlowState, services: Services) -> list[Problem]:
    """起始/终止号码: digits of one length, first ≤ last, at most MAX_RANGE."""
    first, last = state["first"] or "", state["last"] or ""
    out = [Problem(n, "凭证号码须为数字", "A voucher number is digits only")
           for n, v in (("first", first), ("last", last)) if not (v.isascii() and v.isdigit())]
    if out:
        return out
    if len(first) != len(last):
        return [Problem("last", "起止号码位数须相同", "Both numbers need the same length")]
    if int(last) < int(first):
        return [Problem("last", "终止号码不能小于起始号码", "The last number is before the first")]
    if int(last) - int(first) + 1 > MAX_RANGE:
        return [Problem("last", f"一次最多处理 {MAX_RANGE} 张", f"At most {MAX_RANGE} at a time")]
    return []


def stock_summary(own_box: bool):
    """Read-only lines: the stock of the chosen kind (the branch's, or the teller's box)."""
    def summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
        kind = state["kind"]
        lines = services.core.vouchers.stock(services.branch,
                                             services.teller if own_box else None)
        out = []
        for s in lines:
            if s.kind != kind or (not own_box and s.holder != "branch"):
                continue
            runs = ", ".join(a if a == b else f"{a}-{b}" for a, b in s.runs) or "无"
            who = "本柜员尾箱" if own_box else "网点库存"
            out.append((f"{who}{s.kind_name}", "In stock", f"{s.count} 张：{runs}"))
        return tuple(out) or (("库存", "In stock", "无"),)
    return summary


def count_of(state: FlowState) -> int:
    return int(state["last"]) - int(state["first"]) + 1


def range_page(*, own_box: bool) -> Page:
    """The number-range page of 07110/07120/07140: kind, first and last number,
    and the stock (the branch's, or with ``own_box`` the teller's box) alongside."""
    return Page("range", "凭证号段", "Number range",
                fields=(kind_field(), number_field("first", "起始号码", "First number"),
                        number_field("last", "终止号码", "Last number")),
                rules=range_rules, summary=stock_summary(own_box=own_box))
