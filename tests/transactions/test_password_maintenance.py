"""18030 密码维护 headless through Session.run: reset, change, unlock, add, remove —
with the medium, the holder's own ID, authorization, and the refusals of CBUS §4.3."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from loss_helpers import PW, account_row, audit, holder_id, keyed, report, use_pins
from teller.core.operators.models import Authorization
from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction

pytestmark = pytest.mark.postgres
SUP = ("S002", PW)


@pytest.fixture
def pins(terminal):
    return use_pins(terminal)


def maintain(session, core, i, operation, authorizer=SUP, **extra):
    number, _, pan = core.demo.accounts[i]
    values = {"account": pan, "customer_id": holder_id(i), "operation": operation, **extra}
    return session.run("18030", values, authorizer)


def twice(pan, pin):
    return {"new_pin": keyed(pan, pin), "new_pin_again": keyed(pan, pin)}


def grants(core) -> list:
    t = Authorization.__table__
    with reader(core.engine) as conn:
        return conn.execute(sa.select(t).where(t.c.txn_code == "18030")).all()


def as_passbook(core, number: str, passbook: str) -> None:
    run_in_transaction(core.engine, lambda conn: conn.execute(
        sa.update(m.Account.__table__).where(m.Account.number == number)
        .values(medium_kind="passbook", medium_number=passbook)))


def test_reset_needs_authorization_and_replaces_the_password(core, session, pins):
    number, _, pan = core.demo.accounts[0]
    pins.set_pin(number, keyed(pan, "111111"))
    # WHEN no supervisor THEN level A with the reason, nothing changes
    out = maintain(session, core, 0, "reset", authorizer=None, **twice(pan, "222222"))
    assert not out.ok and out.needs_authorization[0].level == "A"
    assert "不验原密码" in out.needs_authorization[0].reason
    assert pins.verify(number, keyed(pan, "111111")).accepted
    # WHEN authorized THEN the new password works, the old one no longer
    out = maintain(session, core, 0, "reset", **twice(pan, "222222"))
    assert out.ok, out.problems
    assert pins.verify(number, keyed(pan, "222222")).accepted
    assert not pins.verify(number, keyed(pan, "111111")).accepted
    assert [g.supervisor_code for g in grants(core)] == ["S002"]
    assert len(audit(core, "password_reset")) == 1


def test_change_verifies_the_old_password_and_counts_a_wrong_one(core, session, pins):
    number, _, pan = core.demo.accounts[0]
    pins.set_pin(number, keyed(pan, "111111"))
    out = maintain(session, core, 0, "change", old_pin=keyed(pan, "999999"),
                   **twice(pan, "333333"))
    assert not out.ok and "密码错误" in out.problems[0].message
    assert account_row(core, number).pin_failures == 1
    out = maintain(session, core, 0, "change", old_pin=keyed(pan, "111111"),
                   new_pin=keyed(pan, "333333"), new_pin_again=keyed(pan, "333334"))
    assert not out.ok and out.problems[0].message == "两次输入的新密码不一致"
    out = maintain(session, core, 0, "change", old_pin=keyed(pan, "111111"),
                   **twice(pan, "333333"))
    assert out.ok, out.problems
    assert pins.verify(number, keyed(pan, "333333")).accepted


def test_unlock_after_three_wrong_with_the_old_password(core, session, pins):
    number, _, pan = core.demo.accounts[0]
    pins.set_pin(number, keyed(pan, "111111"))
    # GIVEN a password locked by 3 wrong entries
    for _ in range(3):
        pins.verify(number, keyed(pan, "000000"))
    assert account_row(core, number).pin_locked
    # THEN change is no longer offered; unlock with a wrong old password is refused
    out = maintain(session, core, 0, "change", old_pin=keyed(pan, "111111"),
                   **twice(pan, "333333"))
    assert out.problems[0].message == "密码已锁定，请先解锁或重置密码"
    out = maintain(session, core, 0, "unlock", old_pin=keyed(pan, "123456"))
    assert not out.ok and "原密码不正确" in out.problems[0].message
    assert account_row(core, number).pin_locked
    # WHEN the holder knows the old password THEN unlocked
    assert maintain(session, core, 0, "unlock", old_pin=keyed(pan, "111111")).ok
    row = account_row(core, number)
    assert (row.pin_locked, row.pin_failures) == (False, 0)
    # AND unlocking an unlocked password is refused
    out = maintain(session, core, 0, "unlock", old_pin=keyed(pan, "111111"))
    assert out.problems[0].message == "密码未锁定，无需解锁"


def test_add_only_without_a_password(core, session, pins):
    number, _, pan = core.demo.accounts[2]
    out = maintain(session, core, 2, "add", **twice(pan, "445566"))
    assert out.ok, out.problems
    assert pins.verify(number, keyed(pan, "445566")).accepted
    out = maintain(session, core, 2, "add", **twice(pan, "445566"))
    assert not out.ok and out.problems[0].message == "账户已有密码，不能新增"


def test_remove_is_refused_for_a_card_and_done_for_a_passbook(core, session, pins):
    number, _, pan = core.demo.accounts[1]
    pins.set_pin(number, keyed(pan, "246810"))
    out = maintain(session, core, 1, "remove", old_pin=keyed(pan, "246810"))
    assert not out.ok and out.problems[0].message == "银行卡必须凭密，不能取消密码"
    assert account_row(core, number).pin_verification_value is not None
    # GIVEN the same account on a passbook (its PIN is bound to the account number)
    as_passbook(core, number, "80000002")
    pins.set_pin(number, keyed(number, "246810"))
    values = {"account": number, "medium_number": "80000002", "customer_id": holder_id(1),
              "operation": "remove", "old_pin": keyed(number, "246810")}
    out = session.run("18030", values, SUP)
    assert out.ok, out.problems
    assert account_row(core, number).pin_verification_value is None


def test_no_agent_own_id_and_the_medium(core, session, pins):
    number, _, pan = core.demo.accounts[0]
    pins.set_pin(number, keyed(pan, "111111"))
    out = maintain(session, core, 0, "reset", by_agent="agent", **twice(pan, "222222"))
    assert not out.ok and "不允许代理人办理" in out.problems[0].message
    out = maintain(session, core, 0, "reset", customer_id=holder_id(1), **twice(pan, "222222"))
    assert not out.ok and out.problems[0].field == "customer_id"
    # WHEN the account number is keyed without the medium THEN refused
    out = session.run("18030", {"account": number, "customer_id": holder_id(0),
                                "operation": "reset", **twice(pan, "222222")}, SUP)
    assert not out.ok and out.problems[0].message.startswith("须验证介质")
    assert pins.verify(number, keyed(pan, "111111")).accepted


def test_not_while_reported_lost(core, session, pins):
    number, _, pan = core.demo.accounts[1]
    pins.set_pin(number, keyed(pan, "246810"))
    assert report(session, 1, core, "password").ok
    out = maintain(session, core, 1, "reset", **twice(pan, "222222"))
    assert out.problems[0].message.startswith("密码已挂失，请到18020")
    number0, _, pan0 = core.demo.accounts[0]
    pins.set_pin(number0, keyed(pan0, "111111"))
    assert report(session, 0, core, "oral").ok
    out = maintain(session, core, 0, "reset", **twice(pan0, "222222"))
    assert out.problems[0].message == "账户凭证已挂失，不允许密码维护"


def test_the_core_checks_authorization_itself(core, session, pins):
    number, _, pan = core.demo.accounts[0]
    pins.set_pin(number, keyed(pan, "111111"))
    from teller.core.accounts.password_maintenance import PasswordChange
    from teller.core.accounts.rules import NewPin
    from teller.core.ledger.records import AuthGrant, EntryRequest, PostingRefused

    def reset(key, grant=None):
        return session.terminal.core.post(EntryRequest(
            key=key, branch="0101", teller="T001", terminal="T01", txn_code="18030",
            step="submit", reversible=False, authorization=grant,
            attachments=(PasswordChange(number, "reset", pan, "resident_id",
                                        holder_id(0)["number"]),
                         NewPin(number, keyed(pan, "222222"), keyed(pan, "222222")))))
    # WHEN a reset comes straight to the core without a supervisor THEN refused
    with pytest.raises(PostingRefused, match="须A级主管授权"):
        reset("api-pwd")
    # WHEN the "supervisor" is a teller THEN refused as well
    with pytest.raises(PostingRefused, match="不是授权主管"):
        reset("api-pwd-2", AuthGrant("T002", "A"))
    # THEN the old password still stands
    assert pins.verify(number, keyed(pan, "111111")).accepted
