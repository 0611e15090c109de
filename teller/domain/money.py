"""Money in integer fen (CNY only), strict parsing, and 大写金额.

Amounts are held as an ``int`` number of fen (分, 0.01 yuan) so arithmetic is
exact.  Nothing here ever accepts a ``float``: a float cannot represent most
decimal amounts, and a silently rounded deposit is a real loss.

Worked example::

    >>> m = Money.parse("¥1,234.56")
    >>> m
    Money(fen=123456)
    >>> m.format(), m.yuan_str()
    ('¥1,234.56', '1234.56')
    >>> (m + Money.parse("0.44")).format()
    '¥1,235.00'
    >>> (-m).format()
    '-¥1,234.56'
    >>> to_chinese_capital(m)
    '壹仟贰佰叁拾肆元伍角陆分'
    >>> to_chinese_capital(Money.parse("1680.32"))
    '壹仟陆佰捌拾元零叁角贰分'
    >>> try:
    ...     Money.parse("12,34.56")
    ... except MoneyFormatError as exc:
    ...     print(exc.message, "/", exc.message_en)
    千分位分隔符位置不正确 / misplaced thousands separator
    >>> parse_amount("1e5")
    (None, [Problem(field='amount', message='金额格式不正确', message_en='invalid amount format')])

大写金额 convention
-------------------
Follows 《正确填写票据和结算凭证的基本规定》 (附于《支付结算办法》).  Where the
rule allows a choice we always take the *first* form of its own examples:

* zeros inside the number read 零 once: 1004.56 → 壹仟零肆元伍角陆分;
  100005 → 壹拾万零伍元整; 1000100 → 壹佰万零壹佰元整;
* a zero 万位 followed by a non-zero 千位 writes no 零 (ordinary Chinese number
  reading): 107000.53 → 壹拾万柒仟元零伍角叁分;
* a zero 元位 (with a non-zero integer part) followed by a non-zero 角 writes
  零 after 元: 1680.32 → 壹仟陆佰捌拾元零叁角贰分 — the rule's first example;
* a zero 角 with a non-zero 分 always writes 零: 325.04 → 叁佰贰拾伍元零肆分;
* 整 follows 元 or 角 when there is no 分, never 分: 1409.50 → 壹仟肆佰零玖元伍角整;
* 10 reads 壹拾 (a bare 拾 is easy to alter on a voucher); below one yuan the
  text starts at 角/分 (0.05 → 伍分); zero is 零元整; negatives get 负.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from teller.domain.problems import Problem

__all__ = [
    "MAX_FEN",
    "Money",
    "MoneyFormatError",
    "parse_amount",
    "to_chinese_capital",
]

#: The largest amount a teller may key: ¥999,999,999,999.99.  Larger input is
#: almost certainly a typing accident, and 大写 units stop at 仟亿.
MAX_FEN = 99_999_999_999_999

# Optional sign, optional currency symbol (either order with the sign first),
# then an integer part that is either plain digits or properly grouped by 3.
_AMOUNT_RE = re.compile(
    r"""
    (?P<sign>-)?
    [¥￥]?
    \s*
    (?P<int>0|[1-9]\d*|[1-9]\d{0,2}(?:,\d{3})+)
    (?:\.(?P<frac>\d{1,2}))?
    """,
    re.VERBOSE | re.ASCII,
)
_LOOSE_NUMBER_RE = re.compile(r"-?[¥￥]?\s*[\d,]+(?:\.\d+)?", re.ASCII)


class MoneyFormatError(ValueError):
    """Text that is not an acceptable amount; ``message`` is for the teller."""

    def __init__(self, message: str, message_en: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.message_en = message_en


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount of CNY as integer fen.  ``Money(fen=123456)`` is ¥1,234.56."""

    fen: int

    def __post_init__(self) -> None:
        # bool is an int subclass; Money(True) is always a bug.
        if isinstance(self.fen, bool) or not isinstance(self.fen, int):
            raise TypeError(f"Money needs integer fen, got {type(self.fen).__name__}")

    # -- construction -----------------------------------------------------
    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    @classmethod
    def parse(
        cls, text: str, *, allow_negative: bool = False, allow_zero: bool = True
    ) -> Money:
        """Parse teller input strictly; raise :class:`MoneyFormatError` if unacceptable."""
        if not isinstance(text, str):
            raise TypeError(f"Money.parse needs str, got {type(text).__name__}")
        s = text.strip()
        if not s:
            raise MoneyFormatError("请输入金额", "amount is required")
        match = _AMOUNT_RE.fullmatch(s)
        if match is None:
            raise _explain_bad_format(s)
        int_part = match.group("int").replace(",", "")
        frac = (match.group("frac") or "").ljust(2, "0")
        fen = int(int_part) * 100 + int(frac)
        if fen > MAX_FEN:
            raise MoneyFormatError(
                "金额超出上限 ¥999,999,999,999.99",
                "amount exceeds ¥999,999,999,999.99",
            )
        if match.group("sign"):
            fen = -fen
        if fen < 0 and not allow_negative:
            raise MoneyFormatError("金额不能为负数", "amount must not be negative")
        if fen == 0 and not allow_zero:
            raise MoneyFormatError("金额不能为零", "amount must not be zero")
        return cls(fen)

    @classmethod
    def total(cls, amounts: Iterable[Money]) -> Money:
        """Sum of amounts; ``Money.zero()`` for none."""
        fen = 0
        for a in amounts:
            fen += a.fen
        return cls(fen)

    # -- arithmetic -------------------------------------------------------
    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen + other.fen)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen - other.fen)

    def __neg__(self) -> Money:
        return Money(-self.fen)

    def __abs__(self) -> Money:
        return Money(abs(self.fen))

    def __mul__(self, factor: object) -> Money:
        # Only whole multiples: scaling by a rate belongs in interest.py with
        # its explicit rounding rule, not in an innocent-looking ``*``.
        if isinstance(factor, bool) or not isinstance(factor, int):
            return NotImplemented
        return Money(self.fen * factor)

    __rmul__ = __mul__

    def __bool__(self) -> bool:
        return self.fen != 0

    @property
    def is_negative(self) -> bool:
        return self.fen < 0

    # -- formatting -------------------------------------------------------
    def yuan_str(self) -> str:
        """Plain decimal yuan, no grouping: ``'1234.56'``, ``'-0.05'``."""
        sign = "-" if self.fen < 0 else ""
        yuan, fen = divmod(abs(self.fen), 100)
        return f"{sign}{yuan}.{fen:02d}"

    def format(self) -> str:
        """Display form with symbol and grouping: ``'¥1,234.56'``, ``'-¥1,234.56'``."""
        sign = "-" if self.fen < 0 else ""
        yuan, fen = divmod(abs(self.fen), 100)
        return f"{sign}¥{yuan:,}.{fen:02d}"

    def __str__(self) -> str:
        return self.format()


