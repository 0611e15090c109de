"""Account controls (存款账户控制, CBUS 18100) and bank deduction from a hold
(银行扣款, CBUS 18091), plus what every control area shares: 19-digit incident
numbers, the register (登记簿, ``control_events``), the authorization check of
non-posting steps, and the posting engine's after-posting hook.

Rules (DOMAIN.md §3, CBUS §4.11.3):
- receive-only 只收不付, pay-only 只付不收 and sealed 封存 exclude one another and
  apply to current accounts only;
- holds 圈存 stack and coexist with them; on a current account or a time
  deposit a new hold (or a raised one) may not exceed the available balance;
- each control gets a 19-digit incident number (事故编号) that its maintenance
  and release reuse; an expiry date ends it by itself (:func:`apply_control_expiries`
  marks it, and the posting engine ignores it from the day after anyway).

Worked example (runnable form in ``tests/core/test_account_controls.py``)::

    svc = ControlService(engine)
    hold = svc.add(key="k1", branch="0101", teller="T001", account=acct, kind="hold",
                   amount=50_000, authorization=AuthGrant("S002", "A"))
    hold.incident_number      # '2026112301010000001'
    svc.release(key="k2", branch="0101", teller="T001", incident=hold.incident_number,
                authorization=AuthGrant("S002", "A"))
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.controls.models import AccountControl
from teller.core.operators.models import Authorization
from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.accounts import next_number
from teller.core.controls.models import ControlEvent
from teller.core.ledger.records import AuthGrant, EntryRequest, PostingRefused

accounts_t = m.Account.__table__
controls_t = AccountControl.__table__
branches_t = m.Branch.__table__
auth_t = Authorization.__table__
events_t = ControlEvent.__table__
entries_t = m.JournalEntry.__table__

EXCLUSIVE = ("receive_only", "pay_only", "sealed")
CONTROL_KINDS = EXCLUSIVE + ("hold",)
FREEZE_KINDS = ("freeze_full", "freeze_partial", "freeze_one_way")
CURRENT_KINDS = frozenset({"personal_current", "unit_current"})
#: Accounts whose holds may not exceed the available balance: current accounts
#: and time deposits (整存整取) alike — a hold beyond the money is no security.
HOLD_CAPPED_KINDS = CURRENT_KINDS | {"personal_time"}
KIND_TEXT = {"hold": "圈存", "receive_only": "只收不付", "pay_only": "只付不收", "sealed": "封存",
             "freeze_full": "全部冻结", "freeze_partial": "部分冻结",
             "freeze_one_way": "单向冻结", "loss_report": "挂失"}

#: Authorization level each control operation needs — the one table the flows
#: (their ``authorization()``) and the core (``check_grant``) both read.
AUTH_LEVELS = {
    "control_add": "A", "control_maintain": "A", "control_release": "A",
    "limit_add": "A", "limit_maintain": "A", "limit_release": "A",
    "freeze": "A", "renew": "A", "unfreeze": "A", "deduct": "B",
    "case_details": "A", "hold_deduct": "A",
}

# Posting steps that carry the incident they draw on (the engine hook parses them).
JUDICIAL_STEP, HOLD_STEP = "ded:", "hded:"
DEDUCTION_PURPOSES = frozenset({"judicial_deduction", "hold_deduction"})


@dataclass(frozen=True)
class ControlView:
    """One control (account_controls row) as shown and maintained."""

    id: int
    incident_number: str
    account: str
    kind: str
    amount: int
    status: str
    starts_on: dt.date
    expires_on: dt.date | None
    document_no: str = ""
    applicant: str = ""
    reason: str = ""

    @property
    def kind_text(self) -> str:
        return KIND_TEXT.get(self.kind, self.kind)


@dataclass(frozen=True)
class Change:
    """One maintained element with its value before and after (修改前后对照)."""

    field: str
    label: str
    label_en: str
    before: object
    after: object


def view_of(row) -> ControlView:
    detail = json.loads(row.detail or "{}")
    return ControlView(row.id, row.incident_number, row.account_number, row.kind,
                       int(row.amount), row.status, row.starts_on, row.expires_on,
                       detail.get("document_no", ""), detail.get("applicant", ""),
                       detail.get("reason", ""))


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


# -- shared helpers (used by judicial.py and limits' service too) ---------------
def business_date(conn: Connection, branch: str) -> dt.date:
    row = conn.execute(select(branches_t.c.business_date).where(branches_t.c.code == branch)
                       ).first()
    if row is None:
        raise PostingRefused("no_branch", "网点不存在", "No such branch")
    return row.business_date


def new_incident_number(conn: Connection, branch: str, bdate: dt.date) -> str:
    """19 digits: business date (8) + branch (4) + bank-wide serial (7)."""
    return f"{bdate:%Y%m%d}{branch[:4]:0>4}{next_number(conn, 'incident') % 10**7:07d}"


def prior_event(conn: Connection, key: str):
    return conn.execute(select(events_t).where(events_t.c.idempotency_key == key)).first()


def record_event(conn: Connection, *, incident: str, account: str, area: str, event: str,
                 branch: str, teller: str, bdate: dt.date, now: dt.datetime,
                 key: str | None = None, amount: int = 0, before: dict | None = None,
                 after: dict | None = None, entry_id: int | None = None,
                 supervisor: str | None = None) -> None:
    conn.execute(insert(events_t).values(
        idempotency_key=key, incident_number=incident, account_number=account, area=area,
        event=event, amount=amount,
        before=json.dumps(before or {}, ensure_ascii=False, default=str),
        after=json.dumps(after or {}, ensure_ascii=False, default=str), entry_id=entry_id,
        branch_code=branch, teller_code=teller, supervisor_code=supervisor,
        business_date=bdate, created_at=now))


def check_grant(conn: Connection, grant: AuthGrant | None, teller: str, operation: str,
                txn_code: str, now: dt.datetime) -> str | None:
    """Refuse unless ``grant`` is a valid authorization for ``operation``; record it."""
    from teller.core.ledger.engine import authorization_problem  # the engine's own rule
    level = AUTH_LEVELS.get(operation)
    if level is None:
        return None
    if grant is None:
        raise PostingRefused("needs_authorization", "该交易需要主管授权",
                             "This transaction needs a supervisor's authorization", level=level)
    problem = authorization_problem(conn, grant.supervisor, teller, level)
    if problem:
        raise PostingRefused(*problem)
    conn.execute(insert(auth_t).values(
        entry_id=None, supervisor_code=grant.supervisor, teller_code=teller, level=level,
        reasons=json.dumps(list(grant.reasons), ensure_ascii=False), outcome="granted",
        remark=grant.remark[:200], txn_code=txn_code, created_at=now))
    return grant.supervisor


def lock_account(conn: Connection, number: str):
    row = conn.execute(select(accounts_t).where(accounts_t.c.number == number)
                       .with_for_update()).first()
    if row is None:
        raise PostingRefused("no_account", f"账户 {number} 不存在",
                             f"Account {number} does not exist", account=number)
    if row.status in ("closed", "settled"):
        raise PostingRefused(f"status_{row.status}", "账户已销户或结清",
                             "The account is closed or settled", account=number)
    return row


def active_controls(conn: Connection, number: str, bdate: dt.date) -> list:
    return conn.execute(select(controls_t).where(
        controls_t.c.account_number == number, controls_t.c.status == "active",
        controls_t.c.starts_on <= bdate,
        or_(controls_t.c.expires_on.is_(None), controls_t.c.expires_on >= bdate))
        .order_by(controls_t.c.id)).all()


def available_of(account_row, controls) -> int | None:
    """Balance − holds − partial freezes (+ overdraft); None when unlimited."""
    if account_row.overdraft_limit is None:
        return None
    blocked = sum(int(c.amount) for c in controls if c.kind in ("hold", "freeze_partial"))
    return int(account_row.balance) - blocked + int(account_row.overdraft_limit)


def _ensure_future(expires_on: dt.date | None, bdate: dt.date) -> None:
    if expires_on is not None and expires_on < bdate:
        raise PostingRefused("expiry_past", "到期日期不能早于营业日期",
                             "The expiry date is before the business date")


class ControlService:
    """18100 add / query / maintain / release, and 18091's look-ups."""

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = dt.datetime.now):
        self.engine = engine
        self.clock = clock

    def _now(self) -> dt.datetime:
        return self.clock().replace(tzinfo=None)

    # -- queries -------------------------------------------------------------
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
        from teller.core.ledger.accounts import internal_account
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

    # -- add -----------------------------------------------------------------
    def add(self, *, key: str, branch: str, teller: str, account: str, kind: str,
            amount: int = 0, expires_on: dt.date | None = None, document_no: str = "",
            applicant: str = "", reason: str = "",
            authorization: AuthGrant | None = None) -> ControlView:
        def work(conn: Connection) -> ControlView:
            done = prior_event(conn, key)
            if done is not None:
                return self._by_incident(conn, done.incident_number)
            now, bdate = self._now(), business_date(conn, branch)
            acct = lock_account(conn, account)
            held = amount
            if kind not in CONTROL_KINDS:
                raise PostingRefused("bad_kind", "控制方式无效", "Invalid control kind")
            _ensure_future(expires_on, bdate)
            current = active_controls(conn, account, bdate)
            if kind in EXCLUSIVE:
                if acct.kind not in CURRENT_KINDS:
                    raise PostingRefused("not_current", "只收不付、只付不收、封存只能用于活期账户",
                                         "Only current accounts take this control",
                                         account=account)
                clash = next((c for c in current if c.kind in EXCLUSIVE), None)
                if clash is not None:
                    raise PostingRefused(
                        "exclusive_control",
                        f"账户已{KIND_TEXT[clash.kind]}，与{KIND_TEXT[kind]}不能同时存在",
                        f"The account is already {clash.kind}; {kind} cannot coexist",
                        account=account)
                held = 0
            else:
                if held <= 0:
                    raise PostingRefused("bad_amount", "圈存金额必须大于零",
                                         "The hold amount must be positive", account=account)
                available = available_of(acct, current)
                if acct.kind in HOLD_CAPPED_KINDS and available is not None and held > available:
                    raise PostingRefused(
                        "hold_above_available",
                        f"圈存金额不能大于可用余额 {max(available, 0) / 100:,.2f} 元",
                        "The hold may not exceed the available balance", account=account)
            supervisor = check_grant(conn, authorization, teller, "control_add", "18100", now)
            incident = new_incident_number(conn, branch, bdate)
            detail = {"document_no": document_no, "applicant": applicant, "reason": reason,
                      "branch": branch}
            conn.execute(insert(controls_t).values(
                account_number=account, kind=kind, amount=held, incident_number=incident,
                status="active", starts_on=bdate, expires_on=expires_on, created_by=teller,
                created_at=now, detail=json.dumps(detail, ensure_ascii=False)))
            record_event(conn, key=key, incident=incident, account=account, area="control",
                         event="add", amount=held, after={"kind": kind, **detail,
                                                            "expires_on": expires_on},
                         branch=branch, teller=teller, supervisor=supervisor, bdate=bdate,
                         now=now)
            return self._by_incident(conn, incident)
        return run_in_transaction(self.engine, work)

    # -- maintain / release --------------------------------------------------
    def maintain(self, *, key: str, branch: str, teller: str, incident: str,
                 expires_on: dt.date | None = None, document_no: str | None = None,
                 applicant: str | None = None, amount: int | None = None,
                 authorization: AuthGrant | None = None) -> tuple[Change, ...]:
        def work(conn: Connection) -> tuple[Change, ...]:
            done = prior_event(conn, key)
            if done is not None:
                before, after = json.loads(done.before), json.loads(done.after)
                return tuple(Change(k, k, k, before[k], after[k]) for k in after)
            now, bdate = self._now(), business_date(conn, branch)
            view = self._by_incident(conn, incident)
            acct = lock_account(conn, view.account)
            row = self._lock_control(conn, incident, CONTROL_KINDS)
            view = view_of(row)
            changes = maintenance_changes(view, expires_on=expires_on, document_no=document_no,
                                          applicant=applicant, amount=amount)
            if not changes:
                raise PostingRefused("no_change", "没有修改任何要素", "Nothing was changed")
            _ensure_future(expires_on, bdate)
            if amount is not None and amount != view.amount:
                if view.kind != "hold" or amount <= 0:
                    raise PostingRefused("bad_amount", "只有圈存可以维护金额，且金额须大于零",
                                         "Only a hold has an amount, and it must be positive")
                others = [c for c in active_controls(conn, view.account, bdate)
                          if c.id != view.id]
                available = available_of(acct, others)
                if (acct.kind in HOLD_CAPPED_KINDS and available is not None
                        and amount > available):
                    raise PostingRefused(
                        "hold_above_available",
                        f"圈存金额不能大于可用余额 {max(available, 0) / 100:,.2f} 元",
                        "The hold may not exceed the available balance", account=view.account)
            supervisor = check_grant(conn, authorization, teller, "control_maintain", "18100",
                                     now)
            detail = json.loads(row.detail or "{}")
            values: dict = {}
            for c in changes:
                if c.field in ("expires_on", "amount"):
                    values[c.field] = c.after
                else:
                    detail[c.field] = c.after
            conn.execute(update(controls_t).where(controls_t.c.id == row.id).values(
                detail=json.dumps(detail, ensure_ascii=False), **values))
            record_event(conn, key=key, incident=incident, account=view.account, area="control",
                         event="maintain", amount=amount or 0,
                         before={c.field: c.before for c in changes},
                         after={c.field: c.after for c in changes}, branch=branch,
                         teller=teller, supervisor=supervisor, bdate=bdate, now=now)
            return changes
        return run_in_transaction(self.engine, work)

    def release(self, *, key: str, branch: str, teller: str, incident: str,
                authorization: AuthGrant | None = None) -> ControlView:
        def work(conn: Connection) -> ControlView:
            done = prior_event(conn, key)
            if done is not None:
                return self._by_incident(conn, done.incident_number)
            now, bdate = self._now(), business_date(conn, branch)
            view = self._by_incident(conn, incident)
            lock_account(conn, view.account)
            row = self._lock_control(conn, incident, CONTROL_KINDS)
            supervisor = check_grant(conn, authorization, teller, "control_release", "18100",
                                     now)
            conn.execute(update(controls_t).where(controls_t.c.id == row.id).values(
                status="released", released_at=now))
            record_event(conn, key=key, incident=incident, account=row.account_number,
                         area="control", event="release", amount=int(row.amount),
                         before={"status": "active"}, after={"status": "released"},
                         branch=branch, teller=teller, supervisor=supervisor, bdate=bdate,
                         now=now)
            return self._by_incident(conn, incident)
        return run_in_transaction(self.engine, work)

    @staticmethod
    def _by_incident(conn: Connection, incident: str) -> ControlView:
        row = conn.execute(select(controls_t).where(
            controls_t.c.incident_number == incident)).first()
        if row is None:
            raise PostingRefused("no_incident", f"事故编号 {incident} 不存在",
                                 f"No incident {incident}")
        return view_of(row)

    @staticmethod
    def _lock_control(conn: Connection, incident: str, kinds: tuple[str, ...]):
        row = conn.execute(select(controls_t).where(controls_t.c.incident_number == incident)
                           .with_for_update()).first()
        if row is None or row.kind not in kinds:
            raise PostingRefused("no_incident", f"事故编号 {incident} 不存在",
                                 f"No incident {incident}")
        if row.status != "active":
            raise PostingRefused("control_not_active", "该控制已解除或已到期",
                                 "The control is no longer in force")
        return row


