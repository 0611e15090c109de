"""18090 judicial assistance through Session.run: freeze, renewal, queue,
unfreeze, deduction, quick freeze, register — and every refusal the rules name."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from teller.core.ledger import models as m
from teller.core.controls.expiries import apply_control_expiries
from teller.core.rulebook import check_books

pytestmark = pytest.mark.postgres

A = ("S002", "demo123")
B = ("S001", "demo123")
COURT = {"authority_type": "court", "authority_name": "演示市人民法院",
         "notice_number": "(2026)演执字第1号", "officer1_name": "李法官",
         "officer1_id": "FY0001", "officer2_name": "王法警", "officer2_id": "FY0002"}
POLICE = {"authority_type": "police", "authority_name": "演示市公安局",
          "notice_number": "演公冻字第9号", "officer1_name": "赵警官", "officer1_id": "JH0009"}


def acct(core, i=0):
    return core.demo.accounts[i][0]


def today(session):
    return session.services().business_date


def freeze(session, account, kind, until, amount=None, authority=COURT, action="freeze"):
    values = {"account": account, "action": action, "kind": kind, "expires_on": str(until),
              **(authority if action == "freeze" else {})}
    if amount:
        values["amount"] = amount
    return session.run("18090", values, authorizer=A)


def cases(session, account):
    return session.terminal.core.judicial.cases(account)


def messages(out):
    return [p.message for p in out.problems]


def set_date(core, day):
    with core.engine.begin() as conn:
        conn.execute(sa.update(m.Branch.__table__).values(business_date=day))


def test_partial_freeze_blocks_its_amount_and_the_rest_moves(core, session):
    out = freeze(session, acct(core), "freeze_partial", today(session) + dt.timedelta(days=90),
                 amount="10,000.00")
    assert out.ok, out.problems
    (case,) = cases(session, acct(core))
    assert (case.kind, case.amount, case.status, len(case.incident_number)) == (
        "freeze_partial", 1_000_000, "active", 19)
    assert case.authority.name == "演示市人民法院" and len(case.authority.officers) == 2
    assert session.terminal.core.account(acct(core)).available == 250_000
    out = session.run("10030", {"account": acct(core), "amount": "2,500.01", "mode": "cash"})
    assert not out.ok and "可用余额不足" in messages(out)[0]
    assert session.run("10030", {"account": acct(core), "amount": "2,500.00",
                                 "mode": "cash"}).ok


def test_full_freeze_blocks_both_ways_one_way_only_debits(core, session):
    until = today(session) + dt.timedelta(days=30)
    assert freeze(session, acct(core, 0), "freeze_full", until).ok
    assert freeze(session, acct(core, 1), "freeze_one_way", until).ok
    for i in (0, 1):
        out = session.run("10030", {"account": acct(core, i), "amount": "1.00", "mode": "cash"})
        assert not out.ok and "司法冻结" in messages(out)[0]
    out = session.run("10020", {"account": acct(core, 0), "amount": "1.00", "mode": "cash"})
    assert not out.ok and "不收不付" in messages(out)[0]
    assert session.run("10020", {"account": acct(core, 1), "amount": "1.00", "mode": "cash"}).ok


def test_freeze_needs_a_supervisor_details_and_at_most_one_year(core, session):
    values = {"account": acct(core), "action": "freeze", "kind": "freeze_full",
              "expires_on": str(today(session) + dt.timedelta(days=30)), **COURT}
    out = session.run("18090", values)
    assert not out.ok and out.needs_authorization[0].level == "A"
    out = session.run("18090", {**values, "authority_name": ""}, authorizer=A)
    assert not out.ok and "请输入执法机关信息" in messages(out)[0]
    out = freeze(session, acct(core), "freeze_full", today(session) + dt.timedelta(days=367))
    assert not out.ok and "冻结期限最长不得超过1年" in messages(out)[0]
    assert cases(session, acct(core)) == ()


def test_renewal_later_date_same_incident_amount_may_drop_never_rise(core, session):
    until = today(session) + dt.timedelta(days=60)
    assert freeze(session, acct(core), "freeze_partial", until, amount="5,000.00").ok
    (case,) = cases(session, acct(core))
    renew = {"account": acct(core), "action": "renew", "incident": case.incident_number}
    # an earlier (or equal) date is refused
    out = session.run("18090", {**renew, "r_expires_on": str(until - dt.timedelta(days=1))},
                      authorizer=A)
    assert not out.ok and "续冻到期日必须晚于原到期日" in messages(out)[0]
    # a higher amount is refused
    out = session.run("18090", {**renew, "r_expires_on": str(until + dt.timedelta(days=30)),
                                "r_amount": "5,000.01"}, authorizer=A)
    assert not out.ok and "续冻金额不能大于原冻结金额" in messages(out)[0]
    # later date, lower amount: same incident number
    out = session.run("18090", {**renew, "r_expires_on": str(until + dt.timedelta(days=30)),
                                "r_amount": "3,000.00"}, authorizer=A)
    assert out.ok, out.problems
    (after,) = cases(session, acct(core))
    assert (after.incident_number, after.amount, after.expires_on) == (
        case.incident_number, 300_000, until + dt.timedelta(days=30))


def test_unfreeze_only_by_the_same_authority(core, session):
    assert freeze(session, acct(core), "freeze_full", today(session) + dt.timedelta(days=30)).ok
    (case,) = cases(session, acct(core))
    values = {"account": acct(core), "action": "unfreeze", "incident": case.incident_number}
    out = session.run("18090", {**values, **POLICE}, authorizer=A)
    assert not out.ok and "只有原冻结机关才能解冻" in messages(out)[0]
    assert cases(session, acct(core))[0].status == "active"
    assert session.run("18090", {**values, **COURT}, authorizer=A).ok
    assert cases(session, acct(core))[0].status == "released"
    assert session.run("10030", {"account": acct(core), "amount": "1.00", "mode": "cash"}).ok


def test_queued_freeze_takes_over_when_the_first_is_unfrozen(core, session):
    until = today(session) + dt.timedelta(days=30)
    assert freeze(session, acct(core), "freeze_partial", until, amount="1,000.00").ok
    assert freeze(session, acct(core), "freeze_partial", until, amount="3,000.00",
                  authority=POLICE).ok
    first, second = cases(session, acct(core))
    assert (first.status, second.status) == ("active", "queued")
    assert session.terminal.core.account(acct(core)).available == 1_150_000  # only the first
    assert session.run("18090", {"account": acct(core), "action": "unfreeze",
                                 "incident": first.incident_number, **COURT}, authorizer=A).ok
    first, second = cases(session, acct(core))
    assert (first.status, second.status, second.amount) == ("released", "active", 300_000)
    assert session.terminal.core.account(acct(core)).available == 950_000


def test_deduction_partial_repeated_capped_full_lifts_reversible(core, session):
    until = today(session) + dt.timedelta(days=30)
    assert freeze(session, acct(core), "freeze_partial", until, amount="1,000.00").ok
    assert freeze(session, acct(core), "freeze_partial", until, amount="200.00",
                  authority=POLICE).ok
    first, queued = cases(session, acct(core))
    court_account = acct(core, 2)  # stands in for the authority's account
    ded = {"account": acct(core), "action": "deduct", "incident": first.incident_number,
           "to_account": court_account}
    # needs a B-level supervisor
    out = session.run("18090", {**ded, "d_amount": "100.00"}, authorizer=A)
    assert not out.ok and core.balance(court_account) == 30_000
    # above the frozen amount: refused
    out = session.run("18090", {**ded, "d_amount": "1,000.01"}, authorizer=B)
    assert not out.ok and "扣划金额不能大于冻结金额" in messages(out)[0]
    # partial, repeated
    assert session.run("18090", {**ded, "d_amount": "400.00"}, authorizer=B).ok
    assert cases(session, acct(core))[0].amount == 60_000
    last = session.run("18090", {**ded, "d_amount": "600.00"}, authorizer=B)
    assert last.ok
    first, queued = cases(session, acct(core))
    assert (first.status, first.deducted_total, queued.status) == ("deducted", 100_000, "active")
    assert core.balance(court_account) == 30_000 + 100_000
    # WHEN the last deduction is reversed THEN the freeze is back and the queue waits again
    rev = session.run("08210", {"journal_number": last.journal_numbers[0]}, authorizer=A)
    assert rev.ok, rev.problems
    first, queued = cases(session, acct(core))
    assert (first.status, first.amount, queued.status) == ("active", 60_000, "queued")
    assert check_books(core.engine).ok


def test_the_core_refuses_a_partial_deduction_above_the_frozen_amount(core, session):
    from teller.core.controls.judicial import JudicialDeduction
    from teller.core.rulebook import ledger
    from teller.core.ledger.records import AuthGrant, EntryRequest, Leg, PostingRefused
    assert freeze(session, acct(core), "freeze_partial", today(session) + dt.timedelta(days=9),
                  amount="100.00").ok
    (case,) = cases(session, acct(core))

    def deduct(key, account, amount, incident, grant=AuthGrant("S001", "B")):
        return ledger(core.engine).post(EntryRequest(
            key=key, branch="0101", teller="T001", terminal="T01", txn_code="18090",
            step="submit", legs=(Leg(account, "D", amount), Leg(acct(core, 2), "C", amount)),
            attachments=(JudicialDeduction(account, incident),), authorization=grant))
    with pytest.raises(PostingRefused) as exc:
        deduct("ded-x", acct(core), 10_001, case.incident_number)
    assert exc.value.code == "deduction_above_frozen"
    # and the deduction's purpose is the case's: another account cannot use it
    with pytest.raises(PostingRefused) as exc:
        deduct("ded-y", acct(core, 1), 100, case.incident_number)
    assert exc.value.code == "case_account_mismatch"
    # nor can a deduction pass a freeze without the supervisor the court's order needs
    with pytest.raises(PostingRefused) as exc:
        deduct("ded-z", acct(core), 100, case.incident_number, grant=None)
    assert exc.value.code == "needs_authorization"
    assert core.balance(acct(core)) == 1_250_000


def test_deduction_is_by_transfer_only(core, session):
    from teller.core.controls.judicial import JudicialDeduction
    from teller.core.rulebook import ledger
    from teller.core.ledger.records import AuthGrant, EntryRequest, Leg, PostingRefused
    assert freeze(session, acct(core), "freeze_full", today(session) + dt.timedelta(days=9)).ok
    (case,) = cases(session, acct(core))
    with pytest.raises(PostingRefused) as exc:
        ledger(core.engine).post(EntryRequest(
            key="ded-cash", branch="0101", teller="T001", terminal="T01", txn_code="18090",
            step="submit",
            legs=(Leg(acct(core), "D", 100), Leg(core.account("cash_box", "T001"), "C", 100)),
            attachments=(JudicialDeduction(acct(core), case.incident_number),),
            authorization=AuthGrant("S001", "B")))
    assert exc.value.code == "deduction_cash"


def test_direct_deduction_without_a_freeze(core, session):
    out = session.run("18090", {"account": acct(core), "action": "deduct",
                                "to_account": acct(core, 2), "d_amount": "50.00", **POLICE},
                      authorizer=B)
    assert out.ok, out.problems
    (case,) = cases(session, acct(core))
    assert (case.action, case.deducted_total, case.authority.name) == (
        "deduction", 5_000, "演示市公安局")


def test_quick_freeze_cannot_be_left_until_the_details_are_in(core, session):
    values = {"account": acct(core), "action": "quick_freeze", "kind": "freeze_full",
              "expires_on": str(today(session) + dt.timedelta(days=30))}
    out = session.run("18090", values, authorizer=A)
    # THEN the freeze is in force but the run stops at the details page
    assert not out.ok and not out.finished
    (case,) = cases(session, acct(core))
    assert (case.status, case.complete, case.authority) == ("active", False, None)
    assert session.run("10030", {"account": acct(core), "amount": "1.00", "mode": "cash"}).ok \
        is False
    # WHEN the teller tries to leave THEN refused
    left = session.abandon(out.run_id)
    assert not left.ok and "须补录执法机关信息后才能退出" in messages(left)[0]
    assert session.terminal.core.judicial.incomplete("T001") == (case.incident_number,)
    # WHEN the details are filled in THEN the run finishes and the case is complete
    q = {f"q_{k}": v for k, v in COURT.items()}
    done = session.resume(out.run_id, q, authorizer=A)
    assert done.ok and done.finished, done.problems
    (case,) = cases(session, acct(core))
    assert case.complete and case.authority.name == "演示市人民法院"
    assert session.terminal.core.judicial.incomplete() == ()


def test_register_maintenance_and_inquiry_and_the_register(core, session):
    assert session.run("18090", {"account": acct(core), "action": "inquiry", **POLICE}).ok
    assert freeze(session, acct(core), "freeze_one_way", today(session) + dt.timedelta(days=9)).ok
    inquiry, frz = cases(session, acct(core))
    fixed = {**COURT, "authority_name": "演示市中级人民法院"}
    assert session.run("18090", {"account": acct(core), "action": "maintain",
                                 "incident": frz.incident_number, **fixed}, authorizer=A).ok
    assert cases(session, acct(core))[1].authority.name == "演示市中级人民法院"
    lines = session.terminal.core.controls.register(account=acct(core), area="judicial")
    assert [(l["incident_number"], l["event"]) for l in lines] == [
        (inquiry.incident_number, "inquiry"), (frz.incident_number, "freeze"),
        (frz.incident_number, "maintain")]
    assert lines[2]["before"]["authority_name"] == "演示市人民法院"


def test_after_a_year_the_freeze_lifts_and_the_queued_one_takes_over(core, session):
    start = today(session)
    assert freeze(session, acct(core), "freeze_full", start + dt.timedelta(days=365)).ok
    assert freeze(session, acct(core), "freeze_partial", start + dt.timedelta(days=365),
                  amount="2,000.00", authority=POLICE).ok
    # a queued freeze renewed by its own authority keeps waiting
    later = start + dt.timedelta(days=300)
    set_date(core, later)
    _, queued = cases(session, acct(core))
    assert session.run("18090", {"account": acct(core), "action": "renew",
                                 "incident": queued.incident_number,
                                 "r_expires_on": str(later + dt.timedelta(days=365))},
                       authorizer=A).ok
    # WHEN the business date passes the first freeze's expiry and the batch runs
    day = start + dt.timedelta(days=366)
    set_date(core, day)
    changed = apply_control_expiries(core.engine, day)
    assert [c["event"] for c in changed] == ["expire", "activate"]
    first, second = cases(session, acct(core))
    assert (first.status, second.status, second.amount, second.starts_on) == (
        "expired", "active", 200_000, day)
    info = session.terminal.core.account(acct(core))
    assert info.available == 1_250_000 - 200_000
    assert session.run("10030", {"account": acct(core), "amount": "10,500.00",
                                 "mode": "cash"}).ok
    assert not session.run("10030", {"account": acct(core), "amount": "0.01",
                                     "mode": "cash"}).ok
    events = [l["event"] for l in session.terminal.core.controls.register(account=acct(core))]
    assert events == ["freeze", "queue", "renew", "expire", "activate"]
    assert apply_control_expiries(core.engine, day) == []  # twice is harmless
    with core.engine.connect() as conn:
        audited = conn.execute(sa.select(m.AuditEvent.kind).where(
            m.AuditEvent.kind.like("control_%"))).scalars().all()
    assert audited == ["control_expire", "control_activate"]


def test_quick_deduction_posts_first_and_details_follow(core, session):
    values = {"account": acct(core), "action": "quick_deduct", "to_account": acct(core, 2),
              "d_amount": "30.00"}
    out = session.run("18090", values, authorizer=B)
    assert not out.ok and len(out.journal_numbers) == 1  # posted; stopped at the details
    assert core.balance(acct(core, 2)) == 30_000 + 3_000
    (case,) = cases(session, acct(core))
    assert (case.action, case.complete, case.deducted_total) == ("deduction", False, 3_000)
    assert not session.abandon(out.run_id).ok
    done = session.resume(out.run_id, {f"q_{k}": v for k, v in POLICE.items()}, authorizer=A)
    assert done.ok and done.finished, done.problems
    assert cases(session, acct(core))[0].authority.name == "演示市公安局"


def test_partial_unfreeze_and_which_freezes_may_queue(core, session):
    until = today(session) + dt.timedelta(days=30)
    assert freeze(session, acct(core), "freeze_partial", until, amount="1,000.00").ok
    (case,) = cases(session, acct(core))
    values = {"account": acct(core), "action": "unfreeze", "incident": case.incident_number,
              **COURT}
    assert session.run("18090", {**values, "u_amount": "400.00"}, authorizer=A).ok
    (case,) = cases(session, acct(core))
    assert (case.status, case.amount) == ("active", 60_000)
    assert session.run("18090", values, authorizer=A).ok
    assert cases(session, acct(core))[0].status == "released"
    # a one-way freeze admits a queued partial freeze but not a full one
    assert freeze(session, acct(core, 1), "freeze_one_way", until).ok
    out = freeze(session, acct(core, 1), "freeze_full", until, authority=POLICE)
    assert not out.ok and "不能轮候" in messages(out)[0]
    assert freeze(session, acct(core, 1), "freeze_partial", until, amount="1.00",
                  authority=POLICE).ok
    assert [c.status for c in cases(session, acct(core, 1))] == ["active", "queued"]
