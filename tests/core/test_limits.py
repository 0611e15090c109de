"""The pure limit evaluation (18101) — what a PL/pgSQL engine must agree with."""
from __future__ import annotations

import datetime as dt

from teller.core.controls.limits import AccountFacts, Movement, Rule, UsageDay, evaluate, period_start

DAY = dt.date(2026, 11, 23)
ACCT = AccountFacts("01012017000000014", "personal_current", balance=1_000_000)


def out(amount, category="cash", day=DAY, purpose="normal"):
    return Movement("out", amount, category, "counter", day, purpose)


def test_periods_start_on_day_month_quarter_year():
    assert [period_start(p, DAY) for p in ("daily", "monthly", "quarterly", "yearly")] == [
        DAY, dt.date(2026, 11, 1), dt.date(2026, 10, 1), dt.date(2026, 1, 1)]


def test_each_period_sums_its_own_days_only():
    usage = (UsageDay(dt.date(2026, 1, 5), "out", "cash", 50_000, 1),     # this year
             UsageDay(dt.date(2026, 10, 2), "out", "cash", 30_000, 1),    # this quarter
             UsageDay(dt.date(2026, 11, 2), "out", "cash", 10_000, 1),    # this month
             UsageDay(DAY, "out", "cash", 5_000, 1),                      # today
             UsageDay(dt.date(2025, 12, 31), "out", "cash", 999_999, 9))  # last year
    for field, cap, used in (("daily", 6_000, 5_000), ("monthly", 16_000, 15_000),
                             ("quarterly", 46_000, 45_000), ("yearly", 96_000, 95_000)):
        rule = Rule("1", **{f"{field}_amount": cap})
        assert evaluate(ACCT, (), (rule,), usage, out(cap - used)).ok, field
        v = evaluate(ACCT, (), (rule,), usage, out(cap - used + 1))
        assert v.refusal is not None and v.refusal[0] == "limit_exceeded", field
    assert not evaluate(ACCT, (), (Rule("1", yearly_count=4),), usage, out(1)).ok
    assert evaluate(ACCT, (), (Rule("1", yearly_count=5),), usage, out(1)).ok


def test_category_direction_and_channel_select_the_rules():
    rule = Rule("1", category="cash", direction="out", single_max=100)
    assert not evaluate(ACCT, (), (rule,), (), out(101)).ok
    assert evaluate(ACCT, (), (rule,), (), out(101, category="transfer")).ok
    assert evaluate(ACCT, (), (rule,), (), Movement("in", 101, "cash", "counter", DAY)).ok
    usage = (UsageDay(DAY, "in", "cash", 900, 1), UsageDay(DAY, "out", "transfer", 900, 1))
    assert evaluate(ACCT, (), (Rule("1", direction="out", category="cash",
                                    daily_amount=1_000),), usage, out(1_000)).ok


def test_strongest_action_wins_and_deductions_are_exempt():
    rules = (Rule("1", single_max=10, action="warn"), Rule("2", single_max=10, action="auth_a"),
             Rule("3", single_max=10, action="auth_b"))
    v = evaluate(ACCT, (), rules, (), out(11))
    assert (v.refusal, v.level, len(v.reasons), len(v.warnings)) == (None, "B", 3, 1)
    v = evaluate(ACCT, (), rules + (Rule("4", single_max=10),), (), out(11))
    assert v.refusal is not None and v.level is None
    assert evaluate(ACCT, (("freeze_full", 0),), rules, (),
                    out(11, purpose="judicial_deduction")).ok


def test_balance_floor_and_ceiling():
    rule = Rule("1", balance_floor=900_000, balance_ceiling=1_100_000)
    assert evaluate(ACCT, (), (rule,), (), out(100_000)).ok
    assert not evaluate(ACCT, (), (rule,), (), out(100_001)).ok
    assert evaluate(ACCT, (), (rule,), (), Movement("in", 100_000, "cash", "counter", DAY)).ok
    assert not evaluate(ACCT, (), (rule,), (),
                        Movement("in", 100_001, "cash", "counter", DAY)).ok
