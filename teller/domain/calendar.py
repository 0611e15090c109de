"""The bank's business calendar, kept apart from the wall clock.

A day is a working day when it is listed as an extra working day (调休上班: the
State Council moves some weekend days into the working week to build long
holidays), or else when it is Monday–Friday and not a public holiday.

Day counting uses **算头不算尾** ("count the first day, not the last") everywhere:
the span from ``a`` to ``b`` covers ``a`` up to the day before ``b``.  That is
the PBOC rule for interest days and the one the seed uses for the 5-day oral
loss report, and it makes spans add up: ``days(a, b) + days(b, c) == days(a, c)``.

Worked example::

    >>> cal = load_holidays([
    ...     "# 2026 国庆节 (excerpt)",
    ...     "2026-10-01 国庆节",
    ...     "2026-10-02 国庆节",
    ...     "2026-10-05 国庆节",
    ...     "+2026-10-10 调休上班",
    ... ])
    >>> cal.is_working_day(date(2026, 10, 1)), cal.is_working_day(date(2026, 10, 10))
    (False, True)
    >>> cal.next_working_day(date(2026, 9, 30))
    datetime.date(2026, 10, 6)
    >>> cal.add_working_days(date(2026, 9, 30), 2)
    datetime.date(2026, 10, 7)
    >>> cal.working_days_between(date(2026, 9, 28), date(2026, 10, 12))
    8
    >>> quarter_settlement_date(date(2026, 2, 3))
    datetime.date(2026, 3, 20)
    >>> days_between(date(2025, 12, 21), date(2026, 3, 21))
    90
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

__all__ = [
    "BusinessCalendar",
    "days_between",
    "interest_period",
    "is_quarter_settlement_day",
    "load_holidays",
    "quarter_settlement_date",
]

_ONE_DAY = timedelta(days=1)
SETTLEMENT_DAY_OF_MONTH = 20


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Public holidays and 调休 working days; weekends are implied."""

    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        clash = self.holidays & self.extra_workdays
        if clash:
            raise ValueError(f"dates both holiday and working day: {sorted(clash)}")

    def is_working_day(self, d: date) -> bool:
        if d in self.extra_workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d += _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        d -= _ONE_DAY
        while not self.is_working_day(d):
            d -= _ONE_DAY
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """Move ``n`` working days from ``d`` (backwards when ``n`` < 0).

        ``n == 0`` returns ``d`` if it is a working day and otherwise rolls
        forward to the next one, so "due within 0 working days" still lands on
        a day the branch is open.
        """
        if n == 0:
            return d if self.is_working_day(d) else self.next_working_day(d)
        step = self.next_working_day if n > 0 else self.previous_working_day
        for _ in range(abs(n)):
            d = step(d)
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in ``[a, b)`` (算头不算尾); negative when ``b`` < ``a``."""
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        d = a
        while d < b:
            if self.is_working_day(d):
                count += 1
            d += _ONE_DAY
        return count

    def merged(self, other: BusinessCalendar) -> BusinessCalendar:
        """One calendar from two (e.g. two years' files)."""
        return BusinessCalendar(
            self.holidays | other.holidays, self.extra_workdays | other.extra_workdays
        )


def load_holidays(lines: Iterable[str]) -> BusinessCalendar:
    """Parse a holiday table.

    One date per line: ``2026-10-01 国庆节`` is a holiday, ``+2026-10-10 调休上班``
    a weekend day worked; text after the date is a free note; ``#`` starts a
    comment; blank lines are ignored.  A malformed line is a fault in a file
    the bank maintains, so it raises ``ValueError`` naming the line.
    """
    holidays: set[date] = set()
    workdays: set[date] = set()
    for lineno, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        token = line.split(maxsplit=1)[0]
        target = holidays
        if token.startswith("+"):
            target, token = workdays, token[1:]
        try:
            day = date.fromisoformat(token)
        except ValueError:
            raise ValueError(f"line {lineno}: not a date: {raw.rstrip()!r}") from None
        if len(token) != 10:
            raise ValueError(f"line {lineno}: write dates as YYYY-MM-DD: {raw.rstrip()!r}")
        target.add(day)
    return BusinessCalendar(frozenset(holidays), frozenset(workdays))


def days_between(a: date, b: date) -> int:
    """Actual days from ``a`` to ``b``, counting ``a`` but not ``b`` (算头不算尾)."""
    return (b - a).days


def quarter_settlement_date(d: date) -> date:
    """The quarterly interest settlement day (结息日) of ``d``'s calendar quarter.

    The 20th of the quarter's last month: 20 Mar, 20 Jun, 20 Sep, 20 Dec.
    """
    last_month = ((d.month - 1) // 3) * 3 + 3
    return date(d.year, last_month, SETTLEMENT_DAY_OF_MONTH)


def settlement_day_in(start: date, end: date) -> date | None:
    """The quarterly settlement day within [start, end), if any: the days a
    day end from ``start`` to the next business date ``end`` covers.

    >>> settlement_day_in(date(2026, 12, 18), date(2026, 12, 21))
    datetime.date(2026, 12, 20)
    """
    for d in (start, end - timedelta(days=1)):
        s = quarter_settlement_date(d)
        if start <= s < end:
            return s
    return None


def is_quarter_settlement_day(d: date) -> bool:
    return d == quarter_settlement_date(d)


def interest_period(settlement_day: date) -> tuple[date, date]:
    """``(start, end)`` of the interest period settled on ``settlement_day``.

    Interest settled on the 20th covers the 21st of the previous quarter's
    last month through the 20th itself; as a 算头不算尾 span that is
    ``[previous 21st, this 21st)``, so ``days_between(*interest_period(d))`` is
    the number of interest days.
    """
    if not is_quarter_settlement_day(settlement_day):
        raise ValueError(f"{settlement_day} is not a quarterly settlement day")
    end = settlement_day + _ONE_DAY
    month = settlement_day.month - 3
    year = settlement_day.year
    if month <= 0:
        month += 12
        year -= 1
    start = date(year, month, SETTLEMENT_DAY_OF_MONTH) + _ONE_DAY
    return start, end
