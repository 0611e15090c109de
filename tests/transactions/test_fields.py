"""Field specs parse plain values into typed ones, or say what is wrong."""
from __future__ import annotations

import datetime as dt

from teller.domain.money import Money
from teller.domain.pin import PinBlock
from teller.transactions.fields import (
    CARD, KEYBOARD, AccountField, AccountRef, AmountField, ChoiceField, DateField,
    DenominationCount, DenominationCountField, IdDocument, IdField, PinField, TextField,
)


def test_account_field_tells_account_numbers_from_cards():
    f = AccountField("account", "账号", "Account")
    assert f.parse("01012017000000014") == (AccountRef("01012017000000014", "account"), [])
    assert f.parse({"number": "6217 0000 0000 0000 012", "source": "card"}) == \
        (AccountRef("6217000000000000012", "card", CARD), [])
    value, problems = f.parse("01012017000000015")
    assert value is None and problems[0].message == "账号校验位不正确"
    assert f.parse("6217000000000000018")[1][0].message == "账号/卡号校验位不正确"
    keyboard_only = AccountField("to", "账号", sources=(KEYBOARD,))
    assert keyboard_only.parse({"number": "01012017000000014", "source": "card"})[1]


def test_amount_field_is_strict_and_bounded():
    f = AmountField("amount", "金额", "Amount", max_fen=100_000)
    assert f.parse("1,000.00") == (Money(100_000), [])
    assert f.parse("0")[1][0].message == "金额不能小于 ¥0.01"
    assert f.parse("1000.01")[1][0].message == "金额不能大于 ¥1,000.00"
    assert f.parse(100)[1][0].field == "amount"  # a bare JSON number is ambiguous
    assert f.parse("")[1][0].message == "请输入金额"
    assert AmountField("amount", "金额", required=False).parse("") == (None, [])


def test_choice_text_date_fields():
    c = ChoiceField("mode", "方式", choices=(("cash", "现金", "Cash"), ("transfer", "转账", "T")),
                    default="cash")
    assert c.parse(None) == ("cash", []) and c.parse("transfer") == ("transfer", [])
    assert c.parse("cheque")[1][0].message == "方式须为：现金、转账"
    t = TextField("memo", "摘要", max_len=4)
    assert t.parse("  ab ") == ("ab", []) and t.parse("abcde")[1][0].message == "摘要不能超过4个字"
    d = DateField("on", "日期")
    assert d.parse("2026-03-01") == (dt.date(2026, 3, 1), [])
    assert d.parse("2026-02-30")[1][0].message == "日期格式应为 YYYY-MM-DD"


def test_id_field_checks_resident_ids():
    f = IdField("id", "证件")
    assert f.parse({"type": "resident_id", "number": "11010519491231002x"}) == \
        (IdDocument("resident_id", "11010519491231002X"), [])
    assert f.parse(("resident_id", "110105194912310021"))[1][0].message == "身份证号码校验位不正确"
    assert f.parse(("passport", "e1234567")) == (IdDocument("passport", "E1234567"), [])
    assert f.parse(("library_card", "1"))[1][0].message == "证件类型不正确"


def test_pin_field_accepts_only_a_pin_block():
    f = PinField("pin", "客户密码")
    block = PinBlock(bytes(8), "M00")
    assert f.parse(block) == (block, [])
    value, problems = f.parse("123456")
    assert value is None and problems[0].message == "客户密码须由客户在密码键盘上输入"


def test_denomination_counts_total():
    f = DenominationCountField("notes", "券别")
    value, problems = f.parse({"10000": 3, "5000": 1, "100": 0})
    assert problems == [] and value == DenominationCount(((10000, 3), (5000, 1)))
    assert value.total_fen == 35_000
    assert f.parse({"3000": 1})[1][0].message == "券别 3000 不正确"
    assert f.parse({"10000": -1})[1][0].message == "张数须为非负整数"
