"""18010 挂失 headless through Session.run — the kinds, their order, the effect on
money, the fee, agents — and the oral report's lapse after 5 days."""
from __future__ import annotations

import datetime as dt

import pytest

from loss_helpers import (
    PW, account_row, add_freeze, audit, controls, entry_count, holder_id, incidents, keyed,
    report, set_business_date, use_pins,
)
from teller.core.customers.models import Customer
from teller.core.rulebook import check_books
from teller.core.loss.reports import apply_loss_expiries
from teller.core.ledger.records import EntryRequest, Leg

pytestmark = pytest.mark.postgres


@pytest.fixture
def pins(terminal):
    return use_pins(terminal)


def withdraw(session, pan, amount="10.00"):
    return session.run("10030", {"account": pan, "amount": amount, "mode": "cash"})


def test_oral_report_stops_withdrawals_and_lets_deposits_in(core, session):
    number, _, pan = core.demo.accounts[0]
    # WHEN the holder reports the card lost orally at the counter
    out = report(session, 0, core, "oral", channel="counter")
    # THEN one incident with a 19-digit number, in force 5 days counting today
    assert out.ok and out.finished, out.problems
    [inc] = incidents(core, number)
    assert len(inc.incident_number) == 19 and inc.incident_number.isdigit()
    assert (inc.kind, inc.channel, inc.status, inc.fee_fen) == ("oral", "counter", "active", 0)
    assert inc.expires_on == core.demo.business_date + dt.timedelta(days=4)
    assert [c.kind for c in controls(core, number)] == ["loss_report"]
    # AND the report is a journal entry of its own, with no money in it
    assert inc.incident_number in out.vouchers[0].memo and len(out.journal_numbers) == 1
    entry = session.terminal.core.find(inc.idempotency_key)
    assert entry.legs == () and entry.fact("incident_number") == inc.incident_number
    # AND a withdrawal is refused with the rule's words, a deposit goes in
    before = core.balance(number)
    refused = withdraw(session, pan)
    assert not refused.ok and refused.problems[0].message.startswith("账户已挂失")
    assert session.run("10020", {"account": pan, "amount": "5.00", "mode": "cash"}).ok
    assert core.balance(number) == before + 500
    # AND a transfer out is refused too
    other = core.demo.accounts[1][0]
    out = session.run("10020", {"account": other, "amount": "1.00", "mode": "transfer",
                                "from_account": pan})
    assert not out.ok and "账户已挂失" in out.problems[0].message
    assert audit(core, "loss_report")[0].user_code == "T001"


def test_judicial_deduction_passes_a_loss_report(core, session):
    number, receiver = core.demo.accounts[0][0], core.demo.accounts[2][0]
    assert report(session, 0, core, "written").ok
    legs = (Leg(number, "D", 1000), Leg(receiver, "C", 1000))
    req = dict(branch="0101", teller="T001", terminal="T01", txn_code="10020", step="post",
               legs=legs)
    # WHEN an ordinary debit meets the report THEN it is refused
    from teller.core.ledger.records import PostingRefused
    with pytest.raises(PostingRefused, match="账户已挂失"):
        session.terminal.core.post(EntryRequest(key="jd-normal", **req))
    # WHEN a court deducts (18090, which since the merge must name its case) THEN it posts
    out = session.run("18090", {
        "account": number, "action": "deduct", "to_account": receiver, "d_amount": "10.00",
        "authority_type": "court", "authority_name": "演示市人民法院",
        "notice_number": "(2026)演执字第2号", "officer1_name": "李法官", "officer1_id": "FY0001",
        "officer2_name": "王法警", "officer2_id": "FY0002"}, authorizer=("S001", PW))
    assert out.ok, out.problems
    assert core.balance(number) == 1_250_000 - 1000


