"""Interest arithmetic with hand-computed worked examples.

Every expected number below is worked out in the comment beside it, in yuan,
the way a teller would check it on paper.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teller.domain.calendar import days_between, interest_period
from teller.domain.interest import (
    DailyBalance,
    Rate,
    accrual_for,
    accrual_over,
    early_withdrawal_interest,
    interest_on_accrual,
    maturity_date,
    parse_rate,
    term_interest,
    time_deposit_interest,
    whole_months_between,
)
from teller.domain.problems import Problem


# -- rates -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "micro", "percent"),
    [
        ("0.35", 3500, "0.3500"),
        ("1.45", 14500, "1.4500"),
        ("2.1%", 21000, "2.1000"),
        (" 0.05 ", 500, "0.0500"),
        ("0", 0, "0.0000"),
        ("1.2345", 12345, "1.2345"),
        ("24", 240000, "24.0000"),
    ],
)
def test_rate_parse(text: str, micro: int, percent: str) -> None:
    rate = Rate.parse(text)
    assert rate.micro == micro
    assert rate.percent == Decimal(percent)
    assert str(rate) == percent + "%"
    assert Rate.from_percent(Decimal(percent)) == rate


@pytest.mark.parametrize("text", ["", "abc", "-0.35", "0.12345", "1e-3", "1000", ".5", "0.35%%"])
def test_rate_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        Rate.parse(text)
    assert parse_rate(text, "rate") == (
        None,
        [Problem("rate", "利率格式不正确（年利率百分数，最多4位小数）",
                 "invalid rate (annual percent, at most 4 decimals)")],
    )


@pytest.mark.parametrize("value", [0.35, Decimal(0.35)])
def test_rate_refuses_floats(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        Rate.parse(value)  # type: ignore[arg-type]
    with pytest.raises((TypeError, ValueError)):
        Rate.from_percent(value)  # type: ignore[arg-type]


def test_rate_micro_must_be_int() -> None:
    with pytest.raises(TypeError):
        Rate(3500.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Rate(-1)


# -- accrual and the basic formula ------------------------------------------
R035 = Rate.parse("0.35")


def test_worked_example_1_ten_thousand_for_90_days() -> None:
    # 10,000.00 yuan × 90 days = 积数 900,000.00 yuan·days
    # 900,000 × 0.35 % / 360 = 3,150 / 360 = 8.75 yuan
    accrual = accrual_for(1_000_000, 90)
    assert accrual == 90_000_000  # fen·days = 900,000.00 yuan·days
    assert interest_on_accrual(accrual, R035) == 875


@pytest.mark.parametrize(
    ("accrual_fen_days", "expected_fen"),
    [
        # at 0.36 % the interest in fen is exactly 积数(fen·days) / 100,000
        (250_000, 3),  # 2.5 fen → 3 (banker's rounding would give 2)
        (249_999, 2),  # 2.49999 fen → 2
        (150_000, 2),  # 1.5 fen → 2
        (50_000, 1),  # 0.5 fen → 1: even half a fen is paid
        (49_999, 0),  # 0.49999 fen → 0
        (-250_000, -3),  # a negative adjustment rounds away from zero too
        (0, 0),
    ],
)
def test_worked_example_2_half_up_boundaries(accrual_fen_days: int, expected_fen: int) -> None:
    rate = Rate.parse("0.36")  # micro 3600: n × 3600 / 360,000,000 = n / 100,000
    assert interest_on_accrual(accrual_fen_days, rate) == expected_fen


@given(st.integers(-(10**15), 10**15), st.integers(0, 240_000))
def test_interest_matches_decimal_half_up(accrual: int, micro: int) -> None:
    exact = Decimal(accrual) * Decimal(micro) / Decimal(360_000_000)
    expected = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    # Decimal's default 28-digit context is exact for these magnitudes.
    assert interest_on_accrual(accrual, Rate(micro)) == expected


def test_accrual_for_rejects_negative_days() -> None:
    with pytest.raises(ValueError):
        accrual_for(100, -1)


# -- quarterly settlement over a balance history -----------------------------
HISTORY = [
    DailyBalance(date(2025, 12, 21), 5_000_000),  # 50,000.00 from the period start
    DailyBalance(date(2026, 1, 15), 8_000_000),  # deposit 30,000.00 → 80,000.00
    (date(2026, 3, 1), 3_000_000),  # withdraw 50,000.00 → 30,000.00 (plain tuple also works)
]


def test_worked_example_3_quarter_settlement_on_20_march() -> None:
    # Period settled on 20 Mar 2026: 21 Dec 2025 .. 20 Mar 2026 inclusive,
    # i.e. [21 Dec, 21 Mar) counting the start day, not the end (算头不算尾).
    start, end = interest_period(date(2026, 3, 20))
    assert (start, end) == (date(2025, 12, 21), date(2026, 3, 21))
    # 21 Dec .. 14 Jan = 11 + 14 = 25 days × 50,000 = 1,250,000
    # 15 Jan .. 28 Feb = 17 + 28 = 45 days × 80,000 = 3,600,000
    #  1 Mar .. 20 Mar =           20 days × 30,000 =   600,000
    # 积数 = 5,450,000.00 yuan·days over 90 days
    accrual = accrual_over(HISTORY, start, end)
    assert accrual == 5_450_000 * 100  # fen·days
    # 5,450,000 × 0.35 % / 360 = 19,075 / 360 = 52.98611… → 52.99
    assert interest_on_accrual(accrual, R035) == 5299


def test_worked_example_4_closure_accrues_to_the_day_before() -> None:
    # Closing on 10 Feb 2026: interest up to 9 Feb, i.e. [21 Dec, 10 Feb)
    # 21 Dec .. 14 Jan = 25 days × 50,000 = 1,250,000
    # 15 Jan ..  9 Feb = 17 + 9 = 26 days × 80,000 = 2,080,000
    # 积数 3,330,000 × 0.35 % / 360 = 11,655 / 360 = 32.375 → 32.38 (half up)
    accrual = accrual_over(HISTORY, date(2025, 12, 21), date(2026, 2, 10))
    assert accrual == 3_330_000 * 100  # fen·days
    assert interest_on_accrual(accrual, R035) == 3238


def test_accrual_over_edges() -> None:
    d = date(2026, 1, 1)
    # no history, or a window before the first balance: nothing accrues
    assert accrual_over([], d, d + timedelta(days=10)) == 0
    assert accrual_over([(d + timedelta(days=5), 100)], d, d + timedelta(days=10)) == 500
    # several postings on one day: the day's last balance counts
    same_day = [(d, 100), (d, 300), (d + timedelta(days=1), 50)]
    assert accrual_over(same_day, d, d + timedelta(days=3)) == 300 + 50 * 2
    # an empty window
    assert accrual_over(HISTORY, d, d) == 0
    with pytest.raises(ValueError):
        accrual_over([(d + timedelta(days=1), 1), (d, 1)], d, d + timedelta(days=2))
    with pytest.raises(ValueError):
        accrual_over(HISTORY, d + timedelta(days=1), d)


balance_histories = st.lists(
    st.tuples(st.integers(0, 120), st.integers(-10**9, 10**9)), max_size=8
).map(lambda xs: sorted(((date(2026, 1, 1) + timedelta(days=o), b) for o, b in xs),
                        key=lambda t: t[0]))


@given(balance_histories, st.integers(0, 130), st.integers(0, 130))
def test_accrual_over_equals_day_by_day_sum(history, a: int, b: int) -> None:
    start = date(2026, 1, 1) + timedelta(days=min(a, b))
    end = date(2026, 1, 1) + timedelta(days=max(a, b))
    expected = 0
    day = start
    while day < end:
        closing = [bal for on, bal in history if on <= day]
        expected += closing[-1] if closing else 0
        day += timedelta(days=1)
    assert accrual_over(history, start, end) == expected


# -- time deposits ---------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "months", "maturity"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 8, 31), 3, date(2025, 11, 30)),
        (date(2025, 3, 31), 11, date(2026, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 3, 15), 60, date(2030, 3, 15)),
        (date(2025, 3, 15), 0, date(2025, 3, 15)),
    ],
)
def test_maturity_date(start: date, months: int, maturity: date) -> None:
    assert maturity_date(start, months) == maturity
    assert whole_months_between(start, maturity) == months


def test_worked_example_5_one_year_at_maturity() -> None:
    # 50,000.00 × 1.45 % × 12/12 = 725.00
    r = Rate.parse("1.45")
    assert term_interest(5_000_000, r, 12) == 72500
    assert time_deposit_interest(5_000_000, r, date(2025, 3, 15), date(2026, 3, 15)) == 72500


def test_worked_example_6_three_months_is_a_quarter_year_not_actual_days() -> None:
    # 20,000.00 × 1.05 % × 3/12 = 52.50, although 15 Nov .. 15 Feb is 92 actual days
    r = Rate.parse("1.05")
    assert term_interest(2_000_000, r, 3) == 5250
    assert time_deposit_interest(2_000_000, r, date(2025, 11, 15), date(2026, 2, 15)) == 5250


def test_worked_example_7_month_end_start_counts_a_whole_month() -> None:
    # 31 Jan .. 28 Feb 2025 is one whole month (30 days), not 28 actual days:
    # 100,000.00 × 1.20 % × 30/360 = 100.00
    r = Rate.parse("1.20")
    assert time_deposit_interest(10_000_000, r, date(2025, 1, 31), date(2025, 2, 28)) == 10000


def test_worked_example_8_whole_months_plus_odd_days() -> None:
    # 10,000.00 at 1.45 % from 31 Jan 2025 to 5 Aug 2025:
    # 6 whole months to 31 Jul (180 days) + 5 odd days = 185 interest days
    # 10,000 × 1.45 % × 185 / 360 = 145 × 185 / 360 = 26,825 / 360 = 74.5138… → 74.51
    r = Rate.parse("1.45")
    assert time_deposit_interest(1_000_000, r, date(2025, 1, 31), date(2025, 8, 5)) == 7451


def test_worked_example_9_early_withdrawal_at_current_rate() -> None:
    # 50,000.00 placed 15 Mar 2025 for a year, withdrawn early on 1 Sep 2025
    # at the current-account rate 0.05 %:
    # days = 17 (15..31 Mar) + 30 + 31 + 30 + 31 + 31 = 170
    # 50,000 × 0.05 % × 170 / 360 = 25 × 170 / 360 = 4,250 / 360 = 11.8055… → 11.81
    start, taken = date(2025, 3, 15), date(2025, 9, 1)
    assert days_between(start, taken) == 170
    assert early_withdrawal_interest(5_000_000, Rate.parse("0.05"), start, taken) == 1181


def test_time_deposit_argument_faults() -> None:
    r = Rate.parse("1.45")
    with pytest.raises(ValueError):
        maturity_date(date(2025, 1, 1), -1)
    with pytest.raises(ValueError):
        time_deposit_interest(100, r, date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(ValueError):
        early_withdrawal_interest(100, r, date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(ValueError):
        term_interest(100, r, -3)


@given(st.dates(date(2000, 1, 1), date(2040, 12, 31)), st.integers(0, 120))
def test_term_interest_equals_interest_to_maturity(start: date, months: int) -> None:
    # Holding a deposit to maturity by the day count gives the term formula.
    r = Rate.parse("2.25")
    end = maturity_date(start, months)
    assert time_deposit_interest(12_345_678, r, start, end) == term_interest(12_345_678, r, months)
    assert whole_months_between(start, end) == months
