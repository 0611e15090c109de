"""Interest arithmetic: rates, 积数 (daily balance products), time deposits.

All arithmetic is exact (integers and ``Decimal``); the result is rounded once,
to the fen, **half up** (四舍五入).  That is the PBOC practice: 《人民币利率管理规定》
has interest computed to the 分 with the digit below rounded 四舍五入, and a
customer reading the passbook expects 0.005 yuan to become 0.01, not banker's
rounding to even.  Negative amounts (e.g. a negative 积数 adjustment) round half
away from zero, mirroring the positive case.

Conventions (DOMAIN.md §5, 银发〔2005〕129号):

* current accounts: 利息 = 积数 × 年利率 / 360, where 积数 = Σ balance × days;
* days are counted 算头不算尾 (the first day, not the last);
* 整存整取 at maturity: whole months count as 30 days each (年利率 × 月数 / 12),
  odd days beyond whole months count actual days at 年利率 / 360;
* early withdrawal: principal × current-account rate × actual days / 360.

Worked example: ¥10,000.00 kept 90 days at 0.35 % a year::

    >>> rate = Rate.parse("0.35")
    >>> rate.micro
    3500
    >>> accrual = accrual_for(1_000_000, 90)    # fen · days
    >>> accrual
    90000000
    >>> interest_on_accrual(accrual, rate)      # 900,000 yuan·days × 0.35 % / 360
    875
    >>> maturity_date(date(2024, 1, 31), 1)
    datetime.date(2024, 2, 29)
    >>> time_deposit_interest(5_000_000, Rate.parse("1.45"), date(2025, 3, 15), date(2026, 3, 15))
    72500
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple, Sequence

from teller.domain.problems import Problem

__all__ = [
    "DAYS_PER_YEAR",
    "DailyBalance",
    "Rate",
    "accrual_for",
    "accrual_over",
    "early_withdrawal_interest",
    "interest_on_accrual",
    "maturity_date",
    "parse_rate",
    "term_interest",
    "time_deposit_interest",
    "whole_months_between",
]

#: The PBOC interest year for 日利率 = 年利率 / 360.
DAYS_PER_YEAR = 360
_MICRO = 1_000_000  # Rate.micro units per 1 (i.e. per 100 %)
_RATE_RE = re.compile(r"(0|[1-9]\d{0,2})(?:\.(\d{1,4}))?", re.ASCII)


@dataclass(frozen=True, slots=True, order=True)
class Rate:
    """An annual interest rate; ``micro`` is the rate × 10⁶ (0.35 % → 3500).

    Storing millionths keeps four decimals of a percent, the finest the PBOC
    and bank rate sheets publish (e.g. 1.4500 %), as an exact integer.
    """

    micro: int

    def __post_init__(self) -> None:
        if isinstance(self.micro, bool) or not isinstance(self.micro, int):
            raise TypeError(f"Rate needs integer micro units, got {type(self.micro).__name__}")
        if self.micro < 0:
            raise ValueError("interest rate must not be negative")

    @classmethod
    def parse(cls, text: str) -> Rate:
        """Parse an annual percentage such as ``"0.35"`` (meaning 0.35 % p.a.)."""
        if not isinstance(text, str):
            raise TypeError(f"Rate.parse needs str, got {type(text).__name__}")
        s = text.strip().removesuffix("%").strip()
        m = _RATE_RE.fullmatch(s)
        if m is None:
            raise ValueError(f"not an annual percentage rate: {text!r}")
        whole, frac = m.group(1), (m.group(2) or "").ljust(4, "0")
        return cls(int(whole) * 10_000 + int(frac))

    @classmethod
    def from_percent(cls, percent: Decimal) -> Rate:
        """From an exact ``Decimal`` percent; floats are refused like everywhere else."""
        if not isinstance(percent, Decimal):
            raise TypeError(f"Rate.from_percent needs Decimal, got {type(percent).__name__}")
        micro = percent.scaleb(4)
        if micro != micro.to_integral_value():
            raise ValueError("rate has more than 4 decimals of a percent")
        return cls(int(micro))

    @property
    def percent(self) -> Decimal:
        """The annual rate as an exact percent: ``Decimal('0.3500')``."""
        return Decimal(self.micro).scaleb(-4)

    def __str__(self) -> str:
        return f"{self.percent}%"


def parse_rate(text: str, field: str = "rate") -> tuple[Rate | None, list[Problem]]:
    """Form validator for a rate keyed as a percent."""
    try:
        return Rate.parse(text), []
    except ValueError:
        return None, [
            Problem(
                field,
                "利率格式不正确（年利率百分数，最多4位小数）",
                "invalid rate (annual percent, at most 4 decimals)",
            )
        ]


def _round_half_up_div(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero, exactly."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    q = (2 * abs(numerator) + denominator) // (2 * denominator)
    return q if numerator >= 0 else -q


def accrual_for(balance_fen: int, days: int) -> int:
    """积数 in fen·days for a balance held ``days`` days."""
    if days < 0:
        raise ValueError("days must not be negative")
    return balance_fen * days


def interest_on_accrual(accrual_fen_days: int, rate: Rate) -> int:
    """积数 × annual rate / 360, in fen, rounded half up."""
    return _round_half_up_div(accrual_fen_days * rate.micro, _MICRO * DAYS_PER_YEAR)


class DailyBalance(NamedTuple):
    """From ``on`` onwards the end-of-day balance is ``balance_fen``.

    A NamedTuple rather than a dataclass so a plain ``(date, fen)`` tuple and a
    ``DailyBalance`` are interchangeable inputs to :func:`accrual_over`.
    """

    on: date
    balance_fen: int


def accrual_over(balances: Sequence[tuple[date, int]], start: date, end: date) -> int:
    """积数 over ``[start, end)`` from a balance history.

    ``balances`` lists ``(date, balance)`` changes in date order; each balance
    holds from its date until the next change.  Several entries on one date
    mean several postings that day, and the last is the day's closing balance,
    which is what earns interest.  Before the first entry the balance is 0.
    """
    if end < start:
        raise ValueError("end must not be before start")
    previous: date | None = None
    for on, _ in balances:
        if previous is not None and on < previous:
            raise ValueError("balances must be in date order")
        previous = on
    total = 0
    for i, (on, balance) in enumerate(balances):
        seg_end = balances[i + 1][0] if i + 1 < len(balances) else end
        lo, hi = max(on, start), min(seg_end, end)
        if hi > lo:
            total += balance * (hi - lo).days
    return total


def _days_in_month(year: int, month: int) -> int:
    # Not calendar.monthrange: teller.domain.calendar shadows the stdlib module
    # whenever this directory is on sys.path (e.g. running a doctest by path).
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - date(year, month, 1)).days


def maturity_date(start: date, term_months: int) -> date:
    """Same day ``term_months`` later; a day the month lacks becomes its last day.

    31 Jan + 1 month → 28 Feb (29 Feb in a leap year).
    """
    if term_months < 0:
        raise ValueError("term must not be negative")
    months = start.year * 12 + (start.month - 1) + term_months
    year, month = divmod(months, 12)
    month += 1
    day = min(start.day, _days_in_month(year, month))
    return date(year, month, day)


def whole_months_between(start: date, end: date) -> int:
    """The most whole months ``m`` with ``maturity_date(start, m) <= end``."""
    if end < start:
        raise ValueError("end must not be before start")
    m = (end.year - start.year) * 12 + (end.month - start.month)
    while m > 0 and maturity_date(start, m) > end:
        m -= 1
    return m


def term_interest(principal_fen: int, rate: Rate, term_months: int) -> int:
    """整存整取 interest for a whole term: principal × rate × months / 12."""
    if term_months < 0:
        raise ValueError("term must not be negative")
    return _round_half_up_div(principal_fen * rate.micro * term_months, _MICRO * 12)


def time_deposit_interest(principal_fen: int, rate: Rate, start: date, end: date) -> int:
    """Interest for ``[start, end)`` at ``rate`` by the whole-month rule.

    Whole months (对月对日) count 30 days each; the remaining odd days count
    actual days.  So a deposit held exactly to maturity earns
    ``term_interest`` and a deposit held a few days past it earns those days at
    the same daily rate.  One rounding at the end, half up.
    """
    months = whole_months_between(start, end)
    odd_days = (end - maturity_date(start, months)).days
    interest_days = months * 30 + odd_days
    return _round_half_up_div(
        principal_fen * rate.micro * interest_days, _MICRO * DAYS_PER_YEAR
    )


def early_withdrawal_interest(
    principal_fen: int, current_rate: Rate, start: date, withdrawn_on: date
) -> int:
    """提前支取: principal × current-account rate × actual days / 360 (算头不算尾)."""
    if withdrawn_on < start:
        raise ValueError("withdrawal before start")
    days = (withdrawn_on - start).days
    return interest_on_accrual(accrual_for(principal_fen, days), current_rate)
