"""Operators (操作员): password storage, password policy, sign-on and lock-out.

Rules (DOMAIN.md §1, EB §5.2(3), §8.3.10):
- passwords are 6–12 characters with letters **and** digits; the initial
  password must be changed at first sign-on; the new one must differ;
- 6 consecutive failures lock the user for 24 h counted from the last failure;
- 10 cumulative failures (not reset by a good sign-on) lock the user until an
  administrator unlocks; attempts while locked are refused and audited but do
  not count;
- every attempt is written to the audit log, never with the password.

Passwords are hashed with scrypt (memory-hard, in the standard library):
``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>``.

>>> h = hash_password("abc123", n=2**10)
>>> verify_password("abc123", h), verify_password("abc124", h)
(True, False)
>>> [p.message for p in password_policy_problems("123456")]
['密码须为6至12位，且同时包含字母和数字']
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.operators.models import Terminal, User
from teller.core.ledger import models as m
from teller.core.ledger.db import run_in_transaction
from teller.domain.problems import Problem

users_t = User.__table__
audit_t = m.AuditEvent.__table__

CONSECUTIVE_LIMIT = 6
CUMULATIVE_LIMIT = 10
LOCK_DURATION = dt.timedelta(hours=24)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1  # 16 MiB per hash
_POLICY = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z\d!-/:-@\[-`{-~]{6,12}$")


def hash_password(password: str, *, n: int = SCRYPT_N) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=128 * 1024 * 1024, dklen=32)
    enc = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${enc(salt)}${enc(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n),
                             r=int(r), p=int(p), maxmem=128 * 1024 * 1024, dklen=32)
        return hmac.compare_digest(got, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


def password_policy_problems(new: str, old: str | None = None,
                             field: str = "new_password") -> list[Problem]:
    problems = []
    if not _POLICY.match(new or ""):
        problems.append(Problem(field, "密码须为6至12位，且同时包含字母和数字",
                                "Password must be 6-12 characters with letters and digits"))
    if old is not None and new == old:
        problems.append(Problem(field, "新密码不能与原密码相同",
                                "The new password must differ from the old one"))
    return problems


def create_terminal(conn: Connection, code: str, branch: str, name: str = "") -> None:
    """Register a counter terminal (终端) of ``branch``."""
    conn.execute(insert(Terminal.__table__).values(code=code, branch_code=branch, name=name,
                                                     status="active"))


@dataclass(frozen=True)
class Operator:
    """A signed-on user as the rest of the terminal sees it."""

    code: str
    name: str
    role: str
    auth_level: str | None
    branch: str


@dataclass(frozen=True)
class SignOnResult:
    """Outcome of a sign-on attempt. ``ok`` with ``must_change_password`` means
    the user must set a new password before doing anything else."""

    ok: bool
    operator: Operator | None = None
    must_change_password: bool = False
    message: str = ""
    message_en: str = ""
    remaining_attempts: int | None = None
    locked_until: dt.datetime | None = None
    locked_for_admin: bool = False


class OperatorService:
    """Sign-on, password change, unlock, audit. All writes in one transaction each."""

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = dt.datetime.now,
                 scrypt_n: int = SCRYPT_N) -> None:
        self.engine = engine
        self.clock = clock
        self.scrypt_n = scrypt_n

    # -- sign-on ----------------------------------------------------------
    def sign_on(self, code: str, password: str, *, terminal: str = "",
                purpose: str = "sign_on") -> SignOnResult:
        """Check a user's password and apply the lock-out rules.

        ``purpose`` is 'sign_on' or 'authorize' (a supervisor's second login);
        both count toward the same lock-out.
        """
        return run_in_transaction(self.engine,
                                  lambda c: self._sign_on(c, code, password, terminal, purpose))

    def _sign_on(self, conn: Connection, code: str, password: str, terminal: str,
                 purpose: str) -> SignOnResult:
        now = self.clock().replace(tzinfo=None)
        row = conn.execute(select(users_t).where(users_t.c.code == code)
                           .with_for_update()).first()
        if row is None or row.status != "active":
            self._audit(conn, code, terminal, purpose, "unknown_user", {})
            return SignOnResult(False, message="用户名或密码错误",
                                message_en="Wrong user or password")
        if row.locked_by_policy:
            self._audit(conn, code, terminal, purpose, "locked", {"by": "cumulative"})
            return SignOnResult(False, locked_for_admin=True,
                                message="密码累计错误已达10次，用户已锁定，请联系系统管理员解锁",
                                message_en="Locked after 10 wrong passwords; ask an administrator")
        if row.locked_until is not None and row.locked_until > now:
            self._audit(conn, code, terminal, purpose, "locked", {"until": str(row.locked_until)})
            return SignOnResult(False, locked_until=row.locked_until,
                                message=f"连续输错密码，用户锁定至 {row.locked_until:%Y-%m-%d %H:%M}",
                                message_en=f"Locked until {row.locked_until:%Y-%m-%d %H:%M}")
        consecutive = row.consecutive_failures
        if row.locked_until is not None and row.locked_until <= now:
            consecutive = 0  # the 24 h lock has run out: a fresh run of attempts
        if not verify_password(password, row.password_hash):
            consecutive += 1
            total = row.total_failures + 1
            values = {"consecutive_failures": consecutive, "total_failures": total,
                      "last_failure_at": now, "locked_until": None}
            result: SignOnResult
            if total >= CUMULATIVE_LIMIT:
                values["locked_by_policy"] = True
                result = SignOnResult(False, locked_for_admin=True, remaining_attempts=0,
                                      message="密码累计错误已达10次，用户已锁定，请联系系统管理员解锁",
                                      message_en="Locked after 10 wrong passwords")
            elif consecutive >= CONSECUTIVE_LIMIT:
                values["locked_until"] = now + LOCK_DURATION
                result = SignOnResult(False, remaining_attempts=0,
                                      locked_until=values["locked_until"],
                                      message=f"连续输错密码{CONSECUTIVE_LIMIT}次，用户锁定至 "
                                              f"{values['locked_until']:%Y-%m-%d %H:%M}",
                                      message_en="Locked for 24 hours after 6 wrong passwords")
            else:
                left = min(CONSECUTIVE_LIMIT - consecutive, CUMULATIVE_LIMIT - total)
                result = SignOnResult(False, remaining_attempts=left,
                                      message=f"密码错误，还可尝试{left}次",
                                      message_en=f"Wrong password; {left} attempts left")
            conn.execute(update(users_t).where(users_t.c.code == code).values(**values))
            self._audit(conn, code, terminal, purpose, "wrong_password",
                        {"consecutive": consecutive, "total": total})
            return result
        conn.execute(update(users_t).where(users_t.c.code == code).values(
            consecutive_failures=0, locked_until=None, last_sign_on_at=now))
        self._audit(conn, code, terminal, purpose, "ok", {})
        return SignOnResult(True, operator=Operator(row.code, row.name, row.role, row.auth_level,
                                                    row.branch_code),
                            must_change_password=bool(row.must_change_password))

    # -- password maintenance ---------------------------------------------
    def change_password(self, code: str, old: str, new: str, *,
                        terminal: str = "") -> list[Problem]:
        problems = password_policy_problems(new, old)
        if problems:
            return problems

        def work(conn: Connection) -> list[Problem]:
            row = conn.execute(select(users_t).where(users_t.c.code == code)
                               .with_for_update()).first()
            if row is None or not verify_password(old, row.password_hash):
                self._audit(conn, code, terminal, "change_password", "wrong_password", {})
                return [Problem("old_password", "原密码错误", "The old password is wrong")]
            conn.execute(update(users_t).where(users_t.c.code == code).values(
                password_hash=hash_password(new, n=self.scrypt_n), must_change_password=False))
            self._audit(conn, code, terminal, "change_password", "ok", {})
            return []
        return run_in_transaction(self.engine, work)

    def unlock(self, admin: str, code: str, *, new_password: str | None = None,
               terminal: str = "") -> list[Problem]:
        """Administrator unlock (解锁); with a new password, that one must be changed at
        the next sign-on."""
        if new_password is not None:
            problems = password_policy_problems(new_password)
            if problems:
                return problems

        def work(conn: Connection) -> list[Problem]:
            role = conn.execute(select(users_t.c.role).where(users_t.c.code == admin)).scalar()
            if role != "administrator":
                return [Problem("admin", "只有系统管理员可以解锁用户",
                                "Only an administrator can unlock users")]
            values: dict = {"consecutive_failures": 0, "total_failures": 0,
                            "locked_until": None, "locked_by_policy": False}
            if new_password is not None:
                values.update(password_hash=hash_password(new_password, n=self.scrypt_n),
                              must_change_password=True)
            n = conn.execute(update(users_t).where(users_t.c.code == code).values(**values))
            if n.rowcount == 0:
                return [Problem("user", "用户不存在", "No such user")]
            self._audit(conn, admin, terminal, "unlock_user", "ok", {"user": code})
            return []
        return run_in_transaction(self.engine, work)

    def create_user(self, conn: Connection, *, code: str, name: str, role: str, branch: str,
                    password: str, auth_level: str | None = None,
                    must_change_password: bool = True) -> None:
        conn.execute(insert(users_t).values(
            code=code, name=name, role=role, auth_level=auth_level, branch_code=branch,
            password_hash=hash_password(password, n=self.scrypt_n),
            must_change_password=must_change_password, consecutive_failures=0,
            total_failures=0, locked_by_policy=False, status="active"))

    def audit(self, user: str, kind: str, outcome: str = "ok", *, terminal: str = "",
              detail: dict | None = None) -> None:
        run_in_transaction(self.engine, lambda c: self._audit(c, user, terminal, kind, outcome,
                                                              detail or {}))

    def _audit(self, conn: Connection, user: str, terminal: str, kind: str, outcome: str,
               detail: dict) -> None:
        conn.execute(insert(audit_t).values(
            at=self.clock().replace(tzinfo=None), user_code=user[:16], terminal_code=terminal,
            kind=kind, outcome=outcome, detail=json.dumps(detail, ensure_ascii=False)))
