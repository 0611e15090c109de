"""Day end (日终): 积数 accrual, quarterly settlement, dormant marking, blockers,
hooks and the next business date — on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
import sqlalchemy as sa

from tests.conftest import float_account
from teller.core.day import eod
from teller.core import schema
from teller.core.ledger.db import make_engine, reader
from teller.core.demo import create_demo
from teller.core.rulebook import check_books
from teller.core.ledger.accounts import internal_account
from teller.core.ledger.models import Account, AuditEvent, Branch
from teller.core.rulebook import ledger
from teller.core.ledger.records import EntryRequest, Leg, PostingRefused
from teller.domain.calendar import load_holidays
from teller.domain.interest import Rate, interest_on_accrual
from teller.domain.problems import Problem

pytestmark = pytest.mark.postgres
CAL = eod.load_bank_calendar()  # resources/holidays (2026: 6/19 端午, 6/20 a Saturday)
_seq = itertools.count(1)


class Bank:
    def __init__(self, url: str, on: dt.date) -> None:
        schema.upgrade(url)
        self.engine = make_engine(url)
        self.demo = create_demo(self.engine, business_date=on, scrypt_n=2**10)
        self.posting = ledger(self.engine)
        self.customers = [n for n, _, _ in self.demo.accounts]
        with reader(self.engine) as conn:
            self.expense = internal_account(conn, "0101", "interest_expense")
        self.box = float_account(self.engine)  # not cash: counts are test_cashbox's

    def deposit(self, account: str, fen: int) -> None:
        self.posting.post(EntryRequest(
            key=f"eod-test-{next(_seq):05d}", branch="0101", teller="T001", terminal="T01",
            txn_code="10020", step="post", legs=(Leg(self.box, "D", fen),
                                                 Leg(account, "C", fen))))

    def row(self, number: str):
        with reader(self.engine) as conn:
            return conn.execute(sa.select(Account).where(Account.number == number)).one()

    def branch(self):
        with reader(self.engine) as conn:
            return conn.execute(sa.select(Branch).where(Branch.code == "0101")).one()

    def audit(self, kind: str) -> list:
        with reader(self.engine) as conn:
            return conn.execute(sa.select(AuditEvent).where(AuditEvent.kind == kind)).all()


@pytest.fixture
def bank(core_url):
    b = Bank(core_url, dt.date(2026, 3, 18))
    yield b
    b.engine.dispose()


def test_accrual_and_settlement_on_3_20_match_the_hand_computation(bank):
    wang, liu, chen = bank.customers  # 12,500.00 / 86,000.50 / 300.00, current 0.10 %
    # GIVEN Wed 3/18: chen deposits 300.00 (600.00 kept three days is exactly half a fen)
    bank.deposit(chen, 30_000)
    r = eod.run_day_end(bank.engine, "0101", post=ledger(bank.engine).post, calendar=CAL)
    # THEN 3/18 counts once and the branch opens on Thu 3/19
    assert (r.business_date, r.next_business_date) == (dt.date(2026, 3, 18), dt.date(2026, 3, 19))
    assert bank.row(wang).accrual == 1_250_000
    assert bank.row(chen).accrual == 60_000
    # GIVEN Thu 3/19: wang deposits 1,000.00
    bank.deposit(wang, 100_000)
    eod.run_day_end(bank.engine, "0101", post=ledger(bank.engine).post, calendar=CAL)
    assert bank.row(wang).accrual == 1_250_000 + 1_350_000
    # WHEN Fri 3/20, the settlement day, closes
    expense_before = bank.row(bank.expense).balance
    r = eod.run_day_end(bank.engine, "0101", post=ledger(bank.engine).post, calendar=CAL, chunk=2)
    # THEN by hand: wang 3,950,000 fen·days × 0.10 % / 360 = 10.97 → 11 fen;
    # liu 25,800,150 → 71.67 → 72; chen 180,000 → 0.5 → 1 (half up, not to even)
    assert bank.row(wang).balance == 1_350_000 + 11
    assert bank.row(liu).balance == 8_600_050 + 72
    assert bank.row(chen).balance == 60_000 + 1
    for accrual, paid in ((3_950_000, 11), (25_800_150, 72), (180_000, 1)):
        assert interest_on_accrual(accrual, Rate(1000)) == paid
    assert (r.settled_accounts, r.interest_total, r.interest_entries) == (3, 84, 2)
    assert bank.row(bank.expense).balance == expense_before + 84
    # … and the accrual restarts with the weekend (3/21, 3/22) at the new balance
    assert r.next_business_date == dt.date(2026, 3, 23)
    assert bank.row(wang).accrual == 1_350_011 * 2
    assert bank.branch().business_date == dt.date(2026, 3, 23)
    assert bank.branch().status == "open"
    # the books still balance and every chain (incl. the batch operator's) is intact
    report = check_books(bank.engine)
    assert report.ok, report.summary()
    assert len(bank.audit("interest_settlement")) == 1
    run = eod.day_end_runs(bank.engine, "0101")[-1]
    assert json.loads(run["steps"])["interest_fen"] == 84


def test_settlement_day_on_a_weekend_is_settled_by_the_day_before(core_url):
    # GIVEN Thu 2026-06-18; Fri 6/19 is 端午 and 6/20 (settlement day) a Saturday
    bank = Bank(core_url, dt.date(2026, 6, 18))
    wang = bank.customers[0]
    r = eod.run_day_end(bank.engine, "0101", post=ledger(bank.engine).post, calendar=CAL)
    # THEN the next business date skips the holiday and the weekend,
    # interest covers 6/18–6/20 (3 days) and 6/21 starts the new period
    assert r.next_business_date == dt.date(2026, 6, 22)
    paid = interest_on_accrual(1_250_000 * 3, Rate(1000))
    assert bank.row(wang).balance == 1_250_000 + paid
    assert bank.row(wang).accrual == (1_250_000 + paid) * 1
    assert check_books(bank.engine).ok
    bank.engine.dispose()


def test_next_business_date_skips_holidays_of_the_calendar(bank):
    cal = load_holidays(["2026-03-19 test holiday"])
    r = eod.run_day_end(bank.engine, "0101", post=ledger(bank.engine).post, calendar=cal)
    assert r.next_business_date == dt.date(2026, 3, 20)
    # 3/18 and the closed 3/19 both count at 3/18's closing balance
    assert bank.row(bank.customers[0]).accrual == 1_250_000 * 2


def test_day_end_refused_while_a_blocker_stands(bank):
    # GIVEN a 9001 count out of step with the voucher stock
    with reader(bank.engine) as conn:
        box = conn.execute(sa.select(Account.number).where(
            Account.kind == "voucher_box", Account.owner_user == "T001",
            Account.medium_kind == "passbook")).scalar_one()
    bank.posting.post(EntryRequest(key="eod-test-adjust", branch="0101", teller="T001",
                                   terminal="T01", txn_code="00000", step="post",
                                   legs=(Leg(box, "D", 1),)))
    # WHEN the day end runs
    with pytest.raises(eod.DayEndRefused) as exc:
        eod.run_day_end(bank.engine, "0101", post=ledger(bank.engine).post, calendar=CAL)
    # THEN it is refused with the reason, and nothing changed
    assert "账实不符" in exc.value.problems[0].message
    assert bank.branch().business_date == dt.date(2026, 3, 18)
    assert bank.branch().status == "open"
    assert bank.row(bank.customers[0]).accrual == 0
    assert len(bank.audit("day_end_refused")) == 1


def test_blocker_and_time_hooks_plug_in(bank, monkeypatch):
    seen = []

    def tellers_signed_on(conn, branch, business_date):
        return [("柜员 T001 未签退", "Teller T001 is still signed on")]

    def apply_test_expiries(conn, branch, business_date):
        seen.append((branch, business_date))
        return {"expired": 0}

    monkeypatch.setattr(eod, "DAY_END_BLOCKERS", [*eod.DAY_END_BLOCKERS, tellers_signed_on])
    with pytest.raises(eod.DayEndRefused) as exc:
        eod.run_day_end(bank.engine, "0101", post=ledger(bank.engine).post, calendar=CAL)
    assert exc.value.problems == [Problem("day_end", "柜员 T001 未签退",
                                          "Teller T001 is still signed on")]
    monkeypatch.setattr(eod, "DAY_END_BLOCKERS", [])
    monkeypatch.setattr(eod, "TIME_DRIVEN_HOOKS", [apply_test_expiries])
    r = eod.run_day_end(bank.engine, "0101", post=ledger(bank.engine).post, calendar=CAL)
    assert seen == [("0101", dt.date(2026, 3, 18))]
    assert r.hooks == {"apply_test_expiries": {"expired": 0}}


def test_postings_are_refused_on_a_closed_date_and_allowed_on_the_next(bank):
    eod.run_day_end(bank.engine, "0101", post=ledger(bank.engine).post, calendar=CAL)
    bank.deposit(bank.customers[0], 100)  # posts on 3/19
    with reader(bank.engine) as conn:
        dates = conn.execute(sa.text(
            "SELECT DISTINCT business_date FROM journal_entries WHERE teller_code = 'T001'"
        )).scalars().all()
    assert {str(d) for d in dates} == {"2026-03-19"}


def test_accounts_without_customer_movement_for_five_years_turn_dormant(core_url):
    # GIVEN accounts opened and funded on 2020-06-01, nothing since
    bank = Bank(core_url, dt.date(2020, 6, 1))
    liu = bank.customers[1]
    with bank.engine.begin() as conn:  # time passes: five years without the batch
        conn.execute(sa.update(Branch).values(business_date=dt.date(2025, 6, 3)))
    bank.deposit(liu, 100)  # liu moved money within the five years
    # WHEN the day end of 2025-06-03 runs
    r = eod.run_day_end(bank.engine, "0101", post=ledger(bank.engine).post, calendar=CAL)
    # THEN the two untouched customer accounts are dormant, liu and internal ones not
    assert r.dormant_marked == 2
    assert [bank.row(n).status for n in bank.customers] == ["dormant", "normal", "dormant"]
    assert bank.row(bank.box).status == "normal"
    assert len(bank.audit("account_dormant")) == 2
    # and a dormant account refuses a withdrawal until reactivated (18550)
    with pytest.raises(PostingRefused) as exc:
        bank.posting.post(EntryRequest(
            key="eod-test-dormant", branch="0101", teller="T001", terminal="T01",
            txn_code="10030", step="post", legs=(Leg(bank.customers[0], "D", 100),
                                                 Leg(bank.box, "C", 100))))
    assert exc.value.code == "status_dormant"
    bank.engine.dispose()


def test_teller_eod_command_closes_the_day_and_reports_refusals(bank, capsys):
    from teller.cli import main
    assert main(["eod", "--url", bank_url(bank)]) == 0
    assert "2026-03-18 closed, 2026-03-19 open" in capsys.readouterr().out
    assert bank.branch().business_date == dt.date(2026, 3, 19)
    assert main(["vouchers", "--url", bank_url(bank)]) == 0
    assert "重要空白凭证库存表" in capsys.readouterr().out
    with reader(bank.engine) as conn:  # a 9001 count out of step → refused, exit 1
        stock = conn.execute(sa.select(Account.number).where(
            Account.kind == "voucher_stock", Account.medium_kind == "passbook")).scalar_one()
    bank.posting.post(EntryRequest(key="eod-test-cli", branch="0101", teller="S001",
                                   terminal="T01", txn_code="00000", step="post",
                                   legs=(Leg(stock, "D", 3),)))
    assert main(["eod", "--url", bank_url(bank)]) == 1
    assert "账实不符" in capsys.readouterr().err
    assert bank.branch().business_date == dt.date(2026, 3, 19)


def bank_url(bank) -> str:
    return bank.engine.url.render_as_string(hide_password=False)
