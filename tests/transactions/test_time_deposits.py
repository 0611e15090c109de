"""整存整取 10110 / 10130, interest trial 18570, single-account settlement 18410 and
the maturity batch — headless through Session.run, on SQLite and PostgreSQL.

Interest figures are worked by hand in each test (DOMAIN.md §5):
term = principal × rate × months / 12; early / overdue = principal × current
rate × days / 360; current = 积数 × rate / 360; each rounded half up to the fen.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from teller.core.accounts.models import Product
from teller.core.controls.models import AccountControl
from teller.core.time_deposits.models import TimeDeposit
from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.rulebook import check_books
from teller.core.cash.counts import CashCount
from teller.core.ledger.records import EntryRequest, Leg, PostingRefused
from teller.core.services import CoreServices
from teller.core.rulebook import ledger
from teller.core.time_deposits.deposits import (
    TimeDepositOpening as OpeningSpec, TimeDepositWithdrawal as WithdrawalSpec,
)
from teller.core.time_deposits.maturity import mature_time_deposits
from teller.domain.identity import resident_id_check_char

pytestmark = pytest.mark.postgres


def with_step(cs, req, step):
    """Post ``req`` carrying ``step``, as the flow's commit does."""
    return cs.post(dataclasses.replace(req, attachments=req.attachments + (step,)))

PW = "demo123"
SUP = ("S002", PW)


# -- helpers ---------------------------------------------------------------------
def doc(i: int) -> dict:
    id17 = ("11010519800101123", "44030419920315234", "32010619751120345")[i]
    return {"type": "resident_id", "number": id17 + resident_id_check_char(id17)}


def set_date(core, day: dt.date) -> None:
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Branch.__table__).values(business_date=day)))


def set_rate(core, product: str, micro: int) -> None:
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(Product.__table__).where(Product.code == product)
        .values(annual_rate_micro=micro)))


def deposit_row(core, number):
    with reader(core.engine) as conn:
        return conn.execute(sa.select(TimeDeposit.__table__)
                            .where(TimeDeposit.account_number == number)).one()


def account_row(core, number):
    with reader(core.engine) as conn:
        return conn.execute(sa.select(m.Account.__table__)
                            .where(m.Account.number == number)).one()


def expense(core) -> int:
    return core.balance(core.account("interest_expense"))


def box(core) -> int:
    return core.balance(core.account("cash_box", "T001"))


def learned(outcome, session, name):
    """What the posted entry says: the opened account (its credit leg) or the
    interest paid (the debit on the 6411 account)."""
    legs = outcome.entries[0].legs
    if name == "account_number":
        return next(leg.account for leg in legs if leg.direction == "C")
    assert name == "interest"
    exp = session.terminal.core.interest.expense_account("0101")
    return sum(leg.amount for leg in legs if leg.account == exp)


@pytest.fixture
def rates(core):
    """GIVEN the rates of the worked examples: 1 year 1.45 %, current 0.20 %."""
    set_rate(core, "P-T12", 14500)
    set_rate(core, "P-CUR", 2000)
    set_date(core, dt.date(2025, 3, 15))


def open_deposit(session, *, amount, term="12", customer=0, mode="cash", slip=None,
                 rollover="0", **extra):
    values = {"customer_doc": doc(customer), "term": term, "amount": amount,
              "rollover": rollover, "mode": mode, **extra}
    if slip is not None:  # blank takes the smallest slip of the box, as the page proposes
        values["slip"] = slip
    return session.run("10110", values, SUP)