def test_written_report_follows_oral_supersedes_it_and_takes_the_fee(core, session):
    number, _, pan = core.demo.accounts[0]
    box, income = core.account("cash_box", "T001"), core.account("fee_income")
    assert report(session, 0, core, "oral").ok
    box_before = core.balance(box)
    # WHEN the holder comes back with the written report
    out = report(session, 0, core, "written")
    # THEN the oral incident is superseded and a new written one stands
    assert out.ok, out.problems
    oral, written = incidents(core, number)
    assert (oral.kind, oral.status) == ("oral", "superseded")
    assert (written.kind, written.status, written.supersedes) == \
        ("written", "active", oral.incident_number)
    assert written.incident_number != oral.incident_number
    assert [c.incident_number for c in controls(core, number)] == [written.incident_number]
    # AND the 10.00 fee went from the teller's cash into fee income, on the voucher
    assert core.balance(box) == box_before + 1000 and core.balance(income) == 1000
    assert len(out.journal_numbers) == 1 and out.vouchers[0].amount_fen == 1000
    assert written.fee_entry_id == out.entries[0].entry_id
    assert check_books(core.engine).ok


def test_oral_cannot_follow_written_and_nothing_changes(core, session):
    number = core.demo.accounts[0][0]
    assert report(session, 0, core, "written").ok
    n, before = entry_count(core), incidents(core, number)
    # WHEN an oral report is tried after the written one
    out = report(session, 0, core, "oral")
    # THEN it is refused at the kind field, and nothing is written
    assert not out.ok
    assert (out.problems[0].field, out.problems[0].message) == \
        ("loss_kind", "已书面挂失，不能再办理口头挂失")
    assert incidents(core, number) == before and entry_count(core) == n
    # AND a second written report is refused as well
    assert report(session, 0, core, "written").problems[0].message == "账户凭证已书面挂失"


def test_the_core_refuses_what_the_page_would_have_caught(core, session):
    # GIVEN a written report; WHEN a caller bypasses the flow and asks the core directly
    number = core.demo.accounts[0][0]
    assert report(session, 0, core, "written").ok
    from teller.core.loss.reports import LossReport
    from teller.core.ledger.records import PostingRefused
    n = entry_count(core)
    with pytest.raises(PostingRefused) as exc:
        session.terminal.core.post(EntryRequest(
            key="api-1", branch="0101", teller="T001", terminal="T01", txn_code="18010",
            step="submit", reversible=False, attachments=(LossReport(number, "oral"),)))
    # THEN the same rule answers
    assert exc.value.code == "loss_oral_after_written" and entry_count(core) == n


def test_phone_is_for_oral_reports_only(core, session):
    out = report(session, 0, core, "written", channel="phone")
    assert not out.ok and out.problems[0].message == "电话渠道只能办理口头挂失"
    out = report(session, 0, core, "oral", channel="phone")
    assert out.ok and incidents(core)[0].channel == "phone"


def test_password_loss_needs_a_password_to_report(core, session, pins):
    number, _, pan = core.demo.accounts[1]
    # GIVEN an account without a password THEN a password loss is not offered
    out = report(session, 1, core, "password")
    assert out.problems[0].message == "该账户未设置密码，不能办理密码挂失"
    pins.set_pin(number, keyed(pan, "246810"))
    # WHEN it has one THEN the password loss is taken without the password
    out = report(session, 1, core, "password")
    assert out.ok, out.problems
    assert incidents(core, number)[0].kind == "password"
    assert "账户已挂失" in withdraw(session, pan).problems[0].message


def test_the_core_refuses_a_lost_account_before_it_tries_a_pin(core, session, pins):
    from teller.core.accounts.rules import PinProof
    from teller.core.ledger.records import PostingRefused
    number, _, pan = core.demo.accounts[1]
    pins.set_pin(number, keyed(pan, "246810"))
    assert report(session, 1, core, "oral").ok
    box = core.account("cash_box", "T001")
    # WHEN three debits come to the core with a wrong PIN (a replay, the API)
    for i in range(3):
        req = EntryRequest(key=f"lost-pin-{i}", branch="0101", teller="T001", terminal="T01",
                           txn_code="10030", step="post",
                           legs=(Leg(number, "D", 100), Leg(box, "C", 100)),
                           attachments=(PinProof(number, keyed(pan, "999999")),))
        with pytest.raises(PostingRefused, match="账户已挂失") as exc:
            session.terminal.core.post(req)
        assert exc.value.code == "control_loss_report"
    # THEN none of them was tried against the PIN: the right one is still accepted
    assert pins.verify(number, keyed(pan, "246810")).accepted


