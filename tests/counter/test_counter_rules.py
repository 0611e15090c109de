"""10020/10030 deepened: PIN through the PIN pad (3 wrong lock, the 4th refused
even when right), class II/III limits, 50,000.00+ cash needs the 18590 data —
each through Session.run, and the core refusing the same when called directly."""
from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from teller.core.cash.large_cash import FundsDeclaration
from teller.core.ledger.db import reader
from teller.core.cash.models import LargeCashRecord
from teller.core.cash.counts import CashCount
from teller.core.ledger.records import EntryRequest, Leg, PostingRefused
from teller.domain.identity import luhn_check_digit

pytestmark = pytest.mark.postgres
PW = "demo123"


def card_account(counter, serial: str = "621700000000000091", pin: str = "135790"):
    pan = serial + luhn_check_digit(serial)
    number = counter.open_account(medium_kind="card", medium_number=pan)
    counter.terminal.core.customer_pins.set_pin(number, counter.pin(pan, pin))
    assert counter.session.run("10020", {"account": number, "amount": "2,000.00",
                                         "mode": "cash"}).ok
    return number, pan


def entries(core) -> int:
    with reader(core.engine) as conn:
        return conn.execute(sa.text("SELECT count(*) FROM journal_entries")).scalar_one()


def test_withdrawal_needs_the_pin_and_three_wrong_lock_even_the_right_one_after(counter):
    number, pan = card_account(counter)
    base = {"account": pan, "amount": "100.00", "mode": "cash"}
    n = entries(counter.core)
    # WHEN no PIN is given for a 凭密 account
    out = counter.session.run("10030", base)
    # THEN the page asks for the PIN pad and nothing posts
    assert not out.ok and out.problems[0].field == "pin"
    assert "密码键盘" in out.problems[0].message
    # WHEN the right PIN is keyed
    out = counter.session.run("10030", {**base, "pin": counter.pin(pan, "135790")})
    assert out.ok, out.problems
    assert counter.core.balance(number) == 190_000
    # WHEN a wrong PIN is keyed three times
    messages = [counter.session.run("10030", {**base, "pin": counter.pin(pan, "000000")})
                .problems[0].message for _ in range(3)]
    # THEN the count goes down and the third locks
    assert messages == ["密码错误，还可输入2次", "密码错误，还可输入1次",
                        "密码错误次数超限，密码已锁定"]
    # WHEN the 4th attempt has the right PIN
    out = counter.session.run("10030", {**base, "pin": counter.pin(pan, "135790")})
    # THEN it is refused as locked, and only the one good withdrawal posted
    assert not out.ok and out.problems[0].message.startswith("密码已锁定")
    assert counter.core.balance(number) == 190_000
    assert entries(counter.core) == n + 1


def test_core_refuses_a_debit_without_pin_whoever_calls(counter):
    # GIVEN a 凭密 account and a caller that skips the flow's pages
    number, pan = card_account(counter)
    box = counter.core.account("cash_box", "T001")
    req = EntryRequest(key="direct-1", branch="0101", teller="T001", terminal="T01",
                       txn_code="10030", step="post",
                       legs=(Leg(number, "D", 10_000), Leg(box, "C", 10_000)),
                       attachments=(CashCount(box, paid=((10000, 1),)),))
    # WHEN it posts without a PIN block
    with pytest.raises(PostingRefused) as info:
        counter.terminal.core.post(req)
    # THEN the core refuses and the balance stands
    assert info.value.code == "pin_required"
    assert counter.core.balance(number) == 200_000


def test_class_iii_balance_cap_and_class_ii_daily_limit(counter):
    # GIVEN a class III account (cap 2,000.00)
    iii = counter.open_account(account_class="III")
    assert counter.session.run("10020", {"account": iii, "amount": "1,500.00",
                                         "mode": "cash"}).ok
    # WHEN a deposit would take it over the cap
    out = counter.session.run("10020", {"account": iii, "amount": "500.01", "mode": "cash"})
    # THEN the engine refuses it with the cap, and the balance stays
    assert not out.ok and "Ⅲ类户余额不能超过 2,000.00 元" in out.problems[0].message
    assert counter.core.balance(iii) == 150_000
    assert counter.session.run("10020", {"account": iii, "amount": "500.00",
                                         "mode": "cash"}).ok
    # GIVEN a class II account bound to a class I account
    bound = counter.core.demo.accounts[1][0]
    ii = counter.open_account(account_class="II", bound=bound)
    assert counter.session.run("10020", {"account": ii, "amount": "10,000.00",
                                         "mode": "cash"}).ok
    # WHEN more cash comes in the same day
    out = counter.session.run("10020", {"account": ii, "amount": "0.01", "mode": "cash"})
    # THEN the daily limit refuses it
    assert not out.ok and "日累计限额 ¥10,000.00" in out.problems[0].message
    # WHEN money comes from the bound class I account instead
    out = counter.session.run("10020", {"account": ii, "amount": "3,000.00", "mode": "transfer",
                                        "from_account": bound})
    # THEN it is not limited
    assert out.ok, out.problems
    assert counter.core.balance(ii) == 1_300_000