# -- 10110 opening + 10130 at maturity ----------------------------------------------
def test_open_in_cash_and_withdraw_at_maturity_pays_term_interest(core, session, rates):
    box0, exp0 = box(core), expense(core)
    # WHEN ¥50,000 is deposited in cash without recording the source of funds THEN refused
    out = open_deposit(session, amount="50,000.00")
    assert not out.ok and out.problems[0].field == "funds_source"
    # WHEN the source is given THEN a 1-year time account at 1.45 % is opened
    out = open_deposit(session, amount="50,000.00", funds_source="工资积蓄")
    assert out.ok, out.problems
    number = learned(out, session, "account_number")
    acct = account_row(core, number)
    assert (acct.kind, acct.subject_code, acct.balance, acct.product_code) == (
        "personal_time", "2018", 5_000_000, "P-T12")
    td = deposit_row(core, number)
    assert (td.start_date, td.maturity_date, td.rate_micro, td.term_months, td.auto_rollover) \
        == (dt.date(2025, 3, 15), dt.date(2026, 3, 15), 14500, 12, False)
    assert box(core) == box0 + 5_000_000
    assert out.vouchers[0].amount_fen == 5_000_000 and "存单30000001" in out.vouchers[0].memo

    # WHEN withdrawn on the maturity date THEN 50,000 × 1.45 % × 12/12 = 725.00 interest
    set_date(core, dt.date(2026, 3, 15))
    values = {"account": number, "slip": "30000001", "mode": "cash", "funds_source": "消费"}
    out = session.run("10130", values)
    assert not out.ok and out.needs_authorization[0].level == "A"  # ¥50,725 cash > limit A
    out = session.run("10130", values, SUP)
    assert out.ok, out.problems
    assert out.vouchers[0].amount_fen == 5_072_500
    assert core.balance(number) == 0
    assert expense(core) == exp0 + 72_500
    assert box(core) == box0 + 5_000_000 - 5_072_500
    assert CoreServices(core.engine).time.deposit(number).state == "withdrawn"
    # AND a second withdrawal is refused
    again = session.run("10130", values, SUP)
    assert not again.ok and again.problems[0].message == "该存单已支取"
    assert check_books(core.engine).ok


def test_overdue_withdrawal_to_own_current_account(core, session, rates):
    # GIVEN ¥10,000 for 3 months at 0.85 % from 王小明's current account, opened 31 Jan
    set_rate(core, "P-T03", 8500)
    set_date(core, dt.date(2025, 1, 31))
    current = core.demo.accounts[0][0]
    cur0 = core.balance(current)
    out = open_deposit(session, amount="10,000.00", term="3", mode="transfer",
                       from_account=current)
    assert out.ok, out.problems
    number = learned(out, session, "account_number")
    assert deposit_row(core, number).maturity_date == dt.date(2025, 4, 30)  # month end
    assert core.balance(current) == cur0 - 1_000_000
    # WHEN withdrawn 10 days after maturity to the same customer's current account
    set_date(core, dt.date(2025, 5, 10))
    out = session.run("10130", {"account": number, "slip": "30000001", "mode": "transfer",
                                "to_account": current})
    assert out.ok, out.problems
    # THEN term 10,000 × 0.85 % × 3/12 = 21.25, overdue 10,000 × 0.20 % × 10/360 = 0.5556 → 0.56
    assert learned(out, session, "interest") == 2125 + 56
    assert core.balance(current) == cur0 - 1_000_000 + 1_002_181
    assert check_books(core.engine).ok


def test_early_withdrawal_pays_current_rate_for_actual_days(core, session, rates):
    out = open_deposit(session, amount="20,000.00")
    number = learned(out, session, "account_number")
    exp0 = expense(core)
    # WHEN withdrawn after 90 days (2025-03-15 → 2025-06-13, 算头不算尾)
    set_date(core, dt.date(2025, 6, 13))
    run, _ = session.start("10130")
    run.set_many({"account": number, "slip": "30000001", "mode": "cash"})
    assert run.next() == [] and run.next() == []
    lines = {label: text for label, _, text in run.summary(run.flow.pages[1])}
    assert lines["支取类型"] == "提前支取" and lines["利息合计"] == "¥10.00"
    out = session.run("10130", {"account": number, "slip": "30000001", "mode": "cash"})
    assert out.ok, out.problems
    # THEN 20,000 × 0.20 % × 90 / 360 = 10.00
    assert expense(core) == exp0 + 1000 and out.vouchers[0].amount_fen == 2_001_000