def test_a_cards_password_report_after_an_oral_one_covers_it(core, session, pins):
    number, _, pan = core.demo.accounts[1]
    pins.set_pin(number, keyed(pan, "246810"))
    assert report(session, 1, core, "oral").ok
    # WHEN the password is reported lost on the card reported orally
    assert report(session, 1, core, "password").ok
    # THEN one voucher+password incident replaces the oral one (CBUS §4.1.3 item 2)
    oral, merged = incidents(core, number)
    assert oral.status == "superseded"
    assert (merged.kind, merged.status, merged.supersedes) == \
        ("voucher_password", "active", oral.incident_number)


def test_written_report_asks_for_the_password_when_it_is_in_order(core, session, pins):
    number, _, pan = core.demo.accounts[1]
    pins.set_pin(number, keyed(pan, "246810"))
    # WHEN no password is keyed THEN refused
    assert report(session, 1, core, "written").problems[0].message == "书面挂失须验证客户密码"
    # WHEN a wrong one is keyed THEN refused, and the failure counts
    out = report(session, 1, core, "written", pin=keyed(pan, "000000"))
    assert not out.ok and account_row(core, number).pin_failures == 1
    assert incidents(core, number) == []
    # WHEN the right one THEN reported
    assert report(session, 1, core, "written", pin=keyed(pan, "246810")).ok


def test_an_agent_is_recorded_and_must_be_named(core, session):
    number = core.demo.accounts[2][0]
    out = report(session, 2, core, "oral", by_agent="agent")
    assert not out.ok and {p.field for p in out.problems} == {"agent_name", "agent_id"}
    agent_id = holder_id(0)
    out = report(session, 2, core, "oral", by_agent="agent", agent_name="王小明",
                 agent_id=agent_id)
    assert out.ok, out.problems
    inc = incidents(core, number)[0]
    assert (inc.agent_name, inc.agent_id_type, inc.agent_id_number) == \
        ("王小明", "resident_id", agent_id["number"])


def test_the_account_must_be_the_document_holders(core, session):
    pan_of_other = core.demo.accounts[1][2]
    out = session.run("18010", {"customer_id": holder_id(0), "account": pan_of_other,
                                "loss_kind": "oral"})
    assert not out.ok and out.problems[0].message == "该账户不属于此证件的客户"


def test_reporting_a_frozen_account_is_allowed_and_the_freeze_stays(core, session):
    number = core.demo.accounts[0][0]
    add_freeze(core, number)
    assert report(session, 0, core, "written").ok
    assert sorted(c.kind for c in controls(core, number)) == ["freeze_full", "loss_report"]


def test_oral_report_lapses_after_five_days_counting_the_first(core, session):
    number, _, pan = core.demo.accounts[0]
    day1 = core.demo.business_date
    assert report(session, 0, core, "oral").ok
    [inc] = incidents(core, number)
    # GIVEN the fifth day: still in force, the batch changes nothing
    set_business_date(core, day1 + dt.timedelta(days=4))
    assert apply_loss_expiries(core.engine, day1 + dt.timedelta(days=4)) == ()
    assert not withdraw(session, pan).ok
    # WHEN the sixth day comes THEN withdrawals pass without anyone acting
    day6 = day1 + dt.timedelta(days=5)
    set_business_date(core, day6)
    assert withdraw(session, pan).ok
    # AND the day-end call records the lapse, once
    assert apply_loss_expiries(core.engine, day6) == (inc.incident_number,)
    assert incidents(core, number)[0].status == "expired"
    assert controls(core, number) == [] and len(controls(core, number, "expired")) == 1
    [event] = audit(core, "loss_oral_expired")
    assert inc.incident_number in event.detail and event.user_code == "SYSTEM"
    assert apply_loss_expiries(core.engine, day6) == ()
    # AND after the lapse an oral report may be made again
    assert report(session, 0, core, "oral").ok


def test_written_reports_never_lapse(core, session):
    number = core.demo.accounts[0][0]
    assert report(session, 0, core, "written").ok
    later = core.demo.business_date + dt.timedelta(days=400)
    set_business_date(core, later)
    assert apply_loss_expiries(core.engine, later) == ()
    assert incidents(core, number)[0].status == "active"


