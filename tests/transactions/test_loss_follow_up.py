"""18020 挂失后续处理 headless through Session.run: release, reissue, new password,
close through the loss — and the refusals CBUS §4.2 names."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from loss_helpers import (
    PW, account_row, add_freeze, audit, controls, entry_count, holder_id, incidents, keyed,
    report, use_pins,
)
from teller.core.customers.models import Customer
from teller.core.ledger import models as m
from teller.core.ledger.db import run_in_transaction
from teller.core.rulebook import check_books
from teller.core.ledger.accounts import open_account
from teller.core.ledger.records import EntryRequest, PostingRefused
from teller.core.loss.follow_up import LossFollowUp
from teller.core.loss.reports import Agent
from teller.domain.identity import luhn_check_digit, resident_id_check_char

pytestmark = pytest.mark.postgres
NEW_CARD_BODY = "621700000000000099"
NEW_CARD = NEW_CARD_BODY + luhn_check_digit(NEW_CARD_BODY)


@pytest.fixture
def pins(terminal):
    return use_pins(terminal)


def follow(session, i, incident, action, authorizer=None, **extra):
    values = {"customer_id": holder_id(i), "incident_number": incident, "action": action,
              **extra}
    return session.run("18020", values, authorizer)


def only(core, number):
    return [i for i in incidents(core, number) if i.status == "active"][0].incident_number


def test_release_lets_withdrawals_through_again(core, session):
    number, _, pan = core.demo.accounts[0]
    assert report(session, 0, core, "written").ok
    inc = only(core, number)
    # WHEN the holder found the card and the report is released
    out = follow(session, 0, inc, "release")
    # THEN the incident is released, its control lifted, and money may go out
    assert out.ok, out.problems
    assert incidents(core, number)[0].status == "released" and controls(core, number) == []
    assert session.run("10030", {"account": pan, "amount": "1.00", "mode": "cash"}).ok
    assert audit(core, "loss_release")[0].detail.count(inc) == 1
    # AND the same incident cannot be handled twice
    again = follow(session, 0, inc, "release")
    assert not again.ok and "没有未处理的挂失事故" in again.problems[0].message


def test_reissue_voids_the_old_card_and_sets_the_new_password(core, session, pins):
    number, _, old_card = core.demo.accounts[0]
    assert report(session, 0, core, "written").ok
    inc = only(core, number)
    values = dict(new_medium_number=NEW_CARD, new_pin=keyed(NEW_CARD, "112233"),
                  new_pin_again=keyed(NEW_CARD, "112233"))
    # WHEN no supervisor is at hand THEN level A is asked for, nothing changes
    out = follow(session, 0, inc, "reissue", **values)
    assert not out.ok and [n.level for n in out.needs_authorization] == ["A"]
    assert account_row(core, number).medium_number == old_card
    # WHEN a level-A supervisor authorizes
    out = follow(session, 0, inc, "reissue", ("S002", PW), **values)
    # THEN the account carries the new card, the old one finds nothing, the new PIN works
    assert out.ok, out.problems
    assert account_row(core, number).medium_number == NEW_CARD
    core_services = session.terminal.core
    assert core_services.account_by_medium(old_card) is None
    assert core_services.account_by_medium(NEW_CARD).number == number
    assert pins.verify(number, keyed(NEW_CARD, "112233")).accepted
    row = incidents(core, number)[0]
    assert (row.status, row.new_medium_number, row.medium_number) == \
        ("reissued", NEW_CARD, old_card)
    # AND the new card is the smallest blank card of the teller's box, used in the
    # follow-up's own entry (9001 count down by one)
    vouchers = core_services.vouchers
    assert (vouchers.voucher("debit_card", "20000001").status,
            vouchers.voucher("debit_card", "20000001").account) == ("used", number)
    box = vouchers.box_account("0101", session.teller, "debit_card")
    assert core.balance(box) == 9 and [(leg.account, leg.direction, leg.amount)
                                       for leg in out.entries[0].legs] == [(box, "C", 1)]
    # (the new PIN makes the account 凭密 — since the merge a withdrawal needs it)
    assert session.run("10030", {"account": NEW_CARD, "amount": "1.00", "mode": "cash",
                                 "pin": keyed(NEW_CARD, "112233")}).ok
    assert "原 " + old_card in out.vouchers[0].memo


def test_a_card_reissue_needs_the_new_password_and_a_valid_number(core, session, pins):
    number = core.demo.accounts[0][0]
    assert report(session, 0, core, "written").ok
    inc = only(core, number)
    out = follow(session, 0, inc, "reissue", ("S002", PW), new_medium_number="6217000000000000990")
    assert not out.ok and out.problems[0].field == "new_medium_number"
    out = follow(session, 0, inc, "reissue", ("S002", PW), new_medium_number=NEW_CARD)
    assert not out.ok and "两次新密码" in out.problems[0].message
    taken = core.demo.accounts[1][2]
    out = follow(session, 0, inc, "reissue", ("S002", PW), new_medium_number=taken,
                 new_pin=keyed(taken, "112233"), new_pin_again=keyed(taken, "112233"))
    assert not out.ok and out.problems[0].message == "新凭证号无效或已被使用"
    assert incidents(core, number)[0].status == "active"


def test_an_oral_report_is_not_reissued_or_closed(core, session):
    number = core.demo.accounts[0][0]
    assert report(session, 0, core, "oral").ok
    inc = only(core, number)
    out = follow(session, 0, inc, "reissue", ("S002", PW), new_medium_number=NEW_CARD)
    assert out.problems[0].message == "须先办理书面挂失才能补发凭证"
    out = follow(session, 0, inc, "close", ("S002", PW))
    assert out.problems[0].message.startswith("口头挂失不能直接销户")


def test_new_password_after_a_password_loss(core, session, pins):
    number, _, pan = core.demo.accounts[1]
    pins.set_pin(number, keyed(pan, "246810"))
    assert report(session, 1, core, "password").ok
    inc = only(core, number)
    out = follow(session, 1, inc, "new_password", new_pin=keyed(pan, "135790"),
                 new_pin_again=keyed(pan, "135791"))
    assert not out.ok and "不一致" in out.problems[0].message
    out = follow(session, 1, inc, "new_password", new_pin=keyed(pan, "135790"),
                 new_pin_again=keyed(pan, "135790"))
    assert out.ok, out.problems
    assert incidents(core, number)[0].status == "password_reset"
    assert pins.verify(number, keyed(pan, "135790")).accepted
    assert not pins.verify(number, keyed(pan, "246810")).accepted


def test_password_loss_is_handled_before_a_separate_voucher_loss(core, session, pins):
    number, _, pan = core.demo.accounts[1]
    pins.set_pin(number, keyed(pan, "246810"))
    # GIVEN a written report and then, separately, a password loss
    assert report(session, 1, core, "written", pin=keyed(pan, "246810")).ok
    assert report(session, 1, core, "password").ok
    written, password = incidents(core, number)
    assert (written.kind, password.kind) == ("written", "password")
    # WHEN the voucher incident is released first THEN refused: password first
    out = follow(session, 1, written.incident_number, "release")
    assert out.problems[0].message.startswith("该账户另有密码挂失，须先处理密码挂失")
    # AND closing through the password incident is refused while both stand
    out = follow(session, 1, password.incident_number, "close", ("S002", PW))
    assert out.problems[0].message.startswith("凭证挂失和密码挂失分开办理的账户不能直接挂失销户")
    # WHEN the password is re-set THEN the voucher incident may be released
    assert follow(session, 1, password.incident_number, "new_password",
                  new_pin=keyed(pan, "975310"), new_pin_again=keyed(pan, "975310")).ok
    assert follow(session, 1, written.incident_number, "release").ok
    assert controls(core, number) == []


def test_close_through_the_loss_pays_out_and_closes(core, session):
    number = core.demo.accounts[2][0]  # 300.00
    box = core.account("cash_box", "T001")
    run_in_transaction(core.engine, lambda conn: conn.execute(
        sa.update(m.Account.__table__).where(m.Account.number == number)
        .values(accrual=300_00 * 90)))  # 90 days of 300.00 at 0.10 %
    assert report(session, 2, core, "written").ok
    inc = only(core, number)
    box_before = core.balance(box)
    out = follow(session, 2, inc, "close")
    assert not out.ok and out.needs_authorization[0].level == "A"
    out = follow(session, 2, inc, "close", ("S002", PW))
    assert out.ok, out.problems
    # THEN interest 0.08 (2,700,000 fen·days × 0.1 % / 360 = 7.5 → 8) and the balance in cash
    acct = account_row(core, number)
    assert (acct.status, acct.balance, acct.accrual) == ("closed", 0, 0)
    assert core.balance(box) == box_before - 30_008
    assert out.vouchers[0].amount_fen == 30_008 and len(out.journal_numbers) == 1
    assert incidents(core, number)[0].status == "closed"
    assert check_books(core.engine).ok


def test_close_through_the_loss_is_refused_while_frozen(core, session):
    number = core.demo.accounts[2][0]
    assert report(session, 2, core, "written").ok
    add_freeze(core, number)
    inc = only(core, number)
    n = entry_count(core)
    out = follow(session, 2, inc, "close", ("S002", PW))
    assert not out.ok and out.problems[0].message == "账户已冻结，不能办理挂失销户"
    assert account_row(core, number).status == "normal" and entry_count(core) == n
    assert incidents(core, number)[0].status == "active"


def test_no_agents_and_a_guardian_only_for_a_holder_under_16(core, session):
    number = core.demo.accounts[0][0]
    assert report(session, 0, core, "written").ok
    inc = only(core, number)
    agent = dict(agent_name="李四", agent_id=holder_id(1))
    # WHEN an agent is named THEN the page offers no such choice
    out = follow(session, 0, inc, "release", by_agent="agent", **agent)
    assert not out.ok and out.problems[0].field == "by_agent"
    # AND the core refuses an agent from any other path
    with pytest.raises(PostingRefused, match="不允许代理人办理"):
        session.terminal.core.post(EntryRequest(
            key="api-agent", branch="0101", teller="T001", terminal="T01", txn_code="18020",
            step="submit", reversible=False,
            attachments=(LossFollowUp(inc, "release", "resident_id", holder_id(0)["number"],
                                      agent=Agent("李四", "resident_id", "x")),)))
    assert session.terminal.core.find("api-agent") is None
    out = follow(session, 0, inc, "release", by_agent="guardian", **agent)
    assert not out.ok and "户主已满16周岁" in out.problems[0].message
    # AND someone else's document is refused
    out = session.run("18020", {"customer_id": holder_id(1), "incident_number": inc,
                                "action": "release"})
    assert not out.ok
    assert incidents(core, number)[0].status == "active"


def test_a_guardian_may_act_for_a_minor(core, session):
    bdate = core.demo.business_date
    born = bdate.replace(year=bdate.year - 10)
    id17 = f"110105{born:%Y%m%d}123"
    minor_id = id17 + resident_id_check_char(id17)

    def minor(conn):
        cid = conn.execute(sa.insert(Customer.__table__).values(
            kind="personal", id_type="resident_id", id_number=minor_id, name="王小小",
            branch_code="0101", created_at=dt.datetime.now()).returning(Customer.id)
        ).scalar_one()
        return open_account(conn, branch="0101", subject="2017", title="王小小",
                            kind="personal_current", opened_on=bdate, customer_id=cid,
                            product="P-CUR", medium_kind="passbook", medium_number="80000001")
    number = run_in_transaction(core.engine, minor)
    doc = {"type": "resident_id", "number": minor_id}
    assert session.run("18010", {"customer_id": doc, "account": number,
                                 "loss_kind": "written"}).ok
    inc = only(core, number)
    out = session.run("18020", {"customer_id": doc, "incident_number": inc,
                                "action": "release", "by_agent": "guardian",
                                "agent_name": "王小明", "agent_id": holder_id(0)})
    assert out.ok, out.problems
    assert incidents(core, number)[0].status == "released"


def test_voucher_and_password_report_sets_the_password_before_the_voucher(core, session, pins):
    number, _, pan = core.demo.accounts[1]
    pins.set_pin(number, keyed(pan, "246810"))
    assert report(session, 1, core, "voucher_password").ok
    inc = only(core, number)
    # WHEN the card is found but no new password is keyed THEN refused
    out = follow(session, 1, inc, "release")
    assert not out.ok and "两次新密码" in out.problems[0].message
    assert incidents(core, number)[0].status == "active"
    # WHEN the new password comes with the release THEN both are done at once
    out = follow(session, 1, inc, "release", new_pin=keyed(pan, "864200"),
                 new_pin_again=keyed(pan, "864200"))
    assert out.ok, out.problems
    assert pins.verify(number, keyed(pan, "864200")).accepted
    assert controls(core, number) == []