# -- partial early withdrawal ---------------------------------------------------------
def test_partial_once_new_slip_remainder_keeps_terms(core, session, rates):
    current = core.demo.accounts[1][0]  # 刘芳, ¥86,000.50
    out = open_deposit(session, amount="60,000.00", customer=1, mode="transfer",
                       from_account=current)
    number = learned(out, session, "account_number")
    set_date(core, dt.date(2025, 9, 15))  # 184 days later
    base = {"account": number, "mode": "transfer", "to_account": current}
    # WHEN the new slip keyed is not the smallest in the box THEN refused, naming it
    cur0 = core.balance(current)
    out = session.run("10130", {**base, "slip": "30000001", "amount": "20,000.00",
                                "new_slip": "30000005"})
    assert not out.ok and out.problems[0].field == "new_slip"
    assert "30000002" in out.problems[0].message and core.balance(current) == cur0
    # WHEN it is left blank THEN the box's smallest (proposed) slip is issued
    out = session.run("10130", {**base, "slip": "30000001", "amount": "20,000.00"})
    assert out.ok, out.problems
    cs = CoreServices(core.engine)
    assert cs.time.deposit(number).slip_number == "30000002"
    # AND the slip is used from the box (9001 count down) and the old one is voided
    assert cs.vouchers.voucher("deposit_slip", "30000002").status == "used"
    assert cs.vouchers.voucher("deposit_slip", "30000001").status == "void"
    assert cs.vouchers.use_next("0101", "T001", "deposit_slip") == "30000003"
    # THEN the part earns 20,000 × 0.20 % × 184 / 360 = 20.444 → 20.44
    assert learned(out, session, "interest") == 2044
    assert core.balance(current) == cur0 + 2_000_000 + 2044
    assert core.balance(number) == 4_000_000
    td = deposit_row(core, number)
    assert (td.start_date, td.maturity_date, td.rate_micro) == (
        dt.date(2025, 3, 15), dt.date(2026, 3, 15), 14500)
    # AND the old slip is void, the new one stands
    old = session.run("10130", {**base, "slip": "30000001"})
    assert old.problems[0].message == "存单号与该账户当前有效存单不符"
    # AND a second partial withdrawal is refused
    out = session.run("10130", {**base, "slip": "30000002", "amount": "1,000.00",
                                "new_slip": "30000003"})
    assert out.problems[0].message == "本存期内已办理过一次部分提前支取，不能再次部提"
    # WHEN the rest is taken at maturity THEN 40,000 × 1.45 % = 580.00 at the original rate
    set_date(core, dt.date(2026, 3, 15))
    out = session.run("10130", {**base, "slip": "30000002"})
    assert out.ok, out.problems
    assert learned(out, session, "interest") == 58_000
    assert check_books(core.engine).ok


def test_minimums_for_opening_and_for_the_remainder(core, session, rates):
    out = open_deposit(session, amount="49.99")
    assert not out.ok and out.problems[0].message == "存入金额低于起存金额 ¥50.00"
    out = open_deposit(session, amount="100.00")
    number = learned(out, session, "account_number")
    set_date(core, dt.date(2025, 4, 15))
    out = session.run("10130", {"account": number, "slip": "30000001", "mode": "cash",
                                "amount": "50.01", "new_slip": "30000002"})
    assert out.problems[0].message == "留存金额 ¥49.99 低于起存金额 ¥50.00"
    # AND a partial withdrawal after maturity is refused (withdraw it all)
    set_date(core, dt.date(2026, 3, 16))
    out = session.run("10130", {"account": number, "slip": "30000001", "mode": "cash",
                                "amount": "10.00", "new_slip": "30000002"})
    assert out.problems[0].message == "存单已到期，不能部分支取，请全部支取"
    assert core.balance(number) == 10_000


def test_another_customers_current_account_is_refused(core, session, rates):
    theirs = core.demo.accounts[1][0]
    out = open_deposit(session, amount="100.00", mode="transfer", from_account=theirs)
    assert not out.ok and out.problems[0].message == "转出账户不属于该客户，不能转存定期"
    out = open_deposit(session, amount="100.00")
    number = learned(out, session, "account_number")
    out = session.run("10130", {"account": number, "slip": "30000001", "mode": "transfer",
                                "to_account": theirs})
    assert not out.ok and out.problems[0].message == "转入账户不属于存款人，不能转入"
    # AND the core refuses it too, whatever the pages said
    cs = CoreServices(core.engine)
    req = EntryRequest(key="direct-1", branch="0101", teller="T001", terminal="T01",
                       txn_code="10130", step="withdraw",
                       legs=(Leg(number, "D", 10_000), Leg(theirs, "C", 10_000)))
    with pytest.raises(PostingRefused) as exc:
        with_step(cs, req, WithdrawalSpec(number, "30000001", 10_000, 0, theirs))
    assert exc.value.code == "other_customer"
    assert core.balance(number) == 10_000


