"""存单号 — the ONE place where a flow gets the number of a deposit slip it issues.

Until the teller's box of important blank vouchers (issue 7) is merged, the
teller types the number printed on the blank slip (validated: 8–16 digits).
At merge this becomes "the smallest slip number in the teller's box"
(CBUS §3.9, §4.6): replace :func:`issued_slip_field` (then no field) and
:func:`slip_to_issue` (then drawn from the box), nothing else.

>>> SlipNumberField("slip", "存单号").parse("0012 3456")
('00123456', [])
>>> SlipNumberField("slip", "存单号").parse("12AB")[1][0].message
'存单号须为8至16位数字'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from teller.domain.problems import Problem
from teller.transactions.fields import TextField

_SLIP = re.compile(r"\d{8,16}")


@dataclass(frozen=True)
class SlipNumberField(TextField):
    """存单号: 8–16 digits (spaces ignored); shown as a text box."""

    max_len: int = 20

    def _parse(self, raw: Any) -> tuple[Any, list[Problem]]:
        text, problems = super()._parse(raw)
        if problems:
            return None, problems
        text = "".join(text.split())
        if not _SLIP.fullmatch(text):
            return None, [self.problem("存单号须为8至16位数字",
                                       "a slip number has 8 to 16 digits")]
        return text, []


SLIP_VOUCHER = "deposit_slip"  # the blank-voucher kind (teller.core.vouchers.blank)


def issued_slip_field(name: str = "new_slip", *, required: bool = True) -> SlipNumberField:
    """The slip being issued: the smallest blank slip in the teller's box, which
    the page proposes (shown in its summary); the teller may key the number
    printed on the slip in hand to confirm it — any other number is refused.
    Never required: blank takes the proposed number."""
    del required
    return SlipNumberField(name, "新存单号", "New deposit slip number", required=False,
                           help="自动取尾箱中最小号码的空白存单，可留空或输入核对",
                           help_en="The smallest blank slip in your box; blank takes it")


def proposed_slip(services) -> str | None:
    """The number the core will use: the smallest blank slip in the teller's box."""
    return services.core.vouchers.use_next(services.branch, services.teller, SLIP_VOUCHER)


def slip_to_issue(state, services, name: str = "new_slip") -> str | None:
    """The slip number to issue for this step: the one keyed to confirm, else the
    box's smallest (the core refuses any other, in the posting's transaction)."""
    return state[name] or proposed_slip(services)


def slip_problems(state, services, name: str = "new_slip") -> list[Problem]:
    """Early message: no slip in the box, or a keyed number not the box's smallest."""
    proposed = proposed_slip(services)
    if proposed is None:
        return [Problem(name, "尾箱中没有空白存单，请先领用", "No blank slip in your box; draw some")]
    if state[name] and state[name] != proposed:
        return [Problem(name, f"必须使用尾箱中最小号码的存单：{proposed}（输入的是 {state[name]}）",
                        f"Use the smallest slip in the box: {proposed} (not {state[name]})")]
    return []


def slip_summary(state, services, name: str = "new_slip") -> tuple[tuple[str, str, str], ...]:
    proposed = proposed_slip(services)
    return (("新存单号（尾箱最小号）", "New slip (smallest in box)", proposed or "无 none"),)
