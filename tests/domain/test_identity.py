"""Resident ID, bank card, account number and credit code checks."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teller.domain.identity import (
    Sex,
    age_on,
    birth_date_of,
    check_account_number,
    check_card_number,
    check_credit_code,
    check_resident_id,
    credit_code_check_char,
    is_account_number_valid,
    is_luhn_valid,
    luhn_check_digit,
    make_account_number,
    mod11_10_check_digit,
    resident_id_check_char,
    sex_of,
    split_account_number,
)

TODAY = date(2026, 3, 20)


def _with_check(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


# -- resident ID ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),  # the GB 11643 textbook example
        ("44052418800101001", "4"),
        ("11010119900307003", "8"),
    ],
)
def test_resident_id_check_char(first17: str, check: str) -> None:
    # The table is cross-checked with the standard's formula written out
    # independently here: weight 2^(17-i) mod 11, index into "10X98765432".
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(first17, weights))
    assert "10X98765432"[total % 11] == check
    assert resident_id_check_char(first17) == check


def test_resident_id_check_char_hand_computed() -> None:
    # 11010519491231002: Σ digit×weight
    #   1×7 + 1×9 + 0×10 + 1×5 + 0×8 + 5×4 + 1×2 + 9×1 + 4×6 + 9×3
    #   + 1×7 + 2×9 + 3×10 + 1×5 + 0×8 + 0×4 + 2×2
    #   = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 → "X"
    assert resident_id_check_char("11010519491231002") == "X"


@pytest.mark.parametrize(
    "text",
    [
        "11010519491231002X",
        "11010519491231002x",  # lower-case x is accepted
        " 11010519491231002X ",
        _with_check("44052419800101001"),
        _with_check("81000019800229001"),  # Hong Kong residence permit, leap day
        _with_check("65010020260320001"),  # born on the business date itself
        _with_check("11010119000101001"),  # earliest accepted birth date
    ],
)
def test_valid_resident_ids(text: str) -> None:
    assert check_resident_id(text, today=TODAY) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请输入身份证号码"),
        ("11010519491231002", "身份证号码应为18位"),
        ("110105194912310", "身份证号码应为18位"),  # old 15-digit ID
        ("11010519491231002XX", "身份证号码应为18位"),
        ("1101051949123100AX", "身份证号码前17位应为数字，末位为数字或X"),
        ("11010519491231002Y", "身份证号码前17位应为数字，末位为数字或X"),
        ("１１010519491231002X", "身份证号码前17位应为数字，末位为数字或X"),
        ("110105194912310021", "身份证号码校验位不正确"),
        (_with_check("99010519491231002"), "身份证号码地区代码不正确"),
        (_with_check("10010519491231002"), "身份证号码地区代码不正确"),
        (_with_check("11010519490230002"), "身份证号码出生日期不正确"),  # 30 Feb
        (_with_check("11010519491301002"), "身份证号码出生日期不正确"),  # month 13
        (_with_check("11010519000229002"), "身份证号码出生日期不正确"),  # 1900 not leap
        (_with_check("11010518991231002"), "身份证号码出生日期不正确"),  # before 1900
        (_with_check("11010520260321002"), "身份证号码出生日期晚于当前日期"),
    ],
)
def test_invalid_resident_ids(text: str, message: str) -> None:
    # GIVEN a bad ID WHEN checked THEN exactly one problem naming the fault
    problems = check_resident_id(text, today=TODAY)
    assert [p.message for p in problems] == [message]
    assert problems[0].field == "id_number" and problems[0].message_en


def test_resident_id_collects_several_problems_and_uses_field() -> None:
    problems = check_resident_id("990105194902300021", today=TODAY, field="holder_id")
    assert {p.message for p in problems} == {
        "身份证号码地区代码不正确",
        "身份证号码出生日期不正确",
        "身份证号码校验位不正确",
    }
    assert {p.field for p in problems} == {"holder_id"}


def test_future_birth_is_not_checked_without_a_business_date() -> None:
    assert check_resident_id(_with_check("11010520990101002")) == []


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_every_single_digit_change_of_a_resident_id_is_caught(first17: str) -> None:
    # MOD 11-2 detects all single substitutions: changing any one of the 17
    # digits leaves the old check character wrong.
    check = resident_id_check_char(first17)
    for i in range(17):
        for d in "0123456789":
            if d != first17[i]:
                changed = first17[:i] + d + first17[i + 1 :]
                assert resident_id_check_char(changed) != check


def test_birth_sex_and_age() -> None:
    man = _with_check("44052419800101001")  # 17th digit 1: odd → male
    woman = "11010519491231002X"
    assert birth_date_of(woman) == date(1949, 12, 31)
    assert sex_of(woman) is Sex.FEMALE and sex_of(woman).zh == "女"
    assert sex_of(man) is Sex.MALE and sex_of(man) == "M"
    assert age_on(woman, date(2026, 12, 30)) == 76
    assert age_on(woman, date(2026, 12, 31)) == 77


@pytest.mark.parametrize(
    ("on", "age"),
    [(date(2026, 2, 28), 17), (date(2026, 3, 1), 18), (date(2028, 2, 29), 20)],
)
def test_age_of_leap_day_birth(on: date, age: int) -> None:
    leapling = _with_check("11010520080229001")
    assert age_on(leapling, on) == age


def test_birth_date_of_rejects_bad_date() -> None:
    with pytest.raises(ValueError):
        birth_date_of(_with_check("11010519490230002"))


@pytest.mark.parametrize("bad", ["1101051949123100", "1101051949123100A", "110105194912310021"])
def test_check_char_helper_refuses_malformed_input(bad: str) -> None:
    with pytest.raises(ValueError):
        resident_id_check_char(bad)


# -- bank cards ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("partial", "check"),
    [
        ("7992739871", "3"),  # the classic Luhn example
        ("453201511283036", "6"),
        ("622202100112345678", "9"),  # sum of Luhn terms = 70, hand-checked
        ("0", "0"),
    ],
)
def test_luhn_check_digit(partial: str, check: str) -> None:
    assert luhn_check_digit(partial) == check
    assert is_luhn_valid(partial + check)


@pytest.mark.parametrize("number", ["79927398710", "79927398713x", "", "7", "７９９２"])
def test_luhn_invalid(number: str) -> None:
    assert not is_luhn_valid(number)


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        ("4532015112830366", []),
        ("6222 0210 0112 3456 789", []),
        ("6222021001123456789", []),
        ("", ["请输入卡号"]),
        ("6222-0210", ["卡号只能包含数字"]),
        ("453201511283", ["卡号应为13至19位数字"]),
        ("45320151128303660000", ["卡号应为13至19位数字"]),
        ("4532015112830367", ["卡号校验位不正确"]),
    ],
)
def test_check_card_number(text: str, messages: list[str]) -> None:
    assert [p.message for p in check_card_number(text)] == messages


@given(st.text(alphabet="0123456789", min_size=12, max_size=18))
def test_luhn_made_numbers_validate(partial: str) -> None:
    assert is_luhn_valid(partial + luhn_check_digit(partial))


# -- our account numbers -------------------------------------------------------
@pytest.mark.parametrize(
    ("digits", "check"),
    [
        # public ISO 7064 MOD 11,10 test vectors
        ("79462", "3"),
        ("00200667308", "5"),
        ("0100000138", "1"),
        ("0123456789", "6"),
    ],
)
def test_mod11_10_known_vectors(digits: str, check: str) -> None:
    assert mod11_10_check_digit(digits) == check


def test_mod11_10_hand_computed() -> None:
    # "79462": P starts at 10; for each digit S=(P+d) mod 10 (0→10), P=2S mod 11
    #   7: S=17%10=7  P=14%11=3
    #   9: S=12%10=2  P=4
    #   4: S=8        P=16%11=5
    #   6: S=11%10=1  P=2
    #   2: S=4        P=8
    #   check = (11 - 8) mod 10 = 3
    assert mod11_10_check_digit("79462") == "3"


def test_make_and_check_account_number() -> None:
    acct = make_account_number("0101", "2017", 1)
    assert len(acct) == 17 and acct.startswith("0101201700000001")
    assert check_account_number(acct) == []
    assert is_account_number_valid(acct)
    assert split_account_number(acct) == ("0101", "2017", 1)
    assert make_account_number("9999", "2241", 99_999_999)[:16] == "9999224199999999"


@pytest.mark.parametrize(
    ("branch", "kind", "serial"),
    [("101", "2017", 1), ("0101", "20171", 1), ("0101", "2017", -1),
     ("0101", "2017", 100_000_000), ("01a1", "2017", 1), ("0101", "2017", True)],
)
def test_make_account_number_refuses_bad_parts(branch: str, kind: str, serial: int) -> None:
    with pytest.raises(ValueError):
        make_account_number(branch, kind, serial)


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        ("", ["请输入账号"]),
        ("0101-2017", ["账号只能包含数字"]),
        ("0101201700000001", ["账号应为17位数字"]),
        ("01012017000000015", ["账号校验位不正确"]),
        ("01012017000000041", ["账号校验位不正确"]),  # last two digits swapped
    ],
)
def test_check_account_number_problems(text: str, messages: list[str]) -> None:
    assert [p.message for p in check_account_number(text)] == messages


def test_split_refuses_invalid() -> None:
    with pytest.raises(ValueError):
        split_account_number("01012017000000015")


@given(
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.integers(0, 99_999_999),
    st.integers(0, 16),
    st.integers(1, 9),
)
def test_every_single_digit_error_in_an_account_number_is_caught(
    branch: str, kind: str, serial: int, pos: int, delta: int
) -> None:
    acct = make_account_number(branch, kind, serial)
    wrong = acct[:pos] + str((int(acct[pos]) + delta) % 10) + acct[pos + 1 :]
    assert not is_account_number_valid(wrong)


def test_adjacent_transposition_detection_rate_is_as_documented() -> None:
    # GIVEN many random account numbers WHEN each adjacent pair of different
    # digits is swapped THEN about 2.2 % of swaps pass (the documented weakness
    # of MOD 11,10), and the rate is far from both 0 % and 10 %.
    rng = random.Random(20260320)
    swaps = missed = 0
    for _ in range(3000):
        acct = make_account_number(
            f"{rng.randrange(10_000):04d}", f"{rng.randrange(10_000):04d}", rng.randrange(10**8)
        )
        for i in range(16):
            if acct[i] != acct[i + 1]:
                swapped = acct[:i] + acct[i + 1] + acct[i] + acct[i + 2 :]
                swaps += 1
                missed += is_account_number_valid(swapped)
    assert 0.015 < missed / swaps < 0.03


# -- unified social credit code ------------------------------------------------
@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the example printed in GB 32100-2015 guides
        "91350100m000100y43",
        " 91350100M000100Y43 ",
    ],
)
def test_valid_credit_codes(code: str) -> None:
    assert check_credit_code(code) == []


def test_credit_code_check_char_hand_computed() -> None:
    # 91350100M000100Y4 with weights 3^i mod 31 = 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
    # values 9 1 3 5 0 1 0 0 M=21 0 0 0 1 0 0 Y=30 4
    # 9 + 3 + 27 + 135 + 0 + 26 + 0 + 0 + 420 + 0 + 0 + 0 + 8 + 0 + 0 + 900 + 112 = 1640
    # 1640 mod 31 = 28; 31 - 28 = 3 → "3"
    assert credit_code_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    ("code", "messages"),
    [
        ("", ["请输入统一社会信用代码"]),
        ("91350100M000100Y4", ["统一社会信用代码应为18位"]),
        ("91350100M000100Y44", ["统一社会信用代码校验位不正确"]),
        ("91350100M00010OY43", ["统一社会信用代码含有无效字符"]),  # letter O
        ("913501I0M000100Y43", ["统一社会信用代码含有无效字符"]),  # letter I
    ],
)
def test_invalid_credit_codes(code: str, messages: list[str]) -> None:
    assert [p.message for p in check_credit_code(code)] == messages


def test_credit_code_region_must_be_digits() -> None:
    first17 = "913A0100M000100Y4"
    code = first17 + credit_code_check_char(first17)
    assert [p.message for p in check_credit_code(code)] == ["统一社会信用代码行政区划码不正确"]
