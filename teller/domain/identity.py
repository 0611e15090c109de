"""Identity numbers: resident ID, bank card, our account numbers, credit code.

Every ``check_*`` function returns a list of :class:`Problem` (empty = valid);
helpers that compute check characters raise ``ValueError`` on malformed input,
because calling them with garbage is a programming fault, not a customer error.

Worked example::

    >>> resident_id_check_char("11010519491231002")
    'X'
    >>> check_resident_id("11010519491231002X", today=date(2026, 1, 5))
    []
    >>> birth_date_of("11010519491231002X"), sex_of("11010519491231002X").zh
    (datetime.date(1949, 12, 31), '女')
    >>> age_on("11010519491231002X", date(2026, 1, 5))
    76
    >>> [p.message for p in check_resident_id("110105194912310021")]
    ['身份证号码校验位不正确']
    >>> luhn_check_digit("7992739871"), is_luhn_valid("79927398713")
    ('3', True)
    >>> acct = make_account_number("0101", "2017", 1)
    >>> acct, is_account_number_valid(acct)
    ('01012017000000014', True)
    >>> check_credit_code("91350100M000100Y43")
    []

Account number check digit
--------------------------
Our account numbers are ``branch(4) + kind(4) + serial(8) + check(1)``.  The
check digit is ISO 7064 MOD 11,10 — the hybrid system of GB/T 17710 — chosen
because it is a national standard, needs only one *decimal* check digit (MOD
11-2 would sometimes need an ``X``, which passbook magnetic stripes and PIN-pad
style keyboards cannot carry), and detects **every** single-digit substitution.
It does *not* detect every adjacent transposition: 20 of the 900 (state,
digit-pair) combinations slip through, i.e. about 2.2 % of swaps of two
neighbouring digits such as ``45``→``54`` go unnoticed.  The tests measure both
figures so this paragraph cannot silently become false.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from teller.domain.problems import Problem

__all__ = [
    "PROVINCE_CODES",
    "Sex",
    "age_on",
    "birth_date_of",
    "check_account_number",
    "check_card_number",
    "check_credit_code",
    "check_resident_id",
    "credit_code_check_char",
    "is_account_number_valid",
    "is_luhn_valid",
    "luhn_check_digit",
    "make_account_number",
    "mod11_10_check_digit",
    "normalize_resident_id",
    "resident_id_check_char",
    "sex_of",
    "split_account_number",
]


def _is_ascii_digits(s: str) -> bool:
    # str.isdigit() accepts full-width and superscript digits; a check digit
    # computed over those would be nonsense.
    return s.isascii() and s.isdigit()


# -- 居民身份证 (GB 11643-1999) -----------------------------------------------

#: First two digits of the administrative division code (GB/T 2260): the
#: provinces, plus 71 台湾, 81 香港, 82 澳门 and 83 (台湾居民居住证), because
#: residence permits for Hong Kong, Macao and Taiwan residents use the same
#: 18-character format and are accepted at the counter as identity documents.
PROVINCE_CODES: frozenset[str] = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)

# ISO 7064 MOD 11-2: weight of position i (from the left) is 2^(17-i) mod 11.
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK_CHARS = "10X98765432"
_EARLIEST_BIRTH = date(1900, 1, 1)


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"

    @property
    def zh(self) -> str:
        return "男" if self is Sex.MALE else "女"


def normalize_resident_id(text: str) -> str:
    """Strip spaces and upper-case a trailing ``x``."""
    return text.strip().upper()


def resident_id_check_char(first17: str) -> str:
    """The 18th character for 17 leading digits (``'0'``–``'9'`` or ``'X'``)."""
    if len(first17) != 17 or not _is_ascii_digits(first17):
        raise ValueError("need exactly 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK_CHARS[total % 11]


def _birth_date_or_none(id_number: str) -> date | None:
    s = id_number[6:14]
    if not _is_ascii_digits(s):
        return None
    try:
        return date(int(s[:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        return None


def birth_date_of(id_number: str) -> date:
    """Birth date encoded in an 18-character ID; ``ValueError`` if not a real date."""
    born = _birth_date_or_none(normalize_resident_id(id_number))
    if born is None:
        raise ValueError("no valid birth date in ID number")
    return born


def sex_of(id_number: str) -> Sex:
    """The 17th digit (sequence code) is odd for men and even for women."""
    digit = normalize_resident_id(id_number)[16]
    if not _is_ascii_digits(digit):
        raise ValueError("ID number has no sequence digit")
    return Sex.MALE if int(digit) % 2 else Sex.FEMALE


def age_on(id_number: str, on: date) -> int:
    """Full years of age on ``on``.

    Someone born on 29 February becomes a year older on 1 March in common
    years, because (2, 28) is still before their (2, 29) birthday.
    """
    born = birth_date_of(id_number)
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


def check_resident_id(
    text: str, *, today: date | None = None, field: str = "id_number"
) -> list[Problem]:
    """Validate an 18-character PRC resident ID.

    ``today`` is the business date; the domain never reads the wall clock, so
    without it only the 1900 lower bound on the birth date is applied.
    """
    s = normalize_resident_id(text)
    if not s:
        return [Problem(field, "请输入身份证号码", "ID number is required")]
    if len(s) != 18:
        return [Problem(field, "身份证号码应为18位", "ID number must have 18 characters")]
    if not _is_ascii_digits(s[:17]) or not (_is_ascii_digits(s[17]) or s[17] == "X"):
        return [
            Problem(
                field,
                "身份证号码前17位应为数字，末位为数字或X",
                "ID number must be 17 digits followed by a digit or X",
            )
        ]
    problems: list[Problem] = []
    if s[:2] not in PROVINCE_CODES:
        problems.append(
            Problem(field, "身份证号码地区代码不正确", "invalid region code in ID number")
        )
    born = _birth_date_or_none(s)
    if born is None or born < _EARLIEST_BIRTH:
        problems.append(
            Problem(field, "身份证号码出生日期不正确", "invalid birth date in ID number")
        )
    elif today is not None and born > today:
        problems.append(
            Problem(field, "身份证号码出生日期晚于当前日期", "birth date is in the future")
        )
    if resident_id_check_char(s[:17]) != s[17]:
        problems.append(
            Problem(field, "身份证号码校验位不正确", "ID number check character is wrong")
        )
    return problems


# -- bank card numbers (ISO/IEC 7812 Luhn) ----------------------------------


def _luhn_sum(digits: str, double_first_from_right: bool) -> int:
    total = 0
    double = double_first_from_right
    for ch in reversed(digits):
        d = int(ch) * 2 if double else int(ch)
        total += d - 9 if d > 9 else d
        double = not double
    return total


def luhn_check_digit(partial: str) -> str:
    """The Luhn digit to append to ``partial`` (card number without its last digit)."""
    if not partial or not _is_ascii_digits(partial):
        raise ValueError("need at least one digit")
    # The digit to be appended will sit at the unweighted rightmost place, so
    # the rightmost digit of ``partial`` is the first to be doubled.
    return str((10 - _luhn_sum(partial, True) % 10) % 10)


def is_luhn_valid(number: str) -> bool:
    """True when ``number`` is all digits (at least two) and passes Luhn."""
    if len(number) < 2 or not _is_ascii_digits(number):
        return False
    return _luhn_sum(number, False) % 10 == 0


def check_card_number(text: str, field: str = "card_number") -> list[Problem]:
    """A bank card number: 13–19 digits passing Luhn; spaces between groups allowed."""
    s = "".join(text.split())
    if not s:
        return [Problem(field, "请输入卡号", "card number is required")]
    if not _is_ascii_digits(s):
        return [Problem(field, "卡号只能包含数字", "card number must be digits only")]
    if not 13 <= len(s) <= 19:
        return [Problem(field, "卡号应为13至19位数字", "card number must have 13-19 digits")]
    if not is_luhn_valid(s):
        return [Problem(field, "卡号校验位不正确", "card number check digit is wrong")]
    return []


# -- our account numbers (ISO 7064 MOD 11,10 / GB/T 17710) --------------------

ACCOUNT_NUMBER_LENGTH = 17


def mod11_10_check_digit(digits: str) -> str:
    """ISO 7064 hybrid MOD 11,10 check digit for a string of decimal digits."""
    if not digits or not _is_ascii_digits(digits):
        raise ValueError("need at least one digit")
    product = 10
    for ch in digits:
        s = (product + int(ch)) % 10 or 10
        product = (s * 2) % 11
    return str((11 - product) % 10)


def make_account_number(branch: str, kind: str, serial: int) -> str:
    """``branch(4) + kind(4) + serial(8, zero padded) + check digit``."""
    if len(branch) != 4 or not _is_ascii_digits(branch):
        raise ValueError("branch must be 4 digits")
    if len(kind) != 4 or not _is_ascii_digits(kind):
        raise ValueError("kind must be 4 digits")
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial <= 99_999_999:
        raise ValueError("serial must be an int in 0..99999999")
    body = f"{branch}{kind}{serial:08d}"
    return body + mod11_10_check_digit(body)


def check_account_number(text: str, field: str = "account") -> list[Problem]:
    s = text.strip()
    if not s:
        return [Problem(field, "请输入账号", "account number is required")]
    if not _is_ascii_digits(s):
        return [Problem(field, "账号只能包含数字", "account number must be digits only")]
    if len(s) != ACCOUNT_NUMBER_LENGTH:
        return [Problem(field, "账号应为17位数字", "account number must have 17 digits")]
    if mod11_10_check_digit(s[:-1]) != s[-1]:
        return [Problem(field, "账号校验位不正确", "account number check digit is wrong")]
    return []


def is_account_number_valid(text: str) -> bool:
    return not check_account_number(text)


def split_account_number(text: str) -> tuple[str, str, int]:
    """``(branch, kind, serial)`` of a valid account number; ``ValueError`` otherwise."""
    s = text.strip()
    if check_account_number(s):
        raise ValueError(f"not a valid account number: {text!r}")
    return s[:4], s[4:8], int(s[8:16])


# -- 统一社会信用代码 (GB 32100-2015) -----------------------------------------

# 31 characters: digits and capitals without I, O, Z, S, V (easily misread).
_CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {c: i for i, c in enumerate(_CREDIT_CHARSET)}
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code."""
    if len(first17) != 17 or any(c not in _CREDIT_VALUE for c in first17):
        raise ValueError("need 17 characters from the GB 32100 character set")
    total = sum(_CREDIT_VALUE[c] * w for c, w in zip(first17, _CREDIT_WEIGHTS))
    return _CREDIT_CHARSET[(31 - total % 31) % 31]


def check_credit_code(text: str, field: str = "credit_code") -> list[Problem]:
    """18 characters: authority, type, 6-digit region, 9-char org code, check char."""
    s = text.strip().upper()
    if not s:
        return [Problem(field, "请输入统一社会信用代码", "credit code is required")]
    if len(s) != 18:
        return [
            Problem(field, "统一社会信用代码应为18位", "credit code must have 18 characters")
        ]
    if any(c not in _CREDIT_VALUE for c in s):
        return [
            Problem(
                field,
                "统一社会信用代码含有无效字符",
                "credit code contains invalid characters (I, O, Z, S, V are not used)",
            )
        ]
    problems: list[Problem] = []
    if not _is_ascii_digits(s[2:8]):
        problems.append(
            Problem(field, "统一社会信用代码行政区划码不正确", "invalid region code in credit code")
        )
    if credit_code_check_char(s[:17]) != s[17]:
        problems.append(
            Problem(field, "统一社会信用代码校验位不正确", "credit code check character is wrong")
        )
    return problems
