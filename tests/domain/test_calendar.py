"""Business calendar, 2026 holiday file, settlement days and day counting."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teller.domain.calendar import (
    BusinessCalendar,
    days_between,
    interest_period,
    is_quarter_settlement_day,
    load_holidays,
    quarter_settlement_date,
)

HOLIDAY_FILE = Path(__file__).resolve().parents[2] / "resources" / "holidays" / "CN-2026.txt"


@pytest.fixture(scope="module")
def cn2026() -> BusinessCalendar:
    with HOLIDAY_FILE.open(encoding="utf-8") as lines:
        return load_holidays(lines)


# -- the 2026 file ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 1), False),  # 元旦, Thursday
        (date(2026, 1, 2), False),  # bridged Friday
        (date(2026, 1, 4), True),  # Sunday worked
        (date(2026, 1, 5), True),
        (date(2026, 2, 14), True),  # Saturday worked before 春节
        (date(2026, 2, 17), False),  # 春节 初一
        (date(2026, 2, 23), False),
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday worked after 春节
        (date(2026, 4, 6), False),  # 清明 in lieu
        (date(2026, 5, 5), False),
        (date(2026, 5, 9), True),
        (date(2026, 6, 19), False),  # 端午
        (date(2026, 9, 20), True),  # Sunday worked before 国庆
        (date(2026, 9, 25), False),  # 中秋
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday worked after 国庆
        (date(2026, 10, 11), False),  # an ordinary Sunday
        (date(2026, 7, 15), True),  # an ordinary Wednesday
    ],
)
def test_cn2026_working_days(cn2026: BusinessCalendar, day: date, working: bool) -> None:
    assert cn2026.is_working_day(day) is working


def test_cn2026_holiday_blocks(cn2026: BusinessCalendar) -> None:
    # GIVEN the file THEN each long holiday is a run of non-working days of the announced length
    def off_run(first: date) -> int:
        n = 0
        while not cn2026.is_working_day(first + timedelta(days=n)):
            n += 1
        return n

    assert off_run(date(2026, 1, 1)) == 3
    assert off_run(date(2026, 2, 15)) == 9
    assert off_run(date(2026, 4, 4)) == 3
    assert off_run(date(2026, 5, 1)) == 5
    assert off_run(date(2026, 6, 19)) == 3
    assert off_run(date(2026, 9, 25)) == 3
    assert off_run(date(2026, 10, 1)) == 7


def test_cn2026_extra_workdays_are_weekends(cn2026: BusinessCalendar) -> None:
    assert cn2026.extra_workdays
    assert all(d.weekday() >= 5 for d in cn2026.extra_workdays)
    assert all(d.year == 2026 for d in cn2026.holidays | cn2026.extra_workdays)


# -- navigation ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "after"),
    [
        (date(2026, 9, 30), date(2026, 10, 8)),
        (date(2026, 10, 9), date(2026, 10, 10)),  # Friday → worked Saturday
        (date(2026, 2, 13), date(2026, 2, 14)),
        (date(2026, 7, 17), date(2026, 7, 20)),  # plain Friday → Monday
    ],
)
def test_next_working_day(cn2026: BusinessCalendar, start: date, after: date) -> None:
    assert cn2026.next_working_day(start) == after


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 9, 30), 0, date(2026, 9, 30)),
        (date(2026, 10, 3), 0, date(2026, 10, 8)),  # rolls forward
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # Sat worked counts
        (date(2026, 10, 8), -1, date(2026, 9, 30)),
        (date(2026, 10, 12), -2, date(2026, 10, 9)),  # back over Sunday and worked Saturday
        (date(2026, 10, 4), -1, date(2026, 9, 30)),
        (date(2026, 2, 13), 5, date(2026, 2, 27)),  # 14 Feb worked, then 24–27 Feb
    ],
)
def test_add_working_days(cn2026: BusinessCalendar, start: date, n: int, expected: date) -> None:
    assert cn2026.add_working_days(start, n) == expected


def test_working_days_between_counts_start_not_end(cn2026: BusinessCalendar) -> None:
    # GIVEN Mon 12 Oct 2026 WHEN counting to Thu 15 Oct THEN Mon, Tue, Wed = 3
    assert cn2026.working_days_between(date(2026, 10, 12), date(2026, 10, 15)) == 3
    assert cn2026.working_days_between(date(2026, 10, 15), date(2026, 10, 12)) == -3
    assert cn2026.working_days_between(date(2026, 10, 12), date(2026, 10, 12)) == 0
    # 28 Sep – 11 Oct: 28, 29, 30 Sep, 8, 9, 10 Oct
    assert cn2026.working_days_between(date(2026, 9, 28), date(2026, 10, 11)) == 6


def test_filing_account_three_working_days(cn2026: BusinessCalendar) -> None:
    # A filing-type unit account opened on 30 Sep 2026 is receive-only for 3
    # working days: 30 Sep, 8 Oct, 9 Oct; debits open on the next one.
    opened = date(2026, 9, 30)
    debits_from = cn2026.add_working_days(opened, 3)
    assert debits_from == date(2026, 10, 10)
    assert cn2026.working_days_between(opened, debits_from) == 3


calendars = st.builds(
    BusinessCalendar,
    st.frozensets(st.dates(date(2026, 1, 1), date(2026, 12, 31)), max_size=40),
)
days = st.dates(date(2026, 1, 1), date(2026, 12, 31))


@given(calendars, days, st.integers(-30, 30))
def test_add_then_count_agree(cal: BusinessCalendar, start: date, n: int) -> None:
    # Moving n working days from a working day crosses exactly n working days.
    start = cal.add_working_days(start, 0)
    end = cal.add_working_days(start, n)
    assert cal.is_working_day(end)
    assert cal.working_days_between(start, end) == n


@given(calendars, days, days, days)
def test_working_day_spans_add_up(cal: BusinessCalendar, a: date, b: date, c: date) -> None:
    assert cal.working_days_between(a, b) + cal.working_days_between(b, c) == (
        cal.working_days_between(a, c)
    )


def test_a_day_cannot_be_both_holiday_and_workday() -> None:
    d = date(2026, 10, 10)
    with pytest.raises(ValueError):
        BusinessCalendar(frozenset({d}), frozenset({d}))


def test_merged_calendars() -> None:
    a = load_holidays(["2026-10-01 国庆节"])
    b = load_holidays(["2027-01-01 元旦", "+2026-10-10"])
    merged = a.merged(b)
    assert not merged.is_working_day(date(2026, 10, 1))
    assert not merged.is_working_day(date(2027, 1, 1))
    assert merged.is_working_day(date(2026, 10, 10))


# -- the parser ------------------------------------------------------------------
def test_load_holidays_parses_notes_comments_and_blanks() -> None:
    cal = load_holidays(
        ["# header", "", "2026-10-01 国庆节  # trailing comment", "  +2026-10-10 调休上班", "2026-10-02"]
    )
    assert cal.holidays == frozenset({date(2026, 10, 1), date(2026, 10, 2)})
    assert cal.extra_workdays == frozenset({date(2026, 10, 10)})


@pytest.mark.parametrize(
    "line", ["2026-13-01 bad month", "2026/10/01 国庆", "20261001", "+ 2026-10-10", "国庆节"]
)
def test_load_holidays_rejects_malformed_lines(line: str) -> None:
    with pytest.raises(ValueError, match="line 2"):
        load_holidays(["# ok", line])


# -- settlement and day counting -------------------------------------------------
@pytest.mark.parametrize(
    ("day", "settlement"),
    [
        (date(2026, 1, 1), date(2026, 3, 20)),
        (date(2026, 3, 20), date(2026, 3, 20)),
        (date(2026, 3, 21), date(2026, 3, 20)),  # same quarter, already past
        (date(2026, 4, 1), date(2026, 6, 20)),
        (date(2026, 8, 31), date(2026, 9, 20)),
        (date(2026, 12, 31), date(2026, 12, 20)),
    ],
)
def test_quarter_settlement_date(day: date, settlement: date) -> None:
    assert quarter_settlement_date(day) == settlement


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 3, 20), True), (date(2026, 6, 20), True), (date(2026, 4, 20), False),
     (date(2026, 12, 21), False)],
)
def test_is_quarter_settlement_day(day: date, expected: bool) -> None:
    assert is_quarter_settlement_day(day) is expected


def test_days_between_counts_start_not_end() -> None:
    # 算头不算尾: 21 Dec 2025 .. 20 Mar 2026 exclusive = 11 + 31 + 28 + 19 = 89
    assert days_between(date(2025, 12, 21), date(2026, 3, 20)) == 89
    assert days_between(date(2026, 3, 20), date(2026, 3, 20)) == 0
    # oral loss report of 5 days from 1 Mar: 1..5 Mar, expires before 6 Mar
    assert days_between(date(2026, 3, 1), date(2026, 3, 6)) == 5


@pytest.mark.parametrize(
    ("settlement", "start", "end", "n_days"),
    [
        # 21 Dec 2025 through 20 Mar 2026: 11 + 31 + 28 + 20 = 90
        (date(2026, 3, 20), date(2025, 12, 21), date(2026, 3, 21), 90),
        # 21 Mar through 20 Jun: 11 + 30 + 31 + 20 = 92
        (date(2026, 6, 20), date(2026, 3, 21), date(2026, 6, 21), 92),
        # leap year: 21 Dec 2027 through 20 Mar 2028: 11 + 31 + 29 + 20 = 91
        (date(2028, 3, 20), date(2027, 12, 21), date(2028, 3, 21), 91),
    ],
)
def test_interest_period(settlement: date, start: date, end: date, n_days: int) -> None:
    assert interest_period(settlement) == (start, end)
    assert days_between(start, end) == n_days


def test_interest_period_needs_a_settlement_day() -> None:
    with pytest.raises(ValueError):
        interest_period(date(2026, 3, 19))
