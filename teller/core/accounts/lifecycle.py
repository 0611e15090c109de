"""Closing and maintaining personal current accounts (CBUS 10040 结清销户, 18500).

Core actions carried by journal entries (see ``EntryRequest.effect``), each
recorded in ``account_events`` with its before/after values so that its
reversal (08210, same day) puts exactly those values back:

- ``account.settle_interest`` — interest to the day before (积数 in
  ``accounts.accrual`` covers the business days up to D-1, BRIEF convention):
  interest = accrual × rate / 360 half-up, paid from the branch's 6411 interest
  expense account by the entry's legs; accrual reset to 0. Undo restores it.
- ``account.close`` — balance zero, no control of any kind (hold, freeze, loss
  report, receive/pay-only, sealed), not dormant: the medium is voided and the
  account closed (status 'closed', closed_on). Undo reopens it.
- ``account.maintain`` — 18500: withdrawal method and 通存通兑 scope. Undo
  restores the old values.

Worked example::

    >>> closure_problems(AccountFacts("normal", 0, (), "personal_current"))
    []
    >>> [p.message for p in closure_problems(AccountFacts("normal", 0, (("hold", 100),),
    ...                                                    "personal_current"))]
    ['账户存在圈存，不能销户']
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection

from teller.core.accounts.models import Product
from teller.core.controls.models import AccountControl
from teller.core.ledger import models as m
from teller.core.accounts.opening import (
    MEDIUM_VOUCHER_KINDS, SCOPES, UNDO, WITHDRAWAL_METHODS, record_event, sms_t,
)
from teller.core.vouchers.blank import void_returned_in
from teller.core.ledger.engine import register_effect
from teller.core.ledger.records import PostingRefused
from teller.domain.interest import Rate, interest_on_accrual
from teller.domain.problems import Problem

accounts_t = m.Account.__table__
controls_t = AccountControl.__table__
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


def active_controls(conn: Connection, account: str, bdate: dt.date) -> tuple[tuple[str, int], ...]:
    return tuple((r.kind, int(r.amount)) for r in conn.execute(
        select(controls_t.c.kind, controls_t.c.amount).where(
            controls_t.c.account_number == account, controls_t.c.status == "active",
            controls_t.c.starts_on <= bdate,
            or_(controls_t.c.expires_on.is_(None), controls_t.c.expires_on >= bdate))
        .order_by(controls_t.c.id)))


def _locked(conn: Connection, account: str):
    r = conn.execute(select(accounts_t).where(accounts_t.c.number == account)
                     .with_for_update()).first()
    if r is None:
        raise PostingRefused("no_account", f"账户 {account} 不存在", "No such account",
                             account=account)
    return r


def _check_closable(conn: Connection, r, bdate: dt.date) -> None:
    problems = closure_problems(AccountFacts(r.status, int(r.balance),
                                             active_controls(conn, r.number, bdate), r.kind))
    if problems:
        raise PostingRefused("not_closable", problems[0].message, problems[0].message_en,
                             account=r.number)


def interest_due(conn: Connection, account: str) -> int:
    """Interest (fen) on the account's accrual at its product's rate."""
    r = conn.execute(select(accounts_t.c.accrual, products_t.c.annual_rate_micro)
                     .join(products_t, products_t.c.code == accounts_t.c.product_code)
                     .where(accounts_t.c.number == account)).first()
    if r is None:
        return 0
    return interest_on_accrual(int(r.accrual), Rate(int(r.annual_rate_micro)))


def _apply_settle(conn: Connection, req, args: dict, bdate: dt.date):
    account = args.get("account", "")
    r = _locked(conn, account)
    _check_closable(conn, r, bdate)
    interest = interest_due(conn, account)
    credited = sum(leg.amount for leg in req.legs
                   if leg.account == account and leg.direction == "C")
    if credited != interest or len(req.legs) not in (0, 2):
        raise PostingRefused("interest_mismatch",
                             f"结息金额应为 {interest / 100:,.2f} 元", "Interest amount differs",
                             account=account)
    before, after = {"accrual": int(r.accrual)}, {"accrual": 0, "interest": interest}
    conn.execute(update(accounts_t).where(accounts_t.c.number == account).values(accrual=0))
    return lambda entry_id: record_event(conn, entry_id, account, "interest", before, after,
                                         bdate)


def _undo_settle(conn: Connection, row, bdate: dt.date) -> None:
    before = json.loads(row.before)
    conn.execute(update(accounts_t).where(accounts_t.c.number == row.account_number)
                 .values(accrual=accounts_t.c.accrual + int(before["accrual"])))


def _apply_close(conn: Connection, req, args: dict, bdate: dt.date):
    account = args.get("account", "")
    r = _locked(conn, account)
    _check_closable(conn, r, bdate)
    if int(r.balance) != 0:
        raise PostingRefused("balance_not_zero", "账户余额不为零，请先支取全部余额",
                             "Pay out the whole balance first", account=account)
    if (args.get("medium_number") or None) != r.medium_number:
        raise PostingRefused("wrong_medium", "收回的介质与账户不符",
                             "The medium taken back is not this account's", account=account)
    before = {"status": r.status, "closed_on": None, "medium_kind": r.medium_kind}
    after = {"status": "closed", "closed_on": bdate.isoformat(),
             "medium_kind": f"{r.medium_kind}_void" if r.medium_kind else None}
    conn.execute(update(accounts_t).where(accounts_t.c.number == account).values(
        status="closed", closed_on=bdate, medium_kind=after["medium_kind"]))
    conn.execute(update(sms_t).where(sms_t.c.account_number == account,
                                     sms_t.c.status == "active").values(status="closed"))
    # The medium taken back is voided in the voucher stock (a reversal restores it).
    if r.medium_kind in MEDIUM_VOUCHER_KINDS:
        void_returned_in(conn, branch=req.branch, operator=req.teller, entry_key=req.key,
                         kind=MEDIUM_VOUCHER_KINDS[r.medium_kind], account=account)
    return lambda entry_id: record_event(conn, entry_id, account, "close", before, after, bdate)


def _undo_close(conn: Connection, row, bdate: dt.date) -> None:
    before = json.loads(row.before)
    conn.execute(update(accounts_t).where(accounts_t.c.number == row.account_number).values(
        status=before["status"], closed_on=None, medium_kind=before["medium_kind"]))
    conn.execute(update(sms_t).where(sms_t.c.account_number == row.account_number,
                                     sms_t.c.status == "closed").values(status="active"))


def maintenance_problems(changes: dict) -> list[Problem]:
    out = []
    for name, value in changes.items():
        if name not in MAINTAINABLE:
            out.append(Problem(name, "该项目不能在本交易维护", "Not maintainable here"))
        elif value not in [c[0] for c in MAINTAINABLE[name]]:
            out.append(Problem(name, "取值不正确", "Invalid value"))
    return out


def _apply_maintain(conn: Connection, req, args: dict, bdate: dt.date):
    account = args.get("account", "")
    r = _locked(conn, account)
    if r.kind != "personal_current" or r.status in ("closed", "settled"):
        raise PostingRefused("not_maintainable", "账户已销户或不是个人活期账户，不能维护",
                             "Closed or not a personal current account", account=account)
    changes = dict(args.get("changes") or {})
    problems = maintenance_problems(changes)
    if problems:
        raise PostingRefused("bad_change", problems[0].message, problems[0].message_en)
    before = {k: getattr(r, k) for k, v in changes.items() if getattr(r, k) != v}
    after = {k: changes[k] for k in before}
    if not after:
        raise PostingRefused("no_change", "没有修改任何项目", "Nothing was changed")
    conn.execute(update(accounts_t).where(accounts_t.c.number == account).values(**after))
    return lambda entry_id: record_event(conn, entry_id, account, "maintain", before, after,
                                         bdate)


def _undo_maintain(conn: Connection, row, bdate: dt.date) -> None:
    conn.execute(update(accounts_t).where(accounts_t.c.number == row.account_number)
                 .values(**json.loads(row.before)))


register_effect("account.settle_interest", _apply_settle)
register_effect("account.close", _apply_close)
register_effect("account.maintain", _apply_maintain)
UNDO.update({"interest": _undo_settle, "close": _undo_close, "maintain": _undo_maintain})
