"""Money parsing, arithmetic, formatting and 大写金额."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teller.domain.money import (
    MAX_FEN,
    Money,
    MoneyFormatError,
    parse_amount,
    to_chinese_capital,
)
from teller.domain.problems import Problem


# -- parsing -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1,234.56", 123456),
        ("1234.5", 123450),
        ("1234", 123400),
        ("0.05", 5),
        ("0", 0),
        ("¥1,234.56", 123456),
        ("￥1,234.56", 123456),
        ("  ¥ 12.30 ", 1230),
        ("1,234,567.89", 123456789),
        ("999,999,999,999.99", MAX_FEN),
        ("999999999999.99", MAX_FEN),
    ],
)
def test_parse_accepts_well_formed_amounts(text: str, fen: int) -> None:
    # GIVEN teller input in an accepted shape WHEN parsed THEN exact fen result
    assert Money.parse(text) == Money(fen)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请输入金额"),
        ("   ", "请输入金额"),
        ("abc", "金额格式不正确"),
        ("1e5", "金额格式不正确"),
        ("--1", "金额格式不正确"),
        ("+1", "金额格式不正确"),
        ("1.", "金额格式不正确"),
        (".5", "金额格式不正确"),
        ("007", "金额格式不正确"),
        ("1 234", "金额格式不正确"),
        ("１２３", "金额格式不正确"),  # full-width digits
        ("1.234", "金额最多两位小数"),
        ("0.001", "金额最多两位小数"),
        ("12,34.56", "千分位分隔符位置不正确"),
        ("1,2345", "千分位分隔符位置不正确"),
        (",123", "千分位分隔符位置不正确"),
        ("1000,000", "千分位分隔符位置不正确"),
        ("-1", "金额不能为负数"),
        ("-¥0.01", "金额不能为负数"),
        ("1,000,000,000,000.00", "金额超出上限 ¥999,999,999,999.99"),
    ],
)
def test_parse_rejects_malformed_amounts_with_zh_message(text: str, message: str) -> None:
    # GIVEN bad input WHEN parsed THEN MoneyFormatError carries the teller's message
    with pytest.raises(MoneyFormatError) as info:
        Money.parse(text)
    assert info.value.message == message
    assert info.value.message_en  # every rejection also has an English text
    assert isinstance(info.value, ValueError)


def test_parse_negative_only_when_allowed() -> None:
    assert Money.parse("-1,234.56", allow_negative=True) == Money(-123456)
    assert Money.parse("-¥0.05", allow_negative=True) == Money(-5)


def test_parse_zero_rejected_when_not_allowed() -> None:
    with pytest.raises(MoneyFormatError) as info:
        Money.parse("0.00", allow_zero=False)
    assert info.value.message == "金额不能为零"


@pytest.mark.parametrize("value", [1234.56, Decimal(1234.56), Decimal("1234.56"), 123456, None])
def test_parse_refuses_non_text(value: object) -> None:
    # A float (or a Decimal made from one) has already lost the exact amount.
    with pytest.raises(TypeError):
        Money.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [1.0, Decimal("1"), True, "100"])
def test_money_constructor_refuses_non_int(value: object) -> None:
    with pytest.raises(TypeError):
        Money(value)  # type: ignore[arg-type]


def test_parse_amount_returns_problem_for_form() -> None:
    # GIVEN a form field WHEN the text is bad THEN a Problem for that field, no value
    assert parse_amount("12,34", "deposit") == (
        None,
        [Problem("deposit", "千分位分隔符位置不正确", "misplaced thousands separator")],
    )
    assert parse_amount("12.34") == (Money(1234), [])
    value, problems = parse_amount("0", allow_zero=False)
    assert value is None and problems[0].message == "金额不能为零"


# -- arithmetic and formatting -------------------------------------------------
def test_arithmetic() -> None:
    a, b = Money(123456), Money(44)
    assert a + b == Money(123500)
    assert a - b == Money(123412)
    assert -a == Money(-123456)
    assert a * 3 == Money(370368) == 3 * a
    assert abs(Money(-5)) == Money(5)
    assert b < a and a >= b and Money.zero() == Money(0)
    assert Money.total([a, b, -b]) == a
    assert Money.total([]) == Money.zero()
    assert not Money.zero() and Money(1)


@pytest.mark.parametrize("bad", [1.5, Decimal("2"), True])
def test_multiplying_by_non_int_is_refused(bad: object) -> None:
    with pytest.raises(TypeError):
        Money(100) * bad  # type: ignore[operator]


def test_adding_a_bare_int_is_refused() -> None:
    with pytest.raises(TypeError):
        Money(100) + 1  # type: ignore[operator]


@pytest.mark.parametrize(
    ("fen", "yuan", "formatted"),
    [
        (123456, "1234.56", "¥1,234.56"),
        (-123456, "-1234.56", "-¥1,234.56"),
        (5, "0.05", "¥0.05"),
        (-5, "-0.05", "-¥0.05"),
        (0, "0.00", "¥0.00"),
        (100000000, "1000000.00", "¥1,000,000.00"),
    ],
)
def test_formatting(fen: int, yuan: str, formatted: str) -> None:
    m = Money(fen)
    assert m.yuan_str() == yuan
    assert m.format() == formatted == str(m)


money_values = st.integers(min_value=-MAX_FEN, max_value=MAX_FEN).map(Money)


@given(money_values)
def test_parse_of_format_round_trips(m: Money) -> None:
    assert Money.parse(m.format(), allow_negative=True) == m
    assert Money.parse(m.yuan_str(), allow_negative=True) == m


# -- 大写金额 -------------------------------------------------------------------
CAPITAL_TABLE = [
    # the official examples of 《正确填写票据和结算凭证的基本规定》
    ("1409.50", "壹仟肆佰零玖元伍角整"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
    ("107000.53", "壹拾万柒仟元零伍角叁分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("1004.56", "壹仟零肆元伍角陆分"),
    # ordinary amounts
    ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
    ("1000.00", "壹仟元整"),
    ("0.00", "零元整"),
    ("1.00", "壹元整"),
    ("10", "壹拾元整"),
    ("15", "壹拾伍元整"),
    ("110", "壹佰壹拾元整"),
    ("101", "壹佰零壹元整"),
    # under one yuan starts at 角/分
    ("0.56", "伍角陆分"),
    ("0.05", "伍分"),
    ("0.50", "伍角整"),
    ("0.01", "壹分"),
    # zeros in 角 / 元 places
    ("1.05", "壹元零伍分"),
    ("10.50", "壹拾元零伍角整"),
    ("10.05", "壹拾元零伍分"),
    ("1680.02", "壹仟陆佰捌拾元零贰分"),
    ("9.90", "玖元玖角整"),
    # the 万 boundary
    ("10100.00", "壹万零壹佰元整"),
    ("10000", "壹万元整"),
    ("10001", "壹万零壹元整"),
    ("11000", "壹万壹仟元整"),
    ("100005.00", "壹拾万零伍元整"),
    ("1000000", "壹佰万元整"),
    ("1000100", "壹佰万零壹佰元整"),
    ("1001000", "壹佰万壹仟元整"),
    ("1010000", "壹佰零壹万元整"),
    ("10000001", "壹仟万零壹元整"),
    ("20050000", "贰仟零伍万元整"),
    # the 亿 boundary
    ("100000000", "壹亿元整"),
    ("100000001", "壹亿零壹元整"),
    ("100001000", "壹亿零壹仟元整"),
    ("100010000", "壹亿零壹万元整"),
    ("110000000", "壹亿壹仟万元整"),
    ("1000010000.10", "壹拾亿零壹万元零壹角整"),
    ("300000000000", "叁仟亿元整"),
    ("100000000001", "壹仟亿零壹元整"),
    ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    # negatives
    ("-3.20", "负叁元贰角整"),
    ("-0.05", "负伍分"),
]


@pytest.mark.parametrize(("amount", "capital"), CAPITAL_TABLE)
def test_chinese_capital_table(amount: str, capital: str) -> None:
    # GIVEN an amount WHEN written in capitals THEN it matches the settlement rules
    assert to_chinese_capital(Money.parse(amount, allow_negative=True)) == capital


def test_capital_table_is_large_enough() -> None:
    assert len(CAPITAL_TABLE) >= 35


def test_capital_refuses_amounts_beyond_units() -> None:
    with pytest.raises(ValueError):
        to_chinese_capital(Money(MAX_FEN + 1))


# A reader of capital amounts, written independently of the formatter, so the
# round trip below checks meaning rather than replaying the same algorithm.
_DIGIT_VALUE = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_SMALL = {"拾": 10, "佰": 100, "仟": 1000}


def _read_section(text: str) -> int:
    total, digit = 0, 0
    for ch in text:
        if ch in _DIGIT_VALUE:
            digit = _DIGIT_VALUE[ch]
        else:
            assert digit, f"unit {ch} without a digit in {text!r}"
            total += digit * _SMALL[ch]
            digit = 0
    return total + digit


def read_capital(text: str) -> int:
    """Capital amount text → fen."""
    sign = -1 if text.startswith("负") else 1
    text = text.removeprefix("负").removesuffix("整")
    yuan_text, _, small = text.rpartition("元") if "元" in text else ("", "", text)
    yuan = 0
    rest = yuan_text
    for unit, scale in (("亿", 10**8), ("万", 10**4)):
        if unit in rest:
            head, rest = rest.split(unit)
            yuan += _read_section(head) * scale
    yuan += _read_section(rest)
    fen = 0
    if "角" in small:
        head, small = small.split("角")
        fen += _DIGIT_VALUE[head[-1]] * 10
    if "分" in small:
        fen += _DIGIT_VALUE[small.removesuffix("分")[-1]]
    return sign * (yuan * 100 + fen)


@given(money_values)
def test_capital_round_trips_through_reader(m: Money) -> None:
    capital = to_chinese_capital(m)
    assert read_capital(capital) == m.fen


@given(money_values)
def test_capital_text_is_well_formed(m: Money) -> None:
    capital = to_chinese_capital(m)
    body = capital.removeprefix("负")
    # GIVEN any amount THEN no doubled 零, no 零 before a unit, and 整 only after 元/角
    assert "零零" not in body
    if body != "零元整":
        for unit in "元万亿拾佰仟角分":
            assert "零" + unit not in body
    assert body.endswith(("整", "分"))
    assert not body.endswith("分整")
    assert body == "零元整" or not body.startswith("零")
    assert set(body) <= set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")
    assert ("负" in capital) == (m.fen < 0)