# -- posting engine hook: deductions that draw on a hold or a freeze -------------
def incident_of_step(step: str, prefix: str) -> str | None:
    step = step.removeprefix("reverse:")
    return step[len(prefix):] if step.startswith(prefix) else None


def apply_posting_effects(conn: Connection, req: EntryRequest, entry_id: int, bdate: dt.date,
                          accounts: dict, subjects: dict, now: dt.datetime) -> None:
    """Called by the posting engine inside the entry's transaction, after its legs
    are written: a deduction (扣划/扣款) uses up the freeze or hold it names in its
    step (``ded:<incident>`` / ``hded:<incident>``); its reversal gives it back.
    A deduction purpose without a valid incident is refused, so the purpose can
    never be used to get past a freeze or a hold."""
    from teller.core.controls import judicial
    original = None
    if req.reverses_entry_id is not None:
        if not req.step.startswith(("reverse:" + JUDICIAL_STEP, "reverse:" + HOLD_STEP)):
            return
        original = conn.execute(select(entries_t.c.step, entries_t.c.purpose).where(
            entries_t.c.id == req.reverses_entry_id)).first()
    purpose = original.purpose if original is not None else req.purpose
    if purpose == "judicial_deduction":
        judicial.deduction_effect(conn, req, entry_id, bdate, accounts, subjects, now,
                                  reversal=original is not None)
    elif purpose == "hold_deduction":
        _hold_deduction(conn, req, entry_id, bdate, accounts, subjects, now,
                        reversal=original is not None)


