"""Where a flow gets the number of a medium it issues (新存折凭证号 / 新卡号).

A new passbook is the smallest passbook in the teller's box of important blank
vouchers (CBUS §3.9, §4.6): the page proposes it (summary), the teller may key
the number printed on the book in hand to confirm it, and the core uses it in
the step's own entry and refuses any other. A new card keeps the PAN read from
the chip as its number; the blank card it is counted as is the smallest serial
of the box's card stock (docs/operations.md).
"""
from __future__ import annotations

from teller.domain.problems import Problem
from teller.transactions.context import Services
from teller.transactions.flow import FlowState

NEW_PASSBOOK_FIELD = "new_voucher"
NEW_CARD_FIELD = "new_card"
#: The blank-voucher kind (teller.core.vouchers.blank) each medium is drawn from.
VOUCHER_KINDS = {"passbook": "passbook", "card": "debit_card"}
_NAMES = {"passbook": ("存折", "passbook"), "card": ("空白卡", "blank card")}


def proposed_number(services: Services, kind: str) -> str | None:
    """The smallest voucher of the medium's kind in the teller's box."""
    return services.core.vouchers.use_next(services.branch, services.teller, VOUCHER_KINDS[kind])


def new_medium_number(state: FlowState, services: Services, kind: str) -> str | None:
    """The number of the next passbook (``kind='passbook'``: the one keyed to
    confirm, else the box's smallest) or card (the PAN read)."""
    if kind == "card":
        value = state.get(NEW_CARD_FIELD)
        return getattr(value, "number", value) or None
    return state.get(NEW_PASSBOOK_FIELD) or proposed_number(services, kind)


def box_problems(state: FlowState, services: Services, kind: str,
                 field: str) -> list[Problem]:
    """Early message: none of the kind in the box, or a keyed passbook number
    other than the box's smallest (named)."""
    zh, en = _NAMES[kind]
    proposed = proposed_number(services, kind)
    if proposed is None:
        return [Problem(field, f"尾箱中没有{zh}，请先领用", f"No {en} in your box; draw some first")]
    keyed = state.get(NEW_PASSBOOK_FIELD) if kind == "passbook" else None
    if keyed and keyed != proposed:
        return [Problem(field, f"必须使用尾箱中最小号码的{zh}：{proposed}（输入的是 {keyed}）",
                        f"Use the smallest {en} in the box: {proposed} (not {keyed})")]
    return []


def box_summary(services: Services, kind: str) -> tuple[tuple[str, str, str], ...]:
    zh, en = _NAMES[kind]
    return ((f"新{zh}凭证号（尾箱最小号）", f"New {en} (smallest in box)",
             proposed_number(services, kind) or "无 none"),)


def voucher_number_problems(name: str, text: str | None) -> list[Problem]:
    if text and (not text.isdigit() or not 6 <= len(text) <= 32):
        return [Problem(name, "凭证号须为6至32位数字", "A voucher number is 6-32 digits")]
    return []