def test_core_refuses_stale_quote_and_used_slip(core, session, rates):
    cs = CoreServices(core.engine)
    out = open_deposit(session, amount="100.00")
    number = learned(out, session, "account_number")
    cash = core.account("cash_box", "T001")
    # WHEN the slip number was already issued THEN the opening is refused, nothing created
    spare = cs.time.reserve_account_number("0101")
    req = EntryRequest(key="direct-2", branch="0101", teller="T001", terminal="T01",
                       txn_code="10110", step="open",
                       legs=(Leg(cash, "D", 10_000), Leg(spare, "C", 10_000)),
                       attachments=(CashCount(cash, received=((10000, 1),)),))
    spec = OpeningSpec(spare, 1, 12, 10_000, 14500, False, "30000001", None)
    with pytest.raises(PostingRefused) as exc:
        with_step(cs, req, spec)
    assert exc.value.code == "slip_used"
    with reader(core.engine) as conn:
        assert conn.execute(sa.select(m.Account.number).where(m.Account.number == spare)
                            ).first() is None
    # WHEN the slip is not the smallest of the teller's box THEN refused, naming it; nothing
    # is created or posted and the slip stays in the box
    req = dataclasses.replace(req, key="direct-2b")
    spec = OpeningSpec(spare, 1, 12, 10_000, 14500, False, "30000005", None)
    with pytest.raises(PostingRefused) as exc:
        with_step(cs, req, spec)
    assert exc.value.code == "voucher_not_smallest" and "30000002" in exc.value.message
    assert cs.find("direct-2b") is None
    assert cs.vouchers.voucher("deposit_slip", "30000005").status == "box"
    with reader(core.engine) as conn:
        assert conn.execute(sa.select(m.Account.number).where(m.Account.number == spare)
                            ).first() is None
    # WHEN the interest quoted no longer matches (rate changed) THEN refused
    set_date(core, dt.date(2025, 6, 13))
    req = EntryRequest(key="direct-3", branch="0101", teller="T001", terminal="T01",
                       txn_code="10130", step="withdraw",
                       legs=(Leg(number, "D", 10_000), Leg(cash, "C", 10_000)))
    with pytest.raises(PostingRefused) as exc:
        with_step(cs, req, WithdrawalSpec(number, "30000001", 10_000, 0, cash))
    assert exc.value.code == "stale_quote"


def test_controlled_and_closed_time_accounts_are_refused(core, session, rates):
    out = open_deposit(session, amount="100.00")
    number = learned(out, session, "account_number")
    run_in_transaction(core.engine, lambda c: c.execute(sa.insert(AccountControl.__table__)
                       .values(account_number=number, kind="loss_report", amount=0,
                               incident_number="1" * 19, status="active",
                               starts_on=dt.date(2025, 3, 1), created_by="T001",
                               created_at=dt.datetime(2025, 3, 15, 9), detail="{}")))
    out = session.run("10130", {"account": number, "slip": "30000001", "mode": "cash"})
    assert not out.ok and out.problems[0].message.startswith("账户已挂失")
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Account.__table__).where(m.Account.number == number)
        .values(status="closed")))
    out = session.run("10130", {"account": number, "slip": "30000001", "mode": "cash"})
    assert out.problems[0].message == "该定期账户已销户"
    assert core.balance(number) == 10_000


