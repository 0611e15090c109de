"""Account controls (存款账户控制, CBUS 18100) and bank deduction from a hold
(银行扣款, CBUS 18091) — each a step posted through the kernel, with the rule
that carries it out.

Rules (DOMAIN.md §3, CBUS §4.11.3):
- receive-only 只收不付, pay-only 只付不收 and sealed 封存 exclude one another and
  apply to current accounts only;
- holds 圈存 stack and coexist with them; on a current account or a time
  deposit a new hold (or a raised one) may not exceed the available balance;
- each control gets a 19-digit incident number (事故编号) that its maintenance
  and release reuse; an expiry date ends it by itself (``expiries``), and the
  posting rules ignore it from the day after anyway;
- a bank deduction takes at most the held amount and uses it up; its reversal
  gives it back.

Worked example (runnable form in ``tests/core/test_account_controls.py``)::

    posted = core.post(EntryRequest(..., txn_code="18100", step="submit", reversible=False,
                                    attachments=(ControlAdd(acct, "hold", amount=50_000),),
                                    authorization=AuthGrant("S002", "A")))
    posted.fact("incident_number")      # '2026112301010000001'
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from teller.core.controls.common import (
    CONTROL_KINDS, CURRENT_KINDS, EXCLUSIVE, KIND_TEXT, ControlView, active_controls,
    ensure_future, lock_account, new_incident_number, record_event,
    record_step_event, require_for, supervisor_of, view_of,
)
from teller.core.controls.models import AccountControl, ControlEvent
from teller.core.controls.rules import available_balance
from teller.core.ledger.accounts import internal_account
from teller.core.ledger.db import reader
from teller.core.ledger.records import Attachment, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule

controls_t = AccountControl.__table__
events_t = ControlEvent.__table__

#: Accounts whose holds may not exceed the available balance: current accounts
#: and time deposits (整存整取) alike — a hold beyond the money is no security.
HOLD_CAPPED_KINDS = CURRENT_KINDS | {"personal_time"}


@dataclass(frozen=True)
class Change:
    """One maintained element with its value before and after (修改前后对照)."""

    field: str
    label: str
    label_en: str
    before: object
    after: object


def maintenance_changes(view: ControlView, *, expires_on: dt.date | None = None,
                        document_no: str | None = None, applicant: str | None = None,
                        amount: int | None = None) -> tuple[Change, ...]:
    """What a maintenance would change — shown to the teller before submitting."""
    out = []
    for name, label, en, new in (("expires_on", "到期日期", "Expiry", expires_on),
                                 ("document_no", "申请书编号", "Document no.", document_no),
                                 ("applicant", "申请人", "Applicant", applicant),
                                 ("amount", "圈存金额", "Hold amount", amount)):
        old = getattr(view, name)
        if new is not None and new != old:
            out.append(Change(name, label, en, old, new))
    return tuple(out)


# -- the steps -------------------------------------------------------------------
@dataclass(frozen=True)
class ControlAdd(Attachment, wire_name="controls.add"):
    """新增控制: a receive-only, pay-only, sealed control or a hold of ``amount``."""

    account: str
    kind: str
    amount: int = 0
    expires_on: dt.date | None = None
    document_no: str = ""
    applicant: str = ""
    reason: str = ""


@dataclass(frozen=True)
class ControlMaintain(Attachment, wire_name="controls.maintain"):
    """控制维护: the elements given (not None) change."""

    incident: str
    expires_on: dt.date | None = None
    document_no: str | None = None
    applicant: str | None = None
    amount: int | None = None


@dataclass(frozen=True)
class ControlRelease(Attachment, wire_name="controls.release"):
    """解控."""

    incident: str


def _lock_control(conn, incident: str):
    row = conn.execute(select(controls_t).where(controls_t.c.incident_number == incident)
                       .with_for_update()).first()
    if row is None or row.kind not in CONTROL_KINDS:
        raise PostingRefused("no_incident", f"事故编号 {incident} 不存在",
                             f"No incident {incident}")
    if row.status != "active":
        raise PostingRefused("control_not_active", "该控制已解除或已到期",
                             "The control is no longer in force")
    return row


def _hold_cap(acct, others, amount: int, account: str) -> None:
    available = available_balance(acct.balance, acct.overdraft_limit,
                                  ((c.kind, c.amount) for c in others))
    if acct.kind in HOLD_CAPPED_KINDS and available is not None and amount > available:
        raise PostingRefused("hold_above_available",
                             f"圈存金额不能大于可用余额 {max(available, 0) / 100:,.2f} 元",
                             "The hold may not exceed the available balance", account=account)


class ControlMaintenanceRule(PostingRule):
    """18100's add / maintain / release, each a step of its own (irreversible:
    a control is released, never reversed)."""

    name = "controls.maintenance"

    def applies(self, request) -> bool:
        return any(isinstance(a, (ControlAdd, ControlMaintain, ControlRelease))
                   for a in request.attachments)

    def admit(self, p: Posting) -> None:
        if p.request.reversible:
            raise PostingRefused("irreversible_step", "账户控制不能冲正，请办理解控",
                                 "A control is released, not reversed")

    def write(self, p: Posting) -> None:
        for a in p.request.attachments:
            if isinstance(a, ControlAdd):
                self._add(p, a)
            elif isinstance(a, ControlMaintain):
                self._maintain(p, a)
            elif isinstance(a, ControlRelease):
                self._release(p, a)

    @staticmethod
    def _add(p: Posting, a: ControlAdd) -> None:
        conn, bdate = p.conn, p.business_date
        acct = lock_account(conn, a.account)
        held = a.amount
        if a.kind not in CONTROL_KINDS:
            raise PostingRefused("bad_kind", "控制方式无效", "Invalid control kind")
        ensure_future(a.expires_on, bdate)
        current = active_controls(conn, a.account, bdate)
        if a.kind in EXCLUSIVE:
            if acct.kind not in CURRENT_KINDS:
                raise PostingRefused("not_current", "只收不付、只付不收、封存只能用于活期账户",
                                     "Only current accounts take this control",
                                     account=a.account)
            clash = next((c for c in current if c.kind in EXCLUSIVE), None)
            if clash is not None:
                raise PostingRefused(
                    "exclusive_control",
                    f"账户已{KIND_TEXT[clash.kind]}，与{KIND_TEXT[a.kind]}不能同时存在",
                    f"The account is already {clash.kind}; {a.kind} cannot coexist",
                    account=a.account)
            held = 0
        else:
            if held <= 0:
                raise PostingRefused("bad_amount", "圈存金额必须大于零",
                                     "The hold amount must be positive", account=a.account)
            _hold_cap(acct, current, held, a.account)
        require_for(p, "control_add")
        incident = new_incident_number(conn, p.request.branch, bdate)
        detail = {"document_no": a.document_no, "applicant": a.applicant, "reason": a.reason,
                  "branch": p.request.branch}
        conn.execute(insert(controls_t).values(
            account_number=a.account, kind=a.kind, amount=held, incident_number=incident,
            status="active", starts_on=bdate, expires_on=a.expires_on,
            created_by=p.request.teller, created_at=p.now,
            detail=json.dumps(detail, ensure_ascii=False)))
        record_step_event(p, incident=incident, account=a.account, area="control", event="add",
                          amount=held, after={"kind": a.kind, **detail,
                                              "expires_on": a.expires_on})

    @staticmethod
    def _maintain(p: Posting, a: ControlMaintain) -> None:
        conn, bdate = p.conn, p.business_date
        found = conn.execute(select(controls_t.c.account_number).where(
            controls_t.c.incident_number == a.incident)).first()
        if found is None:
            raise PostingRefused("no_incident", f"事故编号 {a.incident} 不存在",
                                 f"No incident {a.incident}")
        acct = lock_account(conn, found.account_number)
        row = _lock_control(conn, a.incident)
        view = view_of(row)
        changes = maintenance_changes(view, expires_on=a.expires_on, document_no=a.document_no,
                                      applicant=a.applicant, amount=a.amount)
        if not changes:
            raise PostingRefused("no_change", "没有修改任何要素", "Nothing was changed")
        ensure_future(a.expires_on, bdate)
        if a.amount is not None and a.amount != view.amount:
            if view.kind != "hold" or a.amount <= 0:
                raise PostingRefused("bad_amount", "只有圈存可以维护金额，且金额须大于零",
                                     "Only a hold has an amount, and it must be positive")
            others = [c for c in active_controls(conn, view.account, bdate) if c.id != view.id]
            _hold_cap(acct, others, a.amount, view.account)
        require_for(p, "control_maintain")
        detail = json.loads(row.detail or "{}")
        values: dict = {}
        for c in changes:
            if c.field in ("expires_on", "amount"):
                values[c.field] = c.after
            else:
                detail[c.field] = c.after
        conn.execute(update(controls_t).where(controls_t.c.id == row.id).values(
            detail=json.dumps(detail, ensure_ascii=False), **values))
        record_step_event(p, incident=a.incident, account=view.account, area="control",
                          event="maintain", amount=a.amount or 0,
                          before={c.field: c.before for c in changes},
                          after={c.field: c.after for c in changes})

    @staticmethod
    def _release(p: Posting, a: ControlRelease) -> None:
        conn = p.conn
        found = conn.execute(select(controls_t.c.account_number).where(
            controls_t.c.incident_number == a.incident)).first()
        if found is None:
            raise PostingRefused("no_incident", f"事故编号 {a.incident} 不存在",
                                 f"No incident {a.incident}")
        lock_account(conn, found.account_number)
        row = _lock_control(conn, a.incident)
        require_for(p, "control_release")
        conn.execute(update(controls_t).where(controls_t.c.id == row.id).values(
            status="released", released_at=p.now))
        record_step_event(p, incident=a.incident, account=row.account_number, area="control",
                          event="release", amount=int(row.amount),
                          before={"status": "active"}, after={"status": "released"})


# -- 18091: bank deduction from a hold -----------------------------------------------
@dataclass(frozen=True)
class HoldDeduction(Attachment, wire_name="controls.hold_deduction", purpose="hold_deduction"):
    """银行扣款: the deduction takes (part of) the hold ``incident``; the bank's
    application number (扣款申请书编号) goes on the register line."""

    incident: str
    application_no: str = ""


class HoldDeductionRule(PostingRule):
    """A bank deduction names its hold and takes at most the held amount; its
    reversal gives the amount back to the hold."""

    name = "controls.hold_deduction"

    def applies(self, request) -> bool:
        return request.reverses_entry_id is not None or request.one(HoldDeduction) is not None

    def check(self, p: Posting) -> None:
        a = p.request.one(HoldDeduction)
        if a is None:
            return
        if len(a.application_no) > 40:
            raise PostingRefused("bad_application_no", "扣款申请书编号不能超过40个字符",
                                 "The application number is at most 40 characters")
        require_for(p, "hold_deduct")
        row = p.conn.execute(select(controls_t).where(controls_t.c.incident_number ==
                                                      a.incident).with_for_update()).first()
        if row is None or row.kind != "hold":
            raise PostingRefused("no_hold", "银行扣款须指定圈存事故编号",
                                 "A bank deduction must name a hold incident")
        taken = -p.net(row.account_number) if row.account_number in p.accounts else 0
        if taken <= 0:
            raise PostingRefused("hold_account_mismatch", "扣款账户与圈存事故不符",
                                 "The account is not the held one", account=row.account_number)
        if row.status != "active":
            raise PostingRefused("control_not_active", "该圈存已解除或已到期",
                                 "The hold is no longer in force", account=row.account_number)
        if taken > int(row.amount):
            raise PostingRefused("hold_deduction_above_hold",
                                 f"扣款金额不能大于圈存金额 {int(row.amount) / 100:,.2f} 元",
                                 "The deduction exceeds the held amount",
                                 account=row.account_number)
        p.notes[self.name] = (row, taken)

    def write(self, p: Posting) -> None:
        if self.name not in p.notes:
            return
        a = p.request.one(HoldDeduction)
        row, taken = p.notes[self.name]
        left = int(row.amount) - taken
        p.conn.execute(update(controls_t).where(controls_t.c.id == row.id).values(
            amount=left, **({"status": "deducted", "released_at": p.now} if left == 0 else {})))
        record_step_event(p, incident=row.incident_number, account=row.account_number,
                          area="control", event="deduct", amount=taken,
                          before={"amount": int(row.amount)},
                          after={"amount": left, **({"application_no": a.application_no}
                                                    if a.application_no else {})})

    def undo(self, p: Posting) -> None:
        assert p.original is not None
        for ev in p.conn.execute(select(events_t).where(
                events_t.c.entry_id == p.original.id, events_t.c.area == "control",
                events_t.c.event == "deduct")).all():
            row = p.conn.execute(select(controls_t).where(
                controls_t.c.incident_number == ev.incident_number).with_for_update()).one()
            back = int(ev.amount)
            p.conn.execute(update(controls_t).where(controls_t.c.id == row.id).values(
                amount=int(row.amount) + back, status="active", released_at=None))
            record_event(p.conn, incident=row.incident_number, account=row.account_number,
                         area="control", event="deduct_reversed", amount=back,
                         entry_id=p.entry_id, branch=p.request.branch, teller=p.request.teller,
                         supervisor=supervisor_of(p), bdate=p.business_date, now=p.now,
                         before={"amount": int(row.amount)},
                         after={"amount": int(row.amount) + back})


# -- reads -------------------------------------------------------------------------
class ControlService:
    """18100's and 18091's look-ups (the changes are posted steps, above)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def controls(self, account: str, *, kinds: tuple[str, ...] = CONTROL_KINDS,
                 current_only: bool = True) -> tuple[ControlView, ...]:
        q = select(controls_t).where(controls_t.c.account_number == account,
                                     controls_t.c.kind.in_(kinds))
        if current_only:
            q = q.where(controls_t.c.status.in_(("active", "queued")))
        with reader(self.engine) as conn:
            return tuple(view_of(r) for r in conn.execute(q.order_by(controls_t.c.id)))

    def clearing_account(self, branch: str) -> str:
        """The branch's clearing account (3010) a bank deduction credits."""
        with reader(self.engine) as conn:
            number = internal_account(conn, branch, "clearing")
        if number is None:
            raise PostingRefused("no_clearing", "网点没有清算资金往来账户",
                                 "The branch has no clearing account")
        return number

    def control(self, incident: str) -> ControlView | None:
        with reader(self.engine) as conn:
            row = conn.execute(select(controls_t).where(
                controls_t.c.incident_number == incident)).first()
        return view_of(row) if row else None

    def register(self, *, account: str | None = None, incident: str | None = None,
                 area: str | None = None) -> tuple[dict, ...]:
        """登记簿 lines, oldest first."""
        q = select(events_t)
        if account:
            q = q.where(events_t.c.account_number == account)
        if incident:
            q = q.where(events_t.c.incident_number == incident)
        if area:
            q = q.where(events_t.c.area == area)
        with reader(self.engine) as conn:
            return tuple({**r._mapping, "before": json.loads(r.before),
                          "after": json.loads(r.after)}
                         for r in conn.execute(q.order_by(events_t.c.id)))


__all__ = ["ControlAdd", "ControlMaintain", "ControlRelease", "HoldDeduction",
           "ControlMaintenanceRule", "HoldDeductionRule", "ControlService", "Change",
           "maintenance_changes", "HOLD_CAPPED_KINDS"]