def test_class_iii_balance_cap_holds_for_money_from_the_bound_account(counter):
    # GIVEN a class III account bound to a class I account, holding 1,500.00
    bound = counter.core.demo.accounts[1][0]
    iii = counter.open_account(account_class="III", bound=bound)
    assert counter.session.run("10020", {"account": iii, "amount": "1,500.00",
                                         "mode": "cash"}).ok
    before = counter.core.balance(bound)
    # WHEN 500.01 comes from the bound account (exempt from the class limits)
    out = counter.session.run("10020", {"account": iii, "amount": "500.01", "mode": "transfer",
                                        "from_account": bound})
    # THEN the balance cap still refuses it, and neither balance moves
    assert not out.ok and "Ⅲ类户余额不能超过 2,000.00 元" in out.problems[0].message
    assert counter.core.balance(iii) == 150_000 and counter.core.balance(bound) == before
    # WHEN exactly up to the cap
    out = counter.session.run("10020", {"account": iii, "amount": "500.00", "mode": "transfer",
                                        "from_account": bound})
    # THEN it posts
    assert out.ok, out.problems
    assert counter.core.balance(iii) == 200_000

def test_large_cash_needs_source_of_funds_recorded_with_the_posting(counter):
    number = counter.open_account()
    n = entries(counter.core)
    # WHEN 60,000.00 cash comes in without any source of funds
    out = counter.session.run("10020", {"account": number, "amount": "60,000.00",
                                        "mode": "cash"})
    # THEN it is refused on the 18590 page ("other", the default, needs its words)
    # and nothing posts
    assert not out.ok and [p.field for p in out.problems] == ["funds_detail"]
    assert "资金来源/用途" in out.problems[0].message
    assert entries(counter.core) == n
    # WHEN the source is given on the 18590 page
    out = counter.session.run("10020", {"account": number, "amount": "60,000.00", "mode": "cash",
                                        "funds_category": "business",
                                        "funds_detail": "门店营业款"})
    # THEN it posts and the register holds the line for that entry
    assert out.ok, out.problems
    with reader(counter.core.engine) as conn:
        (rec,) = conn.execute(sa.select(LargeCashRecord).where(
            LargeCashRecord.entry_id == out.entries[0].entry_id)).all()
    assert (rec.entry_id, rec.account_number, rec.direction, rec.cash_amount, rec.category,
            rec.detail) == (out.entries[0].entry_id, number, "deposit", 6_000_000, "business",
                            "门店营业款")
    # AND the core refuses large cash without the data whoever calls it
    box = counter.core.account("cash_box", "T001")
    req = EntryRequest(key="direct-2", branch="0101", teller="T001", terminal="T01",
                       txn_code="10030", step="post",
                       legs=(Leg(number, "D", 5_000_000), Leg(box, "C", 5_000_000)),
                       attachments=(CashCount(box, paid=((10000, 500),)),))
    with pytest.raises(PostingRefused) as info:
        counter.terminal.core.post(req)
    assert info.value.code == "large_cash_needs_funds"
    posted = counter.terminal.core.post(dataclasses.replace(
        req, attachments=req.attachments + (FundsDeclaration("consumption"),)))
    assert counter.terminal.core.large_cash.record_for(posted.journal_number).direction == \
        "withdrawal"


def test_large_cash_withdrawal_use_of_funds_other_needs_a_description(counter):
    number = counter.core.demo.accounts[1][0]  # 86,000.50, no password set
    values = {"account": number, "amount": "55,000.00", "mode": "cash",
              "funds_category": "other"}
    out = counter.session.run("10030", values, ("S002", PW))
    assert not out.ok and out.problems[0].field == "funds_detail"
    out = counter.session.run("10030", {**values, "funds_detail": "装修"}, ("S002", PW))
    assert out.ok, out.problems
    info = counter.terminal.core.large_cash.record_for(out.journal_numbers[0])
    assert (info.direction, info.category, info.detail) == ("withdrawal", "other", "装修")


def test_retry_from_the_terminal_journal_does_not_skip_the_pin(counter):
    # GIVEN a 凭密 withdrawal written ahead to the terminal's journal that never
    # reached the core (the PIN block itself is never stored)
    number, pan = card_account(counter)
    box = counter.core.account("cash_box", "T001")
    req = {"key": "T01-lost-00-0", "branch": "0101", "teller": "T001", "terminal": "T01",
           "txn_code": "10030", "step": "post",
           "legs": [[number, "D", 10_000, "现金支取"], [box, "C", 10_000, "现金支取"]],
           "memo": "现金支取", "purpose": "normal", "reversible": True, "offline": False,
           "required_level": None, "authorization": None, "reverses_entry_id": None,
           "checked": {"funds": None}}
    counter.terminal.store.begin_step(key=req["key"], run_id="lost", code="10030", step="post",
                                      step_index=0, teller="T001", request=req)
    # WHEN the teller retries it
    out = counter.terminal.retry(req["key"])
    # THEN the core asks for the PIN again and nothing posts
    assert not out.ok and "密码键盘" in out.problems[0].message
    assert counter.core.balance(number) == 200_000