# -- reversal (08210) ------------------------------------------------------------------
def test_reversing_a_partial_withdrawal_and_an_opening(core, session, rates):
    out = open_deposit(session, amount="1,000.00")
    number = learned(out, session, "account_number")
    opening_jn = out.journal_numbers[0]
    part = session.run("10130", {"account": number, "slip": "30000001", "mode": "cash",
                                 "amount": "400.00", "new_slip": "30000002"})
    assert part.ok, part.problems
    # WHEN the partial withdrawal is reversed THEN balance and old slip come back
    rev = session.run("08210", {"journal_number": part.journal_numbers[0]}, SUP)
    assert rev.ok, rev.problems
    assert core.balance(number) == 100_000
    cs = CoreServices(core.engine)
    d = cs.time.deposit(number)
    assert (d.slip_number, d.partial_done, d.state) == ("30000001", False, "open")
    # AND the slips are as before: the new one back in the box, the old one the customer's
    assert cs.vouchers.voucher("deposit_slip", "30000002").status == "box"
    assert cs.vouchers.voucher("deposit_slip", "30000001").status == "used"
    # AND the printed slip must be voided first: its number is spent
    again = session.run("10130", {"account": number, "slip": "30000001", "mode": "cash",
                                  "amount": "400.00"})
    assert not again.ok and "30000002" in again.problems[0].message
    cs.vouchers.void(EntryRequest(key="void-slip", branch="0101", teller="T001",
                                  terminal="T01", txn_code="00000", step="void", legs=()),
                     kind="deposit_slip", number="30000002", reason="spoiled")
    again = session.run("10130", {"account": number, "slip": "30000001", "mode": "cash",
                                  "amount": "400.00"})
    assert again.ok, again.problems
    assert cs.time.deposit(number).slip_number == "30000003"
    session.run("08210", {"journal_number": again.journal_numbers[0]}, SUP)
    # WHEN the opening is reversed THEN the deposit is void and the batch closes it
    rev = session.run("08210", {"journal_number": opening_jn}, SUP)
    assert rev.ok, rev.problems
    assert cs.time.deposit(number).state == "void" and core.balance(number) == 0
    report = mature_time_deposits(core.engine, dt.date(2025, 3, 15), operator="ADM1",
                                  post=ledger(core.engine).post)
    assert report.closed == (number,)
    assert account_row(core, number).status == "closed"
    assert check_books(core.engine).ok


# -- maturity batch ---------------------------------------------------------------------
def test_mature_time_deposits_rolls_over_principal_and_interest(core, session, rates):
    set_rate(core, "P-T03", 8500)
    out = open_deposit(session, amount="10,000.00", term="3", rollover="1")
    rolling = learned(out, session, "account_number")
    out = open_deposit(session, amount="5,000.00", term="3", slip="30000002")
    kept = learned(out, session, "account_number")
    exp0 = expense(core)
    # WHEN the batch runs the day before maturity THEN nothing happens
    report = mature_time_deposits(core.engine, dt.date(2025, 6, 14), operator="ADM1",
                                  post=ledger(core.engine).post)
    assert report.rolled_over == () and report.matured_kept == ()
    # GIVEN the 3-month rate is 1.00 % on the maturity day
    set_rate(core, "P-T03", 10000)
    set_date(core, dt.date(2025, 6, 15))
    report = mature_time_deposits(core.engine, dt.date(2025, 6, 15), operator="ADM1",
                                  post=ledger(core.engine).post)
    # THEN 10,000 × 0.85 % × 3/12 = 21.25 is added and a new period starts at 1.00 %
    assert [(r.account, r.interest, r.new_start, r.new_maturity, r.new_rate.micro)
            for r in report.rolled_over] == [
        (rolling, 2125, dt.date(2025, 6, 15), dt.date(2025, 9, 15), 10000)]
    assert report.matured_kept == (kept,)
    assert core.balance(rolling) == 1_002_125 and expense(core) == exp0 + 2125
    td = deposit_row(core, rolling)
    assert (td.start_date, td.maturity_date, td.rate_micro, td.rollovers) == (
        dt.date(2025, 6, 15), dt.date(2025, 9, 15), 10000, 1)
    # AND running the batch again posts nothing twice
    again = mature_time_deposits(core.engine, dt.date(2025, 6, 15), operator="ADM1",
                                  post=ledger(core.engine).post)
    assert again.rolled_over == () and core.balance(rolling) == 1_002_125
    # AND the kept one earns the current rate after maturity: 5,000 × 0.20 % × 36/360 = 1.00
    set_date(core, dt.date(2025, 7, 21))
    out = session.run("10130", {"account": kept, "slip": "30000002", "mode": "cash"})
    assert out.ok and learned(out, session, "interest") == 1063 + 100  # 5,000×0.85%×3/12=10.63
    report = mature_time_deposits(core.engine, dt.date(2025, 7, 21), operator="ADM1",
                                  post=ledger(core.engine).post)
    assert report.closed == (kept,) and account_row(core, kept).closed_on == dt.date(2025, 7, 21)
    assert check_books(core.engine).ok