#: 18091's core action: the deduction carries the bank's application number
#: (扣款申请书编号), kept on the hold's register line of the deduction.
HOLD_APPLICATION_EFFECT = "control.hold_application"


def hold_application_effect(conn: Connection, req: EntryRequest, args: dict, bdate: dt.date):
    """Checked before the legs post; the number is written by the deduction hook."""
    number = args.get("application_no", "")
    if not isinstance(number, str) or len(number) > 40:
        raise PostingRefused("bad_application_no", "扣款申请书编号不能超过40个字符",
                             "The application number is at most 40 characters")
    if req.purpose != "hold_deduction":
        raise PostingRefused("application_not_deduction", "扣款申请书编号只用于银行扣款",
                             "An application number belongs to a bank deduction")
    return None


def _application_no(req: EntryRequest) -> str:
    if req.effect != HOLD_APPLICATION_EFFECT:
        return ""
    return json.loads(req.effect_args or "{}").get("application_no", "")


def debited_amount(req: EntryRequest, account: str, accounts: dict, subjects: dict,
                   reversal: bool) -> int:
    """What the entry takes out of ``account`` (for a reversal: puts back)."""
    side = subjects[accounts[account].subject_code][0]
    want_inflow = reversal
    return sum(leg.amount for leg in req.legs if leg.account == account
               and (leg.direction == side) == want_inflow)


