"""Business-rule failures as data.

Validators and flows return a list of :class:`Problem` instead of raising, so a
form can show every problem next to its field at once and a headless caller can
inspect them.  An empty list means "no problems".

>>> p = Problem("amount", "金额格式不正确", "invalid amount format")
>>> p.field, p.message
('amount', '金额格式不正确')
>>> p == Problem("amount", "金额格式不正确", "invalid amount format")
True
>>> str(p)
'amount: 金额格式不正确'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One failed rule: which field, the teller-facing zh_CN text, optional English."""

    field: str
    message: str
    message_en: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"