# -- 18570 trial, 18410 settlement ---------------------------------------------------------
def trial(session, values):
    run, _ = session.start("18570")
    run.set_many(values)
    while run.current is not None and run.current.name != "result":
        problems = run.next()
        if problems:
            return problems
    # the result page shows the summary of the input page before it
    page = next(p for p in run.flow.pages if p.name == values["by"])
    return {label: text for label, _, text in run.summary(page)}


def test_interest_trial_by_account_and_by_product(core, session, rates):
    out = open_deposit(session, amount="50,000.00", funds_source="积蓄")
    number = learned(out, session, "account_number")
    set_date(core, dt.date(2025, 6, 13))
    lines = trial(session, {"by": "account", "account": number})
    assert lines["到期利息"] == "¥725.00" and lines["支取类型"] == "提前支取"
    assert lines["利息合计"] == "¥25.00"  # 50,000 × 0.20 % × 90 / 360
    lines = trial(session, {"by": "account", "account": number, "amount": "10,000.00"})
    assert lines["支取类型"] == "部分提前支取" and lines["利息合计"] == "¥5.00"
    # a current account: 积数 to yesterday and with today's balance
    current = core.demo.accounts[0][0]
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Account.__table__).where(m.Account.number == current)
        .values(accrual=90_000_000)))
    lines = trial(session, {"by": "account", "account": current})
    assert lines["今日结息利息"] == "¥5.00"          # 900,000 yuan·days × 0.20 % / 360
    assert lines["日终结息利息"] == "¥5.07"  # + ¥12,500 today: 912,500 × 0.20 % / 360 = 5.069
    # by product: 2 years at 1.30 %, ¥10,000 from 2025-03-15, asked at maturity
    lines = trial(session, {"by": "product", "term": "24", "principal": "10,000.00",
                            "start": "2025-03-15", "end": "2027-03-15"})
    assert lines["到期利息"] == "¥260.00" and lines["利息合计"] == "¥260.00"
    problems = trial(session, {"by": "product", "term": "24", "principal": "1.00",
                               "start": "2025-03-15", "end": "2025-03-14"})
    assert problems[0].message == "试算支取日期不能早于起息日期"
    # AND the trial posts nothing
    assert session.run("18570", {"by": "account", "account": number}).journal_numbers == ()


def test_single_account_settlement_pays_accrual_and_resets_it(core, session, rates):
    current, _, pan = core.demo.accounts[0]
    set_rate(core, "P-CUR", 3500)
    out = session.run("18410", {"account": pan})
    assert not out.ok and out.problems[0].message == "积数不足，应付利息为零，无需结息"
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Account.__table__).where(m.Account.number == current)
        .values(accrual=90_000_000)))
    before, exp0 = core.balance(current), expense(core)
    out = session.run("18410", {"account": pan})
    assert out.ok, out.problems
    # THEN 900,000 yuan·days × 0.35 % / 360 = 8.75, and the accrual starts again at 0
    assert core.balance(current) == before + 875 and expense(core) == exp0 + 875
    assert account_row(core, current).accrual == 0
    # AND it cannot be reversed (the accrual reset is not a posting)
    rev = session.run("08210", {"journal_number": out.journal_numbers[0]}, SUP)
    assert not rev.ok and rev.problems[0].message == "该交易不允许冲正"
    assert check_books(core.engine).ok


def test_time_accounts_move_only_by_their_own_transactions(core, session, rates):
    out = open_deposit(session, amount="100.00")
    number = learned(out, session, "account_number")
    current = core.demo.accounts[0][0]
    # WHEN a plain transfer names the time account THEN the page refuses it
    out = session.run("10020", {"account": current, "amount": "10.00", "mode": "transfer",
                                "from_account": number})
    assert out.problems[0].message == "定期账户不能直接转账，请使用整存整取支取（10130）"
    # AND the core refuses it whatever the pages said
    cs = CoreServices(core.engine)
    with pytest.raises(PostingRefused) as exc:
        cs.post(EntryRequest(key="direct-4", branch="0101", teller="T001", terminal="T01",
                             txn_code="10020", step="post",
                             legs=(Leg(number, "D", 1000), Leg(current, "C", 1000))))
    assert exc.value.code == "kind_txn" and core.balance(number) == 10_000