def test_a_repeated_key_reports_once_and_charges_once(core, session):
    from teller.core.cash.counts import CashCount
    from teller.core.loss.reports import LossReport
    number = core.demo.accounts[0][0]
    box, income = core.account("cash_box", "T001"), core.account("fee_income")
    # GIVEN a written report with its 10.00 fee in cash, sent twice under one key
    req = EntryRequest(key="T01-replay-00-0", branch="0101", teller="T001", terminal="T01",
                       txn_code="18010", step="submit", reversible=False,
                       legs=(Leg(box, "D", 1000), Leg(income, "C", 1000)),
                       attachments=(LossReport(number, "written"),
                                    CashCount(box, received=((1000, 1),))))
    first, again = session.terminal.core.post(req), session.terminal.core.post(req)
    # THEN the second answer is the first, and nothing was written twice
    assert again.replayed and again.entry_id == first.entry_id
    assert again.fact("incident_number") == first.fact("incident_number")
    assert len(incidents(core, number)) == 1
    assert core.balance(income) == 1000


def test_the_fee_is_configurable_and_zero_means_none(core, session):
    loss = session.terminal.core.loss
    loss.set_fee("written", 0, user="ADM1")
    n = entry_count(core)
    out = report(session, 0, core, "written")
    # THEN the report is an entry with no money in it
    assert out.ok and len(out.journal_numbers) == 1 and entry_count(core) == n + 1
    assert session.terminal.core.find(incidents(core)[0].idempotency_key).legs == ()
    loss.set_fee("oral", 500, user="ADM1")
    assert report(session, 1, core, "oral").vouchers[0].amount_fen == 500
    assert [e.user_code for e in audit(core, "loss_fee_set")] == ["ADM1", "ADM1"]


def test_a_unit_reports_orally_at_the_counter_only(core, session):
    import sqlalchemy as sa
    from teller.core.ledger.db import run_in_transaction
    from teller.core.ledger.accounts import open_account

    def unit(conn):
        cid = conn.execute(sa.insert(Customer.__table__).values(
            kind="unit", id_type="credit_code", id_number="91110105MA0000000X",
            name="演示商贸有限公司", branch_code="0101", created_at=dt.datetime.now())
            .returning(Customer.id)).scalar_one()
        return open_account(conn, branch="0101", subject="2012", title="演示商贸有限公司",
                            kind="unit_current", opened_on=core.demo.business_date,
                            customer_id=cid, product="U-CUR")
    number = run_in_transaction(core.engine, unit)
    doc = {"type": "credit_code", "number": "91110105ma0000000x"}
    values = {"customer_id": doc, "account": number, "loss_kind": "oral"}
    out = session.run("18010", {**values, "channel": "phone"})
    assert not out.ok and out.problems[0].message == "单位客户口头挂失仅限柜面渠道"
    out = session.run("18010", {**values, "loss_kind": "password"})
    assert not out.ok and out.problems[0].message == "密码挂失仅限个人客户"
    assert session.run("18010", values).ok
    assert incidents(core, number)[0].kind == "oral"


def test_the_pages_offer_only_the_kinds_that_apply(core, services_for_flows):
    from teller.transactions.flow import FlowRun
    from teller.transactions.registry import default_registry
    run = FlowRun(default_registry().get("18010"), services_for_flows)
    run.set("customer_id", holder_id(0))
    lines = dict((label, text) for label, _, text in run.summary())
    number, _, pan = core.demo.accounts[0]
    # THEN the holder's card is listed with what it may take (no password: no password loss)
    assert lines["户名"] == "王小明" and lines["账户"] == f"{number} {pan}：口头挂失、书面挂失"
    assert run.next() == []
    run.set_many({"account": pan, "loss_kind": "written"})
    lines = dict((label, text) for label, _, text in run.summary())
    assert (lines["可办理"], lines["手续费"]) == ("口头挂失、书面挂失", "¥10.00（现金）")


@pytest.fixture
def services_for_flows(core):
    from teller.core.services import CoreServices
    from teller.transactions.context import Services
    cs = CoreServices(core.engine)
    return Services(core=cs, teller="T001", terminal="T01", branch_info=cs.branch("0101"))
