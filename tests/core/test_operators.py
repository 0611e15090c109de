"""Operator passwords, policy and the lock-out rules (DOMAIN.md §1)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from teller.core.ledger import models as m
from teller.core.ledger.db import reader
from teller.core.operators.service import (
    OperatorService, hash_password, password_policy_problems, verify_password,
)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 23, 9, 0)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def ops(core):
    clock = Clock()
    return OperatorService(core.engine, clock=clock, scrypt_n=2**10), clock


def test_password_hash_is_salted_scrypt_and_verifies():
    a, b = hash_password("abc123", n=2**10), hash_password("abc123", n=2**10)
    assert a != b and a.startswith("scrypt$") and "abc123" not in a
    assert verify_password("abc123", a) and not verify_password("abc124", a)
    assert not verify_password("abc123", "garbage")


@pytest.mark.parametrize("pw,ok", [("abc123", True), ("A1b2C3d4E5f6", True), ("abcdef", False),
                                   ("123456", False), ("ab12", False), ("abcdefg1234567", False),
                                   ("密码abc123", False)])
def test_password_policy(pw, ok):
    assert (password_policy_problems(pw) == []) is ok


def test_new_password_must_differ():
    assert [p.message for p in password_policy_problems("abc123", "abc123")] == [
        "新密码不能与原密码相同"]


def test_six_consecutive_failures_lock_for_24_hours(ops):
    service, clock = ops
    for i in range(5):
        result = service.sign_on("T001", "wrong1")
        assert not result.ok and result.remaining_attempts == 5 - i
    assert "还可尝试1次" in result.message
    locked = service.sign_on("T001", "wrong1")
    assert locked.locked_until == clock.now + dt.timedelta(hours=24)
    # even the right password is refused while locked
    clock.now += dt.timedelta(hours=23, minutes=59)
    refused = service.sign_on("T001", "demo123")
    assert not refused.ok and "锁定至" in refused.message
    # after 24 h from the last failure it works again
    clock.now += dt.timedelta(minutes=2)
    assert service.sign_on("T001", "demo123").ok


def test_ten_cumulative_failures_need_an_administrator(ops):
    service, clock = ops
    for _ in range(5):
        service.sign_on("T002", "wrong1")
    assert service.sign_on("T002", "demo123").ok  # resets the run, not the total
    for _ in range(4):
        service.sign_on("T002", "wrong1")
    last = service.sign_on("T002", "wrong1")
    assert last.locked_for_admin and "系统管理员" in last.message
    clock.now += dt.timedelta(days=30)
    assert service.sign_on("T002", "demo123").locked_for_admin
    # only an administrator may unlock
    assert service.unlock("S001", "T002")
    assert service.unlock("ADM1", "T002") == []
    assert service.sign_on("T002", "demo123").ok


def test_admin_reset_forces_change_at_next_sign_on(ops):
    service, _ = ops
    assert service.unlock("ADM1", "T001", new_password="init12") == []
    first = service.sign_on("T001", "init12")
    assert first.ok and first.must_change_password
    assert service.change_password("T001", "init12", "init12")[0].field == "new_password"
    assert service.change_password("T001", "wrong9", "fresh123")[0].field == "old_password"
    assert service.change_password("T001", "init12", "fresh123") == []
    again = service.sign_on("T001", "fresh123")
    assert again.ok and not again.must_change_password


def test_every_attempt_is_audited_without_the_password(ops, core):
    service, _ = ops
    service.sign_on("T001", "wrong1", terminal="T01")
    service.sign_on("T001", "demo123", terminal="T01")
    service.sign_on("NOBODY", "whatever1", terminal="T01")
    with reader(core.engine) as conn:
        rows = conn.execute(sa.select(m.AuditEvent.__table__)
                            .order_by(m.AuditEvent.id)).all()
    assert [(r.user_code, r.outcome) for r in rows] == [
        ("T001", "wrong_password"), ("T001", "ok"), ("NOBODY", "unknown_user")]
    assert all("wrong1" not in r.detail and "demo123" not in r.detail for r in rows)


def test_unknown_user_gets_the_same_message_as_a_wrong_password(ops):
    service, _ = ops
    assert service.sign_on("NOBODY", "x1").message == "用户名或密码错误"
