"""Branch day summary by GL subject: it ties to the ledger, day by day."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from teller.core.day.summary import branch_day_summary
from teller.core.ledger.models import Account, Branch


def _set_date(core, day: dt.date) -> None:
    with core.engine.begin() as conn:
        conn.execute(sa.update(Branch).where(Branch.code == "0101").values(business_date=day))


def _row(summary, subject):
    return next(r for r in summary.subjects if r.subject == subject)


@pytest.mark.postgres
def test_summary_shows_the_days_movements_and_ties(core, session):
    day = session.services().branch_info.business_date
    _, _, pan = core.demo.accounts[0]
    before = branch_day_summary(core.engine, "0101", day)
    assert before.ties, before.problems
    # WHEN the teller takes 1,000.00 in and pays 300.00 out in cash
    assert session.run("10020", {"account": pan, "amount": "1000.00", "mode": "cash"}).ok
    assert session.run("10030", {"account": pan, "amount": "300.00", "mode": "cash"}).ok
    after = branch_day_summary(core.engine, "0101", day)
    # THEN cash (1001, debit-natured) and personal deposits (2017) moved by exactly that
    cash, dep = _row(after, "1001"), _row(after, "2017")
    assert cash.debit - _row(before, "1001").debit == 100_000
    assert cash.credit - _row(before, "1001").credit == 30_000
    assert cash.closing == cash.opening + cash.debit - cash.credit
    assert dep.closing == dep.opening + dep.credit - dep.debit
    # AND the closing balances are the accounts' balances, debits equal credits
    with core.engine.connect() as conn:
        total_2017 = conn.execute(sa.select(sa.func.sum(Account.balance))
                                  .where(Account.subject_code == "2017")).scalar_one()
    assert dep.closing == total_2017
    assert after.ties and after.entries == before.entries + 2


@pytest.mark.postgres
def test_a_past_day_stays_what_it_was_after_later_days_post(core, session):
    day = session.services().branch_info.business_date
    _, _, pan = core.demo.accounts[0]
    assert session.run("10020", {"account": pan, "amount": "500.00", "mode": "cash"}).ok
    first = branch_day_summary(core.engine, "0101", day)
    # GIVEN the next business day with more business
    _set_date(core, day + dt.timedelta(days=1))
    assert session.run("10020", {"account": pan, "amount": "70.00", "mode": "cash"}).ok
    # THEN the first day's figures are unchanged and the second opens where it closed
    assert branch_day_summary(core.engine, "0101", day) == first
    second = branch_day_summary(core.engine, "0101", day + dt.timedelta(days=1))
    assert _row(second, "2017").opening == _row(first, "2017").closing
    assert _row(second, "2017").credit == 7_000 and second.ties


def test_a_balance_edited_behind_the_ledger_breaks_the_tie(core):
    day = dt.date.today()
    number = core.demo.accounts[0][0]
    with core.engine.begin() as conn:
        conn.execute(sa.update(Account).where(Account.number == number)
                     .values(balance=Account.balance + 1))
    summary = branch_day_summary(core.engine, "0101", day)
    assert not summary.ties
    assert any("2017" in p.message for p in summary.problems)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_cli_writes_the_summary_pdf_and_says_it_ties(core, tmp_path):
    from teller.cli import main
    out = tmp_path / "s.pdf"
    assert main(["report", "day-summary", "--url", core.url, "--out", str(out)]) == 0
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "网点日终科目汇总表" in text and "库存现金" in text and "借贷平衡" in text
    assert main(["report", "day-summary", "--url", core.url, "--date", "2026-13-01"]) == 2