def _explain_bad_format(s: str) -> MoneyFormatError:
    """Pick the most helpful message for text the strict pattern rejected."""
    if _LOOSE_NUMBER_RE.fullmatch(s):
        frac = s.partition(".")[2]
        if len(frac) > 2:
            return MoneyFormatError("金额最多两位小数", "at most two decimal places")
        if "," in s:
            return MoneyFormatError("千分位分隔符位置不正确", "misplaced thousands separator")
    return MoneyFormatError("金额格式不正确", "invalid amount format")


def parse_amount(
    text: str,
    field: str = "amount",
    *,
    allow_negative: bool = False,
    allow_zero: bool = True,
) -> tuple[Money | None, list[Problem]]:
    """Form validator: ``(Money, [])`` or ``(None, [Problem(field, ...)])``."""
    try:
        money = Money.parse(text, allow_negative=allow_negative, allow_zero=allow_zero)
    except MoneyFormatError as exc:
        return None, [Problem(field, exc.message, exc.message_en)]
    return money, []


# -- 大写金额 --------------------------------------------------------------
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")  # position inside a 4-digit section
_SECTION_UNITS = ("", "万", "亿")  # 4-digit sections, low to high


def _integer_capital(yuan: int) -> str:
    """Read a positive integer of at most 12 digits in capital numerals."""
    digits = str(yuan)
    out: list[str] = []
    zero_pending = False
    section_has_digit = False
    for i, ch in enumerate(digits):
        pos = len(digits) - 1 - i
        section, place = divmod(pos, 4)
        d = int(ch)
        if d == 0:
            zero_pending = True
        else:
            if zero_pending:
                out.append("零")
                zero_pending = False
            out.append(_DIGITS[d] + _SMALL_UNITS[place])
            section_has_digit = True
        if place == 0 and section > 0 and section_has_digit:
            out.append(_SECTION_UNITS[section])
            # Zeros at the bottom of a section do not by themselves force a
            # 零 after 万/亿 (107000 → 壹拾万柒仟); zeros at the top of the next
            # section will set zero_pending again (100005 → 壹拾万零伍).
            zero_pending = False
            section_has_digit = False
    return "".join(out)


def to_chinese_capital(money: Money) -> str:
    """大写金额 per 《支付结算办法》; see the module docstring for the zero rule."""
    if not isinstance(money, Money):
        raise TypeError(f"to_chinese_capital needs Money, got {type(money).__name__}")
    if abs(money.fen) > MAX_FEN:
        raise ValueError("amount too large for 大写金额")
    sign = "负" if money.fen < 0 else ""
    yuan, rest = divmod(abs(money.fen), 100)
    jiao, fen = divmod(rest, 10)
    if yuan == 0 and rest == 0:
        return "零元整"
    parts = [sign]
    if yuan:
        parts.append(_integer_capital(yuan) + "元")
        if yuan % 10 == 0 and jiao:
            parts.append("零")
    if jiao:
        parts.append(_DIGITS[jiao] + "角")
    elif fen and yuan:
        parts.append("零")
    if fen:
        parts.append(_DIGITS[fen] + "分")
    else:
        parts.append("整")
    return "".join(parts)
