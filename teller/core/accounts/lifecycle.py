"""Closing and maintaining personal current accounts (CBUS 10040 结清销户, 18500).

Steps posted through the kernel, each recorded in ``account_events`` with its
before/after values so that its reversal (08210, same day) puts exactly those
values back:

- the interest to the day before is :class:`~teller.core.accounts.interest.InterestSettlement`
  (with ``closing``), the same step as 18410's;
- :class:`AccountClosing` — balance zero, no control of any kind (hold, freeze,
  loss report, receive/pay-only, sealed), not dormant: the medium is voided and
  the account closed (status 'closed', closed_on). Undo reopens it.
- :class:`AccountMaintenance` — 18500: withdrawal method and 通存通兑 scope.
  Undo restores the old values.

Worked example::

    >>> closure_problems(AccountFacts("normal", 0, (), "personal_current"))
    []
    >>> [p.message for p in closure_problems(AccountFacts("normal", 0, (("hold", 100),),
    ...                                                    "personal_current"))]
    ['账户存在圈存，不能销户']
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from teller.core.accounts.events import before, events_of, record_event
from teller.core.accounts.models import Product
from teller.core.accounts.pin_verifier import PinAttemptPolicy, PinVerifier
from teller.core.accounts.rules import needs_pin, proof_for, verify_proof
from teller.core.accounts.opening import MEDIUM_VOUCHER_KINDS, SCOPES, WITHDRAWAL_METHODS, sms_t
from teller.core.controls.common import active_controls
from teller.core.ledger.models import Account
from teller.core.ledger.records import Attachment, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.core.vouchers.blank import MediumReturned, void_returned
from teller.domain.problems import Problem

accounts_t = Account.__table__
products_t = Product.__table__

CONTROL_NAMES = {"hold": "圈存", "receive_only": "只收不付", "pay_only": "只付不收",
                 "sealed": "封存", "freeze_full": "冻结", "freeze_partial": "冻结",
                 "freeze_one_way": "冻结", "loss_report": "挂失"}
MAINTAINABLE = {"withdrawal_method": WITHDRAWAL_METHODS, "scope": SCOPES}


@dataclass(frozen=True)
class AccountFacts:
    status: str
    balance: int
    controls: tuple[tuple[str, int], ...]
    kind: str


def closure_problems(f: AccountFacts, *, field: str = "account") -> list[Problem]:
    """Why an account cannot be settled and closed now (balance aside)."""
    if f.kind != "personal_current":
        return [Problem(field, "该账户不是个人活期账户", "Not a personal current account")]
    if f.status == "closed":
        return [Problem(field, "账户已销户", "The account is closed")]
    if f.status == "dormant":
        return [Problem(field, "睡眠户须先激活，不能直接销户",
                        "A dormant account must be reactivated before closing")]
    if f.status != "normal":
        return [Problem(field, "账户状态不正常，不能销户", "The account is not in normal status")]
    for kind, _ in f.controls:
        name = CONTROL_NAMES.get(kind, kind)
        return [Problem(field, f"账户存在{name}，不能销户",
                        f"The account has an active control ({kind}); it cannot be closed")]
    return []


def _locked(conn: Connection, account: str):
    r = conn.execute(select(accounts_t).where(accounts_t.c.number == account)
                     .with_for_update()).first()
    if r is None:
        raise PostingRefused("no_account", f"账户 {account} 不存在", "No such account",
                             account=account)
    return r


def closable(conn: Connection, r, bdate: dt.date) -> None:
    """Refuse unless the (locked) account ``r`` may be settled and closed."""
    controls = tuple((c.kind, int(c.amount)) for c in active_controls(conn, r.number, bdate))
    problems = closure_problems(AccountFacts(r.status, int(r.balance), controls, r.kind))
    if problems:
        raise PostingRefused("not_closable", problems[0].message, problems[0].message_en,
                             account=r.number)


# -- 10040: close ---------------------------------------------------------------------
@dataclass(frozen=True)
class AccountClosing(Attachment, wire_name="accounts.close"):
    """结清销户: balance zero, no control, not dormant; the medium taken back
    (``medium_number``, the account's own) is voided."""

    account: str
    medium_number: str | None = None


class AccountClosingRule(PostingRule):
    """销户: only an account with nothing left (balance, accrual, controls,
    medium) closes; a reversal reopens it."""
    name = "accounts.close"

    def applies(self, request) -> bool:
        return request.reverses_entry_id is not None or request.one(AccountClosing) is not None

    def write(self, p: Posting) -> None:
        a = p.request.one(AccountClosing)
        if a is None:
            return
        conn, bdate = p.conn, p.business_date
        r = _locked(conn, a.account)
        closable(conn, r, bdate)
        if int(r.balance) != 0:
            raise PostingRefused("balance_not_zero", "账户余额不为零，请先支取全部余额",
                                 "Pay out the whole balance first", account=a.account)
        if (a.medium_number or None) != r.medium_number:
            raise PostingRefused("wrong_medium", "收回的介质与账户不符",
                                 "The medium taken back is not this account's", account=a.account)
        before = {"status": r.status, "closed_on": None, "medium_kind": r.medium_kind}
        after = {"status": "closed", "closed_on": bdate.isoformat(),
                 "medium_kind": f"{r.medium_kind}_void" if r.medium_kind else None}
        conn.execute(update(accounts_t).where(accounts_t.c.number == a.account).values(
            status="closed", closed_on=bdate, medium_kind=after["medium_kind"]))
        conn.execute(update(sms_t).where(sms_t.c.account_number == a.account,
                                         sms_t.c.status == "active").values(status="closed"))
        # The medium taken back is voided in the voucher stock (a reversal restores it).
        if r.medium_kind in MEDIUM_VOUCHER_KINDS:
            void_returned(p, MediumReturned(MEDIUM_VOUCHER_KINDS[r.medium_kind],
                                            account=a.account))
        record_event(p, a.account, "close", before, after)

    def undo(self, p: Posting) -> None:
        for row in events_of(p, "close"):
            old = before(row)
            p.conn.execute(update(accounts_t).where(
                accounts_t.c.number == row.account_number).values(
                status=old["status"], closed_on=None, medium_kind=old["medium_kind"]))
            p.conn.execute(update(sms_t).where(sms_t.c.account_number == row.account_number,
                                               sms_t.c.status == "closed").values(status="active"))


# -- 18500: maintain ---------------------------------------------------------------------
@dataclass(frozen=True)
class AccountMaintenance(Attachment, wire_name="accounts.maintain"):
    """存款账户信息维护: the values given (not None) change."""

    account: str
    withdrawal_method: str | None = None
    scope: str | None = None

    def changes(self) -> dict:
        return {k: v for k, v in (("withdrawal_method", self.withdrawal_method),
                                  ("scope", self.scope)) if v is not None}


def maintenance_problems(changes: dict) -> list[Problem]:
    out = []
    for name, value in changes.items():
        if name not in MAINTAINABLE:
            out.append(Problem(name, "该项目不能在本交易维护", "Not maintainable here"))
        elif value not in [c[0] for c in MAINTAINABLE[name]]:
            out.append(Problem(name, "取值不正确", "Invalid value"))
    return out


class AccountMaintenanceRule(PostingRule):
    """18500: the customer proves the password (凭密 accounts) before the account's
    terms change."""

    name = "accounts.maintain"

    def __init__(self, verifier: Callable[[], PinVerifier | None]) -> None:
        self.verifier = verifier

    def applies(self, request) -> bool:
        return request.reverses_entry_id is not None or \
            request.one(AccountMaintenance) is not None

    def write(self, p: Posting) -> None:
        a = p.request.one(AccountMaintenance)
        if a is None:
            return
        r = _locked(p.conn, a.account)
        if r.kind != "personal_current" or r.status in ("closed", "settled"):
            raise PostingRefused("not_maintainable", "账户已销户或不是个人活期账户，不能维护",
                                 "Closed or not a personal current account", account=a.account)
        if needs_pin(r):
            verify_proof(p, r, proof_for(p, a.account), self.verifier(), PinAttemptPolicy())
        changes = a.changes()
        problems = maintenance_problems(changes)
        if problems:
            raise PostingRefused("bad_change", problems[0].message, problems[0].message_en)
        old = {k: getattr(r, k) for k, v in changes.items() if getattr(r, k) != v}
        new = {k: changes[k] for k in old}
        if not new:
            raise PostingRefused("no_change", "没有修改任何项目", "Nothing was changed")
        p.conn.execute(update(accounts_t).where(accounts_t.c.number == a.account).values(**new))
        record_event(p, a.account, "maintain", old, new)

    def undo(self, p: Posting) -> None:
        for row in events_of(p, "maintain"):
            p.conn.execute(update(accounts_t).where(
                accounts_t.c.number == row.account_number).values(**before(row)))
