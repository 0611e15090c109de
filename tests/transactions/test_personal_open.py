"""00010 customer maintenance and 10010 personal current opening, headless through
Session.run, with the PIN pad emulator and virtual PBOC cards in-process."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from teller.core.customers.models import Customer
from teller.core.ledger import models as m
from teller.core.accounts.pins import CustomerPinService
from teller.core.ledger.db import reader
from teller.core.accounts.models import AccountVerification, SmsSigning
from teller.domain.identity import is_account_number_valid, resident_id_check_char
from tests.transactions.conftest import new_card, read_card

pytestmark = pytest.mark.postgres

ID17 = "11010519880808123"
NEW_ID = {"type": "resident_id", "number": ID17 + resident_id_check_char(ID17)}
WANG_ID17 = "11010519800101123"  # demo customer 王小明
WANG_ID = {"type": "resident_id", "number": WANG_ID17 + resident_id_check_char(WANG_ID17)}


def count(core, table) -> int:
    with reader(core.engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def account_row(core, number):
    with reader(core.engine) as conn:
        return conn.execute(sa.select(m.Account.__table__)
                            .where(m.Account.number == number)).one()


def card_values(keyed, pan, pin="135790", **extra):
    return {"id": NEW_ID, "name": "赵新", "phone": "13800000011",
            "card_number": {"number": read_card(pan), "source": "card"},
            "pin": keyed(pan, pin), "pin_again": keyed(pan, pin), **extra}


def test_open_card_account_with_cash_deposit(core, teller_session, keyed, verifier):
    pan = new_card(1)
    box = core.account("cash_box", "T001")
    box_before, accounts_before = core.balance(box), count(core, m.Account.__table__)
    # WHEN a new customer opens a class-I card account with 500.00 cash and two SMS mobiles
    out = teller_session.run("10010", card_values(
        keyed, pan, opening_amount="500.00", sms_mobiles="13800000011，13900000022",
        name_en="ZHAO XIN"))
    # THEN one entry opened the account, credited it and took the cash into the box
    assert out.ok and out.finished, out.problems
    assert len(out.journal_numbers) == 1
    number = out.vouchers[0].account_masked
    row = next(r for r in [account_row(core, out.entries[0].legs[1].account)])
    assert is_account_number_valid(row.number) and row.number.startswith("01012017")
    assert number == f"{row.number[:6]}****{row.number[-4:]}"
    assert (row.balance, row.account_class, row.medium_kind, row.medium_number) == \
        (50000, "I", "card", pan)
    assert core.balance(box) == box_before + 50000
    assert count(core, m.Account.__table__) == accounts_before + 1
    # AND the customer exists once, with the English name for certificates
    with reader(core.engine) as conn:
        cust = conn.execute(sa.select(Customer.__table__)
                            .where(Customer.id == row.customer_id)).one()
        mobiles = conn.execute(sa.select(SmsSigning.mobile).where(
            SmsSigning.account_number == row.number).order_by(SmsSigning.id)).scalars().all()
        method = conn.execute(sa.select(AccountVerification.method).where(
            AccountVerification.account_number == row.number)).scalar_one()
    assert (cust.name, cust.name_en, cust.id_number) == ("赵新", "ZHAO XIN", NEW_ID["number"])
    assert mobiles == ["13800000011", "13900000022"] and method == "phone"
    # AND the password set on the PIN pad verifies (bound to the card number)
    pins = CustomerPinService(core.engine, verifier)
    assert pins.verify(row.number, keyed(pan, "135790")).accepted
    assert not pins.verify(row.number, keyed(pan, "000000")).accepted
    # AND the opening voucher and the card letter were printed
    titles = [v.txn_name for v in pin_printed(teller_session)]
    assert titles == ["个人活期开户", "开卡函"]
    assert out.vouchers[0].amount_capital == "伍佰元整"


def pin_printed(session):
    return session.terminal.printed


def test_opening_without_deposit_is_one_entry_without_legs(core, teller_session, keyed):
    pan = new_card(2)
    out = teller_session.run("10010", card_values(keyed, pan))
    assert out.ok, out.problems
    line = teller_session.journal_today()[-1]
    assert line.txn_code == "10010" and line.amount == 0
    assert teller_session.terminal.core.account_by_medium(pan).balance == 0


def test_passbook_account_for_an_existing_customer_reserves_its_number(core, teller_session,
                                                                       keyed, verifier):
    # GIVEN 王小明 exists; a passbook account binds its password to the account number,
    # so the flow reserves the number before the PIN pad page
    run, _ = teller_session.start("10010")
    # WHEN a passbook number other than the box's smallest is keyed THEN refused, naming it
    run.set_many({"id": WANG_ID, "medium_kind": "passbook", "passbook_number": "10000005"})
    out = teller_session.commit(run, stop_after="number")
    assert not out.ok and out.problems[0].field == "passbook_number"
    assert "10000001" in out.problems[0].message and run.state["account_number"] is None
    # WHEN it is left blank THEN the proposed (smallest) passbook is taken
    run.set_many({"passbook_number": None})
    out = teller_session.commit(run, stop_after="number")
    assert out.ok and out.journal_numbers == ()
    number = run.state["account_number"]
    assert is_account_number_valid(number)
    assert run.current.name == "password"
    run.set_many({"pin": keyed(number, "112233"), "pin_again": keyed(number, "112233"),
                  "opening_amount": "20.00"})
    out = teller_session.commit(run)
    assert out.ok and out.finished, out.problems
    row = account_row(core, number)
    assert (row.medium_kind, row.medium_number, row.balance) == ("passbook", "10000001", 2000)
    # AND the passbook left the teller's box in the opening's entry (9001 count down)
    vouchers = teller_session.terminal.core.vouchers
    assert vouchers.voucher("passbook", "10000001").account == number
    assert vouchers.use_next("0101", "T001", "passbook") == "10000002"
    box = vouchers.box_account("0101", "T001", "passbook")
    assert core.balance(box) == 9
    assert (box, "C", 1) in [(leg.account, leg.direction, leg.amount)
                             for leg in out.entries[0].legs]
    assert row.customer_id == core_customer_id(core, WANG_ID["number"])
    assert CustomerPinService(core.engine, verifier).verify(number, keyed(number, "112233")
                                                            ).accepted
    assert [v.txn_name for v in out.vouchers] == ["个人活期开户", "存折扉页"]


def core_customer_id(core, id_number):
    with reader(core.engine) as conn:
        return conn.execute(sa.select(Customer.id)
                            .where(Customer.id_number == id_number)).scalar_one()


def test_class_two_binds_the_customers_own_class_one_account(core, teller_session, keyed):
    wang_account = core.demo.accounts[0][0]
    liu_account = core.demo.accounts[1][0]
    pan = new_card(3)
    values = {"id": WANG_ID, "account_class": "II",
              "card_number": {"number": read_card(pan), "source": "card"},
              "pin": keyed(pan, "246802"), "pin_again": keyed(pan, "246802")}
    # WHEN the bound account is missing or someone else's THEN it is refused, nothing opened
    before = count(core, m.Account.__table__)
    assert teller_session.run("10010", values).problems[0].message == "请输入绑定Ⅰ类账号/卡号"
    out = teller_session.run("10010", {**values, "bound_account": liu_account})
    assert [p.message for p in out.problems] == ["绑定账户须为本人同名Ⅰ类账户"]
    assert count(core, m.Account.__table__) == before
    # WHEN it is the customer's own class-I account THEN the class-II account opens bound to it
    out = teller_session.run("10010", {**values, "bound_account": wang_account})
    assert out.ok, out.problems
    # (its entry's only leg is the blank card leaving the box, 9001)
    row = account_row(core, teller_session.terminal.core.account_by_medium(pan).number)
    assert (row.account_class, row.bound_account) == ("II", wang_account)


def test_refusals_change_nothing(core, teller_session, keyed):
    pan = new_card(4)
    demo_card = core.demo.accounts[0][2]
    before = (count(core, m.Account.__table__), count(core, Customer.__table__))

    def problems(**values):
        out = teller_session.run("10010", values)
        assert not out.ok
        return [p.message for p in out.problems]

    base = card_values(keyed, pan)
    # the two PIN entries differ
    assert problems(**{**base, "pin_again": keyed(pan, "999999")}) == \
        ["两次输入的密码不一致，请重新输入"]
    # a card number typed on the keyboard is not a card read from the reader
    assert problems(**{**base, "card_number": pan}) == ["该栏位不支持此输入方式"]
    # a card already issued to another account
    assert problems(**{**base, "card_number": {"number": demo_card, "source": "card"}})[0] \
        .startswith("该卡已用于账户")
    # a passbook for a class-II account
    assert problems(**{**base, "account_class": "II", "id": WANG_ID, "name": "",
                       "bound_account": core.demo.accounts[0][0],
                       "medium_kind": "passbook"}) == ["Ⅱ、Ⅲ类户不能开立存折"]
    # a class-III account above its balance ceiling
    assert problems(**{**base, "account_class": "III", "id": WANG_ID, "name": "",
                       "bound_account": core.demo.accounts[0][0],
                       "opening_amount": "2,000.01"}) == ["Ⅲ类户余额不能超过 ¥2,000.00"]
    # a typed name that is not the registered one
    assert problems(**{**base, "id": WANG_ID, "name": "王大明"}) == \
        ["姓名与证件登记的不一致（登记为 王小明）"]
    # a resident ID with a wrong check character
    assert problems(**{**base, "id": {"type": "resident_id", "number": ID17 + "0"}}) == \
        ["身份证号码校验位不正确"]
    # six SMS mobiles, over-long free text, a name for certificates in Chinese
    assert problems(**{**base, "sms_mobiles": ",".join(f"1380000001{i}" for i in range(6))}) \
        == ["短信签约最多5个手机号"]
    assert problems(**{**base, "address": "路" * 101}) == ["地址不能超过100个字"]
    assert problems(**{**base, "name_en": "赵新"}) == ["英文名只能由英文字母、空格及 . - / 组成"]
    assert problems(**{**base, "pin": "135790"}) == ["客户密码须由客户在密码键盘上输入"]
    assert (count(core, m.Account.__table__), count(core, Customer.__table__)) == before


def test_leaving_midway_leaves_no_account(core, teller_session, keyed):
    pan = new_card(5)
    before = (count(core, m.Account.__table__), count(core, Customer.__table__))
    # GIVEN every page filled in, up to the open step
    run, _ = teller_session.start("10010")
    run.set_many(card_values(keyed, pan, opening_amount="100.00"))
    while run.current.name != "open":
        assert run.next() == [], run.current.name
    # WHEN the teller leaves instead of submitting
    assert teller_session.abandon(run.run_id).ok
    # THEN there is no account, no customer, no entry
    assert (count(core, m.Account.__table__), count(core, Customer.__table__)) == before
    assert teller_session.terminal.core.account_by_medium(pan) is None
    assert teller_session.journal_today() == ()


def test_reversing_an_opening_returns_the_deposit_and_closes_the_account(core, teller_session,
                                                                         keyed):
    pan = new_card(6)
    box = core.account("cash_box", "T001")
    box_before = core.balance(box)
    opened = teller_session.run("10010", card_values(keyed, pan, opening_amount="300.00"))
    number = teller_session.terminal.core.account_by_medium(pan).number
    # WHEN the opening is reversed (08210, supervisor S002)
    out = teller_session.run("08210", {"journal_number": opened.journal_numbers[0]},
                             authorizer=("S002", "demo123"))
    # THEN the cash went back and the account is closed
    assert out.ok, out.problems
    row = account_row(core, number)
    assert (row.status, row.balance, row.closed_on) == ("closed", 0, core.demo.business_date)
    assert core.balance(box) == box_before
    # AND the card can be issued again
    again = teller_session.run("10010", card_values(keyed, pan))
    assert again.ok, again.problems
    assert teller_session.terminal.core.account_by_medium(pan).status == "normal"


def test_an_opening_with_later_activity_cannot_be_reversed(core, teller_session, keyed):
    pan = new_card(7)
    opened = teller_session.run("10010", card_values(keyed, pan, opening_amount="10.00"))
    assert teller_session.run("10020", {"account": pan, "amount": "5.00"}).ok
    out = teller_session.run("08210", {"journal_number": opened.journal_numbers[0]},
                             authorizer=("S002", "demo123"))
    assert [p.message for p in out.problems] == ["该账户开户后已有其他交易，请先冲正后续交易"]
    assert teller_session.terminal.core.account_by_medium(pan).status == "normal"


def test_class_three_ceiling_holds_for_later_deposits(core, teller_session, keyed):
    pan = new_card(8)
    out = teller_session.run("10010", {
        "id": WANG_ID, "account_class": "III", "bound_account": core.demo.accounts[0][0],
        "card_number": {"number": read_card(pan), "source": "card"},
        "pin": keyed(pan, "111222"), "pin_again": keyed(pan, "111222"),
        "opening_amount": "1,500.00"})
    assert out.ok, out.problems
    refused = teller_session.run("10020", {"account": pan, "amount": "500.01"})
    # (the counter rules and the posting engine both hold the ceiling; either says so)
    number = teller_session.terminal.core.account_by_medium(pan).number
    assert [(p.message.startswith("Ⅲ类户余额"), "2,000.00" in p.message,
             p.message.endswith(number)) for p in refused.problems] == [(True, True, True)]
    assert not refused.journal_numbers
    assert teller_session.run("10020", {"account": pan, "amount": "500.00"}).ok


def test_customer_create_then_maintain_shows_before_and_after(core, teller_session):
    # WHEN a new customer is created through 00010
    out = teller_session.run("00010", {"id": NEW_ID, "name": "赵新", "phone": "13800000011",
                                       "occupation": "教师"})
    assert out.ok and len(out.journal_numbers) == 1, out.problems
    # THEN the same document finds the same customer: maintaining changes only what is typed
    run, _ = teller_session.start("00010")
    run.set_many({"id": NEW_ID, "phone": "13900000099", "name_en": "ZHAO XIN"})
    assert run.next() == []
    shown = {label: text for label, _, text in run.summary(run.flow.pages[0])}
    assert shown["客户"].startswith("老客户：赵新")
    assert shown["联系电话"] == "13800000011 → 13900000099"
    assert shown["英文名（证书用）"] == "（空） → ZHAO XIN"
    assert teller_session.commit(run).ok
    with reader(core.engine) as conn:
        rows = conn.execute(sa.select(Customer.__table__)
                            .where(Customer.id_number == NEW_ID["number"])).all()
    assert len(rows) == 1
    assert (rows[0].name, rows[0].phone, rows[0].occupation, rows[0].name_en) == \
        ("赵新", "13900000099", "教师", "ZHAO XIN")


def test_customer_refusals(core, teller_session):
    before = count(core, Customer.__table__)
    run = teller_session.run
    assert [p.message for p in run("00010", {"id": NEW_ID}).problems] == ["请输入客户姓名"]
    assert [p.message for p in run("00010", {"id": NEW_ID, "name": "赵新",
                                             "phone": "12345"}).problems] == \
        ["联系电话格式不正确（手机11位或固定电话）"]
    assert [p.message for p in run("00010", {"id": NEW_ID, "name": "赵新" * 21}).problems] == \
        ["客户姓名不能超过40个字"]
    assert [p.message for p in run("00010", {"id": {"type": "passport",
                                                    "number": "E1'; DROP TABLE x"},
                                             "name": "Tom"}).problems] == \
        ["证件号码只能由字母和数字组成，最多40位"]
    assert count(core, Customer.__table__) == before


def test_maintaining_without_a_change_is_refused(core, teller_session):
    out = teller_session.run("00010", {"id": WANG_ID, "name": "王小明"})
    assert [p.message for p in out.problems] == ["客户已存在，没有修改任何项目"]
    assert teller_session.journal_today() == ()