def test_core_enforces_the_rules_and_a_replay_opens_nothing_twice(core, session, rates):
    cs = CoreServices(core.engine)
    cash = core.account("cash_box", "T001")

    def opening(key, amount, slip):
        number = cs.time.reserve_account_number("0101")
        req = EntryRequest(key=key, branch="0101", teller="T001", terminal="T01",
                           txn_code="10110", step="open",
                           legs=(Leg(cash, "D", amount), Leg(number, "C", amount)),
                           attachments=(CashCount(cash, received=((1, amount),)),))
        return req, OpeningSpec(number, 1, 12, amount, 14500, False, slip, None)

    # WHEN the core is asked below the minimum THEN it refuses with the rule's message
    req, spec = opening("direct-5", 4999, "20000001")
    with pytest.raises(PostingRefused) as exc:
        with_step(cs, req, spec)
    assert exc.value.message == "存入金额低于起存金额 ¥50.00"
    # WHEN the same opening is sent twice under one key THEN one account, one entry
    req, spec = opening("direct-6", 100_000, "30000001")
    first, again = with_step(cs, req, spec), with_step(cs, req, spec)
    assert again.replayed and again.entry_id == first.entry_id
    with reader(core.engine) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(TimeDeposit)
                            .where(TimeDeposit.account_number == spec.number)).scalar_one() == 1
    # WHEN a second partial withdrawal reaches the core directly THEN refused
    set_date(core, dt.date(2025, 3, 25))
    exp = cs.interest.expense_account("0101")

    def partial(key, slip, new_slip):
        # ¥400 after 10 days at 0.20 %: 40,000 fen × 0.002 × 10 / 360 = 2.2 → 2 fen
        legs = (Leg(spec.number, "D", 40_000), Leg(exp, "D", 2), Leg(cash, "C", 40_002))
        return (EntryRequest(key=key, branch="0101", teller="T001", terminal="T01",
                             txn_code="10130", step="withdraw", legs=legs,
                             attachments=(CashCount(cash, paid=((10000, 4), (2, 1))),)),
                WithdrawalSpec(spec.number, slip, 40_000, 2, cash, new_slip))

    with_step(cs, *partial("direct-7", "30000001", "30000002"))
    assert cs.time.deposit(spec.number).slip_number == "30000002"
    with pytest.raises(PostingRefused) as exc:
        with_step(cs, *partial("direct-8", "30000002", "30000003"))
    assert exc.value.message == "本存期内已办理过一次部分提前支取，不能再次部提"
    assert core.balance(spec.number) == 60_000


def test_a_bare_resend_of_a_service_step_is_refused(core, session, rates):
    # GIVEN a partial withdrawal request as the terminal store would resend it (in doubt)
    out = open_deposit(session, amount="1,000.00")
    number = learned(out, session, "account_number")
    cash = core.account("cash_box", "T001")
    req = EntryRequest(key="resend-1", branch="0101", teller="T001", terminal="T01",
                       txn_code="10130", step="withdraw",
                       legs=(Leg(number, "D", 40_000), Leg(cash, "C", 40_000)))
    # WHEN it reaches the core without its step THEN it is refused: a time deposit
    # moves only by its own steps, never as a plain transfer
    with pytest.raises(PostingRefused) as exc:
        CoreServices(core.engine).post(req)
    assert exc.value.code == "kind_txn" and core.balance(number) == 100_000
    # AND a step the service did post is answered with its first result when resent
    cs = CoreServices(core.engine)
    spare = cs.time.reserve_account_number("0101")
    req = EntryRequest(key="resend-2", branch="0101", teller="T001", terminal="T01",
                       txn_code="10110", step="open",
                       legs=(Leg(cash, "D", 10_000), Leg(spare, "C", 10_000)),
                       attachments=(CashCount(cash, received=((10000, 1),)),))
    first = with_step(cs, req, OpeningSpec(spare, 1, 12, 10_000, 14500, False, "30000002", None))
    again = with_step(cs, req, OpeningSpec(spare, 1, 12, 10_000, 14500, False, "30000002",
                                           None))
    assert again.replayed and again.entry_id == first.entry_id
    assert core.balance(spare) == 10_000