def _hold_deduction(conn, req, entry_id, bdate, accounts, subjects, now, *, reversal):
    incident = incident_of_step(req.step, HOLD_STEP)
    row = conn.execute(select(controls_t).where(controls_t.c.incident_number == incident)
                       .with_for_update()).first() if incident else None
    if row is None or row.kind != "hold":
        raise PostingRefused("no_hold", "银行扣款须指定圈存事故编号",
                             "A bank deduction must name a hold incident")
    amount = debited_amount(req, row.account_number, accounts, subjects, reversal)
    if amount <= 0:
        raise PostingRefused("hold_account_mismatch", "扣款账户与圈存事故不符",
                             "The account is not the held one", account=row.account_number)
    if reversal:
        conn.execute(update(controls_t).where(controls_t.c.id == row.id).values(
            amount=int(row.amount) + amount, status="active", released_at=None))
        event = "deduct_reversed"
    else:
        if row.status != "active":
            raise PostingRefused("control_not_active", "该圈存已解除或已到期",
                                 "The hold is no longer in force", account=row.account_number)
        if amount > int(row.amount):
            raise PostingRefused("hold_deduction_above_hold",
                                 f"扣款金额不能大于圈存金额 {int(row.amount) / 100:,.2f} 元",
                                 "The deduction exceeds the held amount",
                                 account=row.account_number)
        left = int(row.amount) - amount
        conn.execute(update(controls_t).where(controls_t.c.id == row.id).values(
            amount=left, **({"status": "deducted", "released_at": now} if left == 0 else {})))
        event = "deduct"
    record_event(conn, incident=row.incident_number, account=row.account_number, area="control",
                 event=event, amount=amount, entry_id=entry_id, branch=req.branch,
                 teller=req.teller, supervisor=req.authorization.supervisor
                 if req.authorization else None, bdate=bdate, now=now,
                 before={"amount": int(row.amount)},
                 after={"amount": int(row.amount) + (amount if reversal else -amount),
                        **({"application_no": _application_no(req)}
                           if _application_no(req) else {})})


