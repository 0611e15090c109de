"""10040 closure, 18500 maintenance and the queries (18600/18610/18620), headless
through Session.run, including refusals and step-by-step reversal."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from teller.core.controls.models import AccountControl
from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.accounts.models import Passbook
from teller.domain.identity import resident_id_check_char
from teller.domain.interest import Rate, interest_on_accrual
from teller.transactions.flow import ResultTable

pytestmark = pytest.mark.postgres
PW = ("S002", "demo123")


def row(core, number):
    with reader(core.engine) as conn:
        return conn.execute(sa.select(m.Account.__table__)
                            .where(m.Account.number == number)).one()


def set_accrual(core, number, accrual):
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Account.__table__).where(m.Account.number == number)
        .values(accrual=accrual)))


def add_control(core, number, kind, amount=0):
    run_in_transaction(core.engine, lambda c: c.execute(sa.insert(AccountControl.__table__)
        .values(account_number=number, kind=kind, amount=amount, incident_number="3" * 19,
                status="active", starts_on=core.demo.business_date, created_by="S001",
                created_at=dt.datetime.now(), detail="{}")))


def card(core, i):
    return {"number": core.demo.accounts[i][2], "source": "card"}


def test_closure_settles_interest_pays_out_and_closes(core, session):
    number, _, pan = core.demo.accounts[0]  # 王小明 12,500.00
    box, expense = core.account("cash_box", "T001"), core.account("interest_expense")
    # GIVEN the day-end batch has added 30 days of 12,500.00 to the accrual
    accrual = 1_250_000 * 30
    set_accrual(core, number, accrual)
    interest = interest_on_accrual(accrual, Rate(1000))  # P-CUR 0.10 %
    assert interest == 104  # 12,500 × 0.10 % × 30 / 360 = 1.0416… → 1.04 yuan
    # AND the box holds fen coins to pay the interest's 0.04 (券别, issue 7)
    assert session.run("10020", {"account": core.demo.accounts[1][0], "amount": "0.05",
                                 "mode": "cash", "notes": {"2": 2, "1": 1}}).ok
    box_before, expense_before = core.balance(box), core.balance(expense)
    # WHEN the account is closed with its card, paid out in cash
    out = session.run("10040", {"account": card(core, 0), "mode": "cash"})
    # THEN three entries: interest from 6411, the pay-out, the closure
    assert out.ok and out.finished, out.problems
    assert len(out.journal_numbers) == 3
    assert [v.amount_fen for v in out.vouchers] == [interest, 1_250_000 + interest, 0]
    r = row(core, number)
    assert (r.status, r.closed_on, r.balance, r.accrual, r.medium_kind) == \
        ("closed", core.demo.business_date, 0, 0, "card_void")
    assert core.balance(box) == box_before - (1_250_000 + interest)  # cash handed out
    assert core.balance(expense) == expense_before + interest
    # AND a closed account takes no deposit
    refused = session.run("10020", {"account": number, "amount": "1.00"})
    assert [p.message for p in refused.problems] == ["账户已销户"]
    # WHEN the steps are reversed, last first THEN each puts its part back
    jn = out.journal_numbers
    early = session.run("08210", {"journal_number": jn[0]}, authorizer=PW)
    assert early.problems[0].message.startswith("请从后向前依次冲正")
    assert session.run("08210", {"journal_number": jn[2]}, authorizer=PW).ok
    r = row(core, number)
    assert (r.status, r.closed_on, r.medium_kind) == ("normal", None, "card")
    assert session.run("08210", {"journal_number": jn[1]}, authorizer=PW).ok
    assert session.run("08210", {"journal_number": jn[0]}, authorizer=PW).ok
    r = row(core, number)
    assert (r.balance, r.accrual) == (1_250_000, accrual)
    assert core.balance(box) == box_before and core.balance(expense) == expense_before
    # AND the books still check: entries without legs balance and chain like any other
    from teller.core.rulebook import check_books
    assert check_books(core.engine).ok


def test_closure_by_transfer_with_no_accrual_posts_no_interest(core, session):
    number = core.demo.accounts[2][0]  # 陈建国 300.00
    target = core.demo.accounts[1][0]
    before = core.balance(target)
    out = session.run("10040", {"account": card(core, 2), "mode": "transfer",
                                "to_account": target})
    assert out.ok, out.problems
    assert len(out.journal_numbers) == 2  # pay-out and closure; no accrual, no interest entry
    assert core.balance(target) == before + 30_000 and row(core, number).status == "closed"


def test_closure_refusals(core, session):
    number, _, pan = core.demo.accounts[1]
    # the card account identified by its account number typed in: the card must come back
    out = session.run("10040", {"account": number})
    assert [p.message for p in out.problems] == ["请读取该账户的银行卡办理销户（卡片须收回）"]
    # a hold, a loss report, a freeze: no closure
    for kind, text in (("hold", "圈存"), ("loss_report", "挂失"), ("freeze_full", "冻结")):
        add_control(core, number, kind, 100 if kind == "hold" else 0)
        out = session.run("10040", {"account": card(core, 1)})
        assert [p.message for p in out.problems] == [f"账户存在{text}，不能销户"], kind
        run_in_transaction(core.engine, lambda c: c.execute(
            sa.update(AccountControl.__table__).values(status="released")))
    # a dormant account is reactivated first
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Account.__table__).where(m.Account.number == number)
        .values(status="dormant")))
    out = session.run("10040", {"account": card(core, 1)})
    assert [p.message for p in out.problems] == ["睡眠户须先激活，不能直接销户"]
    assert row(core, number).balance == 8_600_050 and session.journal_today() == ()


def test_large_cash_payout_needs_the_use_of_funds(core, session):
    out = session.run("10040", {"account": card(core, 1), "mode": "cash"})
    assert [p.field for p in out.problems] == ["funds_source"]


def test_maintenance_shows_before_after_and_reverses(core, session):
    number = core.demo.accounts[0][0]
    run, _ = session.start("18500")
    run.set_many({"account": number, "scope": "this_branch",
                  "withdrawal_method": "password"})  # unchanged: not listed
    assert run.next() == [] and run.next() == []
    shown = run.summary(run.flow.pages[1])
    assert shown == (("通存通兑", "Scope", "修改前 全行通存通兑 → 修改后 仅本网点"),)
    out = session.commit(run)
    assert out.ok and row(core, number).scope == "this_branch"
    assert out.vouchers[0].memo == "通存通兑:全行通存通兑→仅本网点"
    nothing = session.run("18500", {"account": number, "scope": "this_branch"})
    assert [p.message for p in nothing.problems] == ["没有修改任何项目"]
    assert session.run("08210", {"journal_number": out.journal_numbers[0]}, authorizer=PW).ok
    assert row(core, number).scope == "all_branches"


def test_account_query_shows_balance_available_holds_and_controls(core, session):
    number = core.demo.accounts[1][0]
    add_control(core, number, "hold", 100_000)
    out = session.run("18600", {"account": card(core, 1)})
    assert out.ok and out.journal_numbers == ()
    page, summary, table = out.results[0]
    facts = {label: text for label, _, text in summary}
    assert facts["余额"] == "¥86,000.50" and facts["可用余额"] == "¥85,000.50"
    assert facts["圈存/冻结金额"] == "¥1,000.00" and facts["户名"] == "刘芳"
    assert isinstance(table, ResultTable)
    assert table.rows == (("圈存", "¥1,000.00", "3" * 19, core.demo.business_date.isoformat(),
                           ""),)


def test_history_query_filters(core, session):
    number = core.demo.accounts[0][0]
    for amount in ("10.00", "200.00"):
        assert session.run("10020", {"account": number, "amount": amount}).ok
    assert session.run("10030", {"account": number, "amount": "50.00"}).ok
    today = core.demo.business_date.isoformat()

    def rows(**criteria):
        out = session.run("18610", {"account": number, **criteria})
        assert out.ok, out.problems
        return [(r[3], r[4]) for r in out.results[0][2].rows]

    assert rows() == [("存入", "¥12,500.00"), ("存入", "¥10.00"), ("存入", "¥200.00"),
                      ("支出", "¥50.00")]
    assert rows(direction="D") == [("支出", "¥50.00")]
    assert rows(min_amount="20.00", max_amount="300.00") == [("存入", "¥200.00"),
                                                             ("支出", "¥50.00")]
    assert rows(start=today, end=today, direction="C", max_amount="100.00") == \
        [("存入", "¥10.00")]
    tomorrow = (core.demo.business_date + dt.timedelta(days=1)).isoformat()
    assert rows(start=tomorrow) == []
    # nothing typed can break the query: it is a parsed value or a refusal
    bad = session.run("18610", {"account": number, "start": "2026-01-01' OR '1'='1"})
    assert [p.message for p in bad.problems] == ["日期格式应为 YYYY-MM-DD"]
    bad = session.run("18610", {"account": "1 OR 1=1", "min_amount": "1; DROP TABLE x"})
    assert not bad.ok
    bad = session.run("18610", {"account": number, "start": tomorrow, "end": today})
    assert [p.message for p in bad.problems] == ["结束日期不能早于起始日期"]


def test_customer_accounts_query_by_id(core, session):
    id17 = "44030419920315234"  # 刘芳
    out = session.run("18620", {"id": {"type": "resident_id",
                                       "number": id17 + resident_id_check_char(id17)}})
    assert out.ok, out.problems
    _, summary, table = out.results[0]
    assert summary[0][2].startswith("刘芳")
    assert [(r[0], r[3], r[4]) for r in table.rows] == \
        [(core.demo.accounts[1][0], "正常", "¥86,000.50")]
    unknown = "11010519880808123"
    out = session.run("18620", {"id": {"type": "resident_id",
                                       "number": unknown + resident_id_check_char(unknown)}})
    assert [p.message for p in out.problems] == ["该证件没有客户信息"]


def test_closure_of_an_account_with_a_password_needs_it(core, teller_session, keyed):
    from tests.transactions.test_personal_open import card_values
    from tests.transactions.conftest import new_card
    pan = new_card(40)
    assert teller_session.run("10010", card_values(keyed, pan, pin="864200",
                                                   opening_amount="60.00")).ok
    account = {"number": pan, "source": "card"}
    # WHEN no PIN or a wrong one is keyed THEN no closure, and the wrong one counts
    out = teller_session.run("10040", {"account": account})
    assert [p.message for p in out.problems] == ["该账户凭密支取，请客户在密码键盘输入密码（F4）"]
    out = teller_session.run("10040", {"account": account, "pin": keyed(pan, "000000")})
    assert [p.message for p in out.problems] == ["密码错误，还可输入2次"]
    # WHEN the right PIN is keyed THEN it closes (60.00 in cash, below any limit)
    out = teller_session.run("10040", {"account": account, "pin": keyed(pan, "864200")})
    assert out.ok and len(out.journal_numbers) == 2, out.problems
    assert teller_session.terminal.core.account(
        teller_session.terminal.core.account_by_medium(pan).number).status == "closed"


def test_cash_closure_above_the_limit_needs_a_supervisor(core, session):
    number = core.demo.accounts[1][0]  # 86,000.50 > level-A limit 50,000.00
    values = {"account": card(core, 1), "mode": "cash", "funds_source": "购房"}
    out = session.run("10040", values)
    assert not out.ok and [n.level for n in out.needs_authorization] == ["A"]
    assert row(core, number).status == "normal"
    out = session.run("10040", values, authorizer=PW)
    assert out.ok and row(core, number).status == "closed"


def test_maintenance_asks_the_password_of_an_account_that_has_one(core, teller_session, keyed):
    from tests.transactions.test_personal_open import card_values
    from tests.transactions.conftest import new_card
    pan = new_card(41)
    assert teller_session.run("10010", card_values(keyed, pan, pin="975311")).ok
    account = {"number": pan, "source": "card"}
    out = teller_session.run("18500", {"account": account, "scope": "this_branch"})
    assert [p.message for p in out.problems] == ["该账户凭密支取，请客户在密码键盘输入密码（F4）"]
    out = teller_session.run("18500", {"account": account, "scope": "this_branch",
                                       "pin": keyed(pan, "975311")})
    assert out.ok, out.problems


def open_passbook_account(teller_session, keyed):
    """10010 for the demo customer 11010519800101123: a passbook account, PIN
    424242, 42.00 in; (account number, the opening's outcome)."""
    run, _ = teller_session.start("10010")
    run.set_many({"id": {"type": "resident_id", "number": "11010519800101123"
                         + resident_id_check_char("11010519800101123")},
                  "medium_kind": "passbook"})
    assert teller_session.commit(run, stop_after="number").ok
    number = run.state["account_number"]
    run.set_many({"pin": keyed(number, "424242"), "pin_again": keyed(number, "424242"),
                  "opening_amount": "42.00"})
    opened = teller_session.commit(run)
    assert opened.ok, opened.problems
    return number, opened


def test_a_passbook_account_is_closed_with_its_passbook(core, teller_session, keyed):
    number, _ = open_passbook_account(teller_session, keyed)
    issued = row(core, number).medium_number  # the box's smallest passbook at opening
    # WHEN the account number is typed instead of swiping the passbook THEN refused
    out = teller_session.run("10040", {"account": number, "pin": keyed(number, "424242")})
    assert [p.message for p in out.problems] == ["请刷该账户的存折办理销户（存折须收回）"]
    # WHEN the passbook stripe is read THEN it closes and the passbook is voided
    out = teller_session.run("10040", {"account": {"number": number, "source": "passbook"},
                                       "pin": keyed(number, "424242")})
    assert out.ok, out.problems
    r = row(core, number)
    assert (r.status, r.medium_kind, r.medium_number) == ("closed", "passbook_void", issued)


def test_reversing_a_passbook_opening_takes_the_passbook_back(core, teller_session, keyed):
    # GIVEN a passbook account opened with 42.00 (book 1 from the box's smallest passbook)
    number, opened = open_passbook_account(teller_session, keyed)
    passbooks = teller_session.terminal.core.passbooks
    issued = passbooks.active_book(number).voucher_number
    # WHEN the opening is reversed (08210, supervisor S002)
    out = teller_session.run("08210", {"journal_number": opened.journal_numbers[-1]},
                             authorizer=("S002", "demo123"))
    # THEN the account is closed, book 1 is void and no book is active
    assert out.ok, out.problems
    assert row(core, number).status == "closed"
    assert passbooks.active_book(number) is None
    with reader(core.engine) as conn:
        book = conn.execute(sa.select(Passbook.status, Passbook.void_reason)
                            .where(Passbook.account_number == number)).one()
    assert tuple(book) == ("voided", "opening_reversed")
    # AND the blank passbook is back in the box, the smallest again
    assert teller_session.terminal.core.vouchers.use_next("0101", "T001", "passbook") == issued