def test_opening_proposes_the_smallest_slip_and_refuses_another(core, session, rates):
    n_box = core.balance(CoreServices(core.engine).vouchers.box_account("0101", "T001",
                                                                        "deposit_slip"))
    # WHEN the teller keys a slip number out of order THEN refused, naming the right one
    out = open_deposit(session, amount="100.00", slip="30000003")
    assert not out.ok and out.problems[0].field == "slip"
    assert out.problems[0].message == "必须使用尾箱中最小号码的存单：30000001（输入的是 30000003）"
    assert out.journal_numbers == ()
    # WHEN the proposal is taken THEN the slip leaves the box in the opening's entry
    out = open_deposit(session, amount="100.00")
    assert out.ok, out.problems
    cs = CoreServices(core.engine)
    box = cs.vouchers.box_account("0101", "T001", "deposit_slip")
    assert core.balance(box) == n_box - 1
    assert (box, "C", 1) in [(leg.account, leg.direction, leg.amount)
                             for leg in out.entries[0].legs]
    number = learned(out, session, "account_number")
    assert cs.vouchers.voucher("deposit_slip", "30000001").account == number


# -- 10110 from a password account: every account rule of the paying account ----------
def test_opening_from_a_class_ii_password_account_checks_its_pin_and_limits(
        core, session, rates):
    from loss_helpers import keyed, use_pins
    from teller.core.ledger.accounts import open_account
    # GIVEN customer 0's class II card account, bound to their class I account, funded
    # with 12,000.00 from it (money from the bound account is not limited), PIN 135790
    cs, pan = session.terminal.core, "6228480000000000019"
    bound = core.demo.accounts[0][0]
    cust = cs.time.customer_by_document(doc(0)["type"], doc(0)["number"])

    def open_ii(conn):
        number = open_account(conn, branch="0101", subject="2017", title="王小明",
                              kind="personal_current", opened_on=dt.date(2025, 3, 15),
                              customer_id=cust.id, product="P-CUR", account_class="II",
                              medium_kind="card", medium_number=pan)
        conn.execute(sa.update(m.Account.__table__).where(m.Account.number == number)
                     .values(bound_account=bound))
        return number
    ii = run_in_transaction(core.engine, open_ii)
    ledger(core.engine).post(EntryRequest(
        key="fund-ii", branch="0101", teller="T001", terminal="T01", txn_code="10020",
        step="post", legs=(Leg(bound, "D", 1_200_000), Leg(ii, "C", 1_200_000))))
    use_pins(session.terminal).set_pin(ii, keyed(pan, "135790"))
    entries = entry_count(core)

    def open_from_ii(amount, pin):
        return open_deposit(session, amount=amount, mode="transfer", from_account=ii,
                            **({"from_pin": keyed(pan, pin)} if pin else {}))
    # WHEN no PIN is keyed THEN the page asks for it, before anything is posted
    out = open_from_ii("5,000.00", None)
    assert not out.ok and out.problems[0].field == "from_pin"
    # WHEN a wrong PIN is keyed THEN refused, the failure counts and nothing posts: no
    # entry, no time account, the paying balance and the slip box as they were
    out = open_from_ii("5,000.00", "000000")
    assert not out.ok and "密码错误" in out.problems[0].message
    assert account_row(core, ii).pin_failures == 1
    assert entry_count(core) == entries and core.balance(ii) == 1_200_000
    assert cs.vouchers.use_next("0101", "T001", "deposit_slip") == "30000001"
    with reader(core.engine) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(TimeDeposit.__table__)
                            ).scalar_one() == 0
    # WHEN the right PIN comes with 11,000.00 THEN the class II limit on money out to
    # anything but the bound account (10,000.00 a day) refuses it
    out = open_from_ii("11,000.00", "135790")
    assert not out.ok and "II类户非绑定账户转出/支取日累计限额" in out.problems[0].message
    assert entry_count(core) == entries and core.balance(ii) == 1_200_000
    # WHEN 6,000.00 and then 5,000.00 are opened THEN the first is posted and the second
    # would take the day to 11,000.00: refused
    assert open_from_ii("6,000.00", "135790").ok
    assert core.balance(ii) == 600_000
    out = open_from_ii("5,000.00", "135790")
    assert not out.ok and "日累计限额" in out.problems[0].message
    assert core.balance(ii) == 600_000 and check_books(core.engine).ok


def entry_count(core) -> int:
    with reader(core.engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(m.JournalEntry.__table__)
                            ).scalar_one()
