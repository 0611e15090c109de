"""Time passes through the day-end batch (日终): the hooks registered in
teller.core.day.hooks lift an oral loss report after 5 days, lift a freeze
after its year and let the queued one take over, and roll a time deposit over
at maturity — and the day end waits for the teller to sign off. SQLite and
PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from loss_helpers import controls, holder_id, incidents, report
from teller.core.rulebook import ledger
from teller.core.time_deposits.models import TimeDeposit
from teller.core.day import eod
from teller.core.ledger import models as m
from teller.core.cash.counts import read_holdings
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.rulebook import check_books

pytestmark = pytest.mark.postgres
SUP = ("S002", "demo123")
CAL = eod.load_bank_calendar()
START = dt.date(2026, 3, 2)  # a Monday
POLICE = {"authority_type": "police", "authority_name": "演示市公安局",
          "notice_number": "演公冻字第9号", "officer1_name": "赵警官", "officer1_id": "JH0009"}
COURT = {"authority_type": "court", "authority_name": "演示市人民法院",
         "notice_number": "(2026)演执字第1号", "officer1_name": "李法官",
         "officer1_id": "FY0001", "officer2_name": "王法警", "officer2_id": "FY0002"}


def set_date(core, day: dt.date) -> None:
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Branch.__table__).values(business_date=day)))


def business_date(core) -> dt.date:
    with reader(core.engine) as conn:
        return conn.execute(sa.select(m.Branch.business_date)).scalar_one()


def freeze(session, account, kind, until, authority, amount=None):
    values = {"account": account, "action": "freeze", "kind": kind, "expires_on": str(until),
              **authority}
    if amount:
        values["amount"] = amount
    return session.run("18090", values, authorizer=SUP)


def deposit(core, number):
    with reader(core.engine) as conn:
        return conn.execute(sa.select(TimeDeposit.__table__)
                            .where(TimeDeposit.account_number == number)).one()


def sign_off(core, session) -> None:
    box = core.account("cash_box", "T001")
    with reader(core.engine) as conn:
        counted = read_holdings(conn, box)
    assert session.run("09030", {"counts": {str(d): n for d, n in counted.items()}}).ok
    assert session.sign_off() == []


def test_days_and_a_year_pass_through_the_day_end(core, session):
    set_date(core, START)
    wang, liu = core.demo.accounts[0][0], core.demo.accounts[1][0]
    # GIVEN an oral loss report on wang's account (its last day is the fifth, 3/6)
    assert report(session, 0, core, "oral").ok
    # AND liu's account frozen in full for 300 days, a partial freeze of 2,000.00
    # for a year queued behind it
    assert freeze(session, liu, "freeze_full", START + dt.timedelta(days=300), COURT).ok
    assert freeze(session, liu, "freeze_partial", START + dt.timedelta(days=365), POLICE,
                  amount="2,000.00").ok
    # AND a 3-month time deposit of 10,000.00 with auto-rollover (matures 6/2)
    doc = holder_id(0)
    out = session.run("10110", {"customer_doc": doc, "term": "3", "amount": "10,000.00",
                                "rollover": "1", "mode": "cash"}, SUP)
    assert out.ok, out.problems
    td = next(leg.account for leg in out.entries[0].legs if leg.direction == "C")
    # WHEN the day end runs while T001 is signed on THEN it is refused, nothing changed
    with pytest.raises(eod.DayEndRefused) as exc:
        eod.run_day_end(core.engine, "0101", post=ledger(core.engine).post, calendar=CAL)
    assert "teller:T001" in [p.field for p in exc.value.problems]
    assert business_date(core) == START
    # WHEN T001 balances and signs off THEN the day end runs, day after day
    sign_off(core, session)
    opened = []
    for _ in range(5):
        opened.append(eod.run_day_end(core.engine, "0101", post=ledger(core.engine).post, calendar=CAL).next_business_date)
        status = incidents(core, wang)[0].status
        # THEN the report holds through its fifth day (3/6) and lifts by itself after it
        assert status == ("active" if opened[-1] <= dt.date(2026, 3, 6) else "expired"), opened
    assert opened[-1] == dt.date(2026, 3, 9)
    assert controls(core, wang) == []

    # GIVEN time passes to the day the deposit matures (6/2, a Tuesday)
    set_date(core, dt.date(2026, 6, 2))
    r = eod.run_day_end(core.engine, "0101", post=ledger(core.engine).post, calendar=CAL)
    # THEN it rolled over into a new 3-month period with principal plus interest
    assert r.hooks["time_deposit_maturities"]["rolled_over"] == [td]
    row = deposit(core, td)
    assert (row.start_date, row.maturity_date, row.rollovers) == (
        dt.date(2026, 6, 2), dt.date(2026, 9, 2), 1)
    assert core.balance(td) > 1_000_000
    assert eod.run_day_end(core.engine, "0101", post=ledger(core.engine).post, calendar=CAL).hooks[
        "time_deposit_maturities"]["rolled_over"] == []

    # GIVEN the first freeze's last day is Sun 2026-12-27; Fri 12/25 closes
    set_date(core, dt.date(2026, 12, 25))
    frozen = session.terminal.core.judicial.cases(liu)
    assert [c.status for c in frozen] == ["active", "queued"]
    r = eod.run_day_end(core.engine, "0101", post=ledger(core.engine).post, calendar=CAL)
    # THEN on Monday the first freeze has lifted and the queued one holds its own amount
    assert r.next_business_date == dt.date(2026, 12, 28)
    assert [c["event"] for c in r.hooks["control_expiries"]] == ["expire", "activate"]
    first, second = session.terminal.core.judicial.cases(liu)
    assert (first.status, second.status, second.amount) == ("expired", "active", 200_000)
    info = session.terminal.core.account(liu)
    assert info.available == info.balance - 200_000
    # AND the deposit rolled period after period meanwhile (9/2, 12/2)
    assert deposit(core, td).rollovers == 3
    # GIVEN more than a year after START (the queued freeze's last day is 2027-03-02)
    set_date(core, dt.date(2027, 3, 2))
    r = eod.run_day_end(core.engine, "0101", post=ledger(core.engine).post, calendar=CAL)
    # THEN the second freeze lifts too and the deposit rolled a fourth time
    assert [c["event"] for c in r.hooks["control_expiries"]] == ["expire"]
    assert [c.status for c in session.terminal.core.judicial.cases(liu)] == [
        "expired", "expired"]
    assert session.terminal.core.account(liu).available == info.balance
    assert deposit(core, td).rollovers == 4
    # AND opening the day again changes nothing (idempotent)
    assert eod.open_business_day(core.engine, "0101", post=ledger(core.engine).post) == {"loss_expiries": [],
                                                          "control_expiries": []}
    report_ = check_books(core.engine)
    assert report_.ok, report_.summary()