# -- time-driven -------------------------------------------------------------------
def apply_control_expiries(engine: Engine, business_date: dt.date, *,
                           clock: Callable[[], dt.datetime] = dt.datetime.now) -> list[dict]:
    """Day-end: controls, freezes and limit rules whose expiry date is before
    ``business_date`` end; the earliest queued freeze of an account whose freeze
    ended takes effect with its own amount. Each change is a register line and
    an audit event. Returns what changed (also safe to run twice)."""
    from teller.core.controls import judicial
    from teller.core.controls import limits

    def work(conn: Connection) -> list[dict]:
        now = clock().replace(tzinfo=None)
        changed: list[dict] = []
        rows = conn.execute(select(controls_t).where(
            controls_t.c.status == "active", controls_t.c.expires_on.is_not(None),
            controls_t.c.expires_on < business_date).order_by(controls_t.c.id)).all()
        for row in rows:
            conn.execute(update(controls_t).where(controls_t.c.id == row.id).values(
                status="expired", released_at=now))
            branch = json.loads(row.detail or "{}").get("branch") or _branch_of(conn, row)
            record_event(conn, incident=row.incident_number, account=row.account_number,
                         area="judicial" if row.kind in FREEZE_KINDS else "control",
                         event="expire", amount=int(row.amount), branch=branch,
                         teller="SYSTEM", bdate=business_date, now=now,
                         before={"status": "active", "expires_on": row.expires_on},
                         after={"status": "expired"})
            changed.append({"incident": row.incident_number, "event": "expire",
                            "kind": row.kind})
            if row.kind in FREEZE_KINDS:
                changed += judicial.activate_queued(conn, row.account_number, business_date,
                                                    now, cause=row.incident_number,
                                                    teller="SYSTEM")
        changed += limits.expire_rules(conn, business_date, now)
        for c in changed:
            conn.execute(insert(m.AuditEvent.__table__).values(
                at=now, user_code="SYSTEM", terminal_code="", kind=f"control_{c['event']}",
                outcome="ok", detail=json.dumps(c, ensure_ascii=False)))
        return changed
    return run_in_transaction(engine, work)


def _branch_of(conn: Connection, row) -> str:
    return conn.execute(select(accounts_t.c.branch_code).where(
        accounts_t.c.number == row.account_number)).scalar_one()
