"""Judicial assistance (协助执法, CBUS 18090): freezes, renewals, queued freezes,
unfreezing, deductions and the judicial register.

Rules (DOMAIN.md §3, CBUS §4.9):
- a freeze is full (不收不付), partial (an amount) or one-way (只收不付), for at
  most one year; it gets a 19-digit incident number that renewal, deduction and
  unfreezing reuse;
- renewal (续冻) happens before expiry at the freezing branch, to a later date
  (still at most a year ahead); a partial freeze's amount may drop, never rise;
- a freeze on an account that already has one queues (轮候冻结); when the
  effective one lifts — unfrozen, used up by deduction, or expired — the
  earliest queued one takes effect with its own amount;
- unfreezing (解冻) only by the authority that froze, at the freezing branch;
- deduction (扣划) only by transfer (never cash), partial and repeatable; for a
  partial freeze never above the frozen amount, and deducting all of it lifts
  the freeze; deductions can be reversed (冲正), freezes cannot;
- a quick freeze (快速冻结) takes effect before the authority's details are typed;
  the case stays incomplete until :meth:`JudicialService.complete` fills them.

Deductions post through the posting engine with purpose ``judicial_deduction``
and step ``ded:<incident>``; the engine calls :func:`deduction_effect` in the
same transaction (see ``account_controls.apply_posting_effects``).

Worked example (runnable in ``tests/core/test_judicial.py``)::

    svc = JudicialService(engine)
    case = svc.freeze(key="k1", branch="0101", teller="T001", account=acct,
                      kind="freeze_partial", amount=100_000, expires_on=date(2027, 5, 1),
                      authority=Authority("court", "演示市人民法院", "(2026)演执字第1号",
                                          (Officer("李法官", "work_id", "FY001"),)),
                      authorization=AuthGrant("S002", "A"))
    case.incident_number, case.status     # ('2026112301010000003', 'active')
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.controls.models import AccountControl
from teller.core.controls.controls import (
    FREEZE_KINDS, JUDICIAL_STEP, KIND_TEXT, business_date, check_grant, debited_amount,
    incident_of_step, lock_account, new_incident_number, prior_event, record_event,
)
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.controls.limits import CASH_KINDS
from teller.core.controls.models import JudicialCase
from teller.core.ledger.records import AuthGrant, EntryRequest, PostingRefused

controls_t = AccountControl.__table__
cases_t = JudicialCase.__table__

AUTHORITY_TYPES = (("court", "人民法院", "Court"), ("procuratorate", "人民检察院", "Procuratorate"),
                   ("police", "公安机关", "Police"), ("tax", "税务机关", "Tax authority"),
                   ("other", "其他有权机关", "Other authority"))


@dataclass(frozen=True)
class Officer:
    name: str
    id_type: str
    id_number: str


@dataclass(frozen=True)
class Authority:
    """有权机关 and the officers who came (执法人员)."""

    type: str
    name: str
    notice_number: str
    officers: tuple[Officer, ...] = ()

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if self.type not in {t for t, _, _ in AUTHORITY_TYPES}:
            out.append(("执法机关类型无效", "Invalid authority type"))
        if not self.name.strip():
            out.append(("请输入执法机关名称（全称）", "Enter the authority's full name"))
        if not self.notice_number.strip():
            out.append(("请输入通知书编号", "Enter the notice number"))
        if not self.officers or any(not (o.name and o.id_number) for o in self.officers):
            out.append(("请输入执法人员姓名及证件号码", "Enter the officers and their IDs"))
        return out


@dataclass(frozen=True)
class CaseView:
    incident_number: str
    account: str
    action: str
    kind: str | None
    amount: int
    status: str
    starts_on: dt.date | None
    expires_on: dt.date | None
    branch: str
    authority: Authority | None
    complete: bool
    deducted_total: int = 0
    events: tuple[dict, ...] = field(default=())


def one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _authority_json(a: Authority) -> dict:
    return {"authority_type": a.type, "authority_name": a.name.strip(),
            "notice_number": a.notice_number.strip(),
            "officers": json.dumps([o.__dict__ for o in a.officers], ensure_ascii=False)}


def _authority_of(row) -> Authority | None:
    if not row.complete:
        return None
    return Authority(row.authority_type, row.authority_name, row.notice_number,
                     tuple(Officer(**o) for o in json.loads(row.officers or "[]")))


def _check_authority(authority: Authority) -> None:
    problems = authority.problems()
    if problems:
        raise PostingRefused("authority_incomplete", problems[0][0], problems[0][1])


class JudicialService:
    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = dt.datetime.now):
        self.engine = engine
        self.clock = clock

    def _now(self) -> dt.datetime:
        return self.clock().replace(tzinfo=None)

    # -- queries -------------------------------------------------------------
    def case(self, incident: str) -> CaseView | None:
        with reader(self.engine) as conn:
            return _case_view(conn, incident)

    def cases(self, account: str) -> tuple[CaseView, ...]:
        with reader(self.engine) as conn:
            ids = conn.execute(select(cases_t.c.incident_number).where(
                cases_t.c.account_number == account).order_by(cases_t.c.created_at,
                                                              cases_t.c.incident_number)
            ).scalars().all()
            return tuple(_case_view(conn, i) for i in ids)

    def incomplete(self, teller: str | None = None) -> tuple[str, ...]:
        """Incident numbers of quick freezes/deductions still missing details."""
        q = select(cases_t.c.incident_number).where(cases_t.c.complete.is_(False))
        if teller:
            q = q.where(cases_t.c.created_by == teller)
        with reader(self.engine) as conn:
            return tuple(conn.execute(q.order_by(cases_t.c.incident_number)).scalars())

    def _once(self, key: str, branch: str, work) -> CaseView:
        """``work(conn, now, business_date)`` in one transaction, once per
        ``key``: a repeated key (a retried step) gets the case its first run left."""
        def run(conn: Connection) -> CaseView:
            done = prior_event(conn, key)
            if done is not None:
                return _case_view(conn, done.incident_number)
            return work(conn, self._now(), business_date(conn, branch))
        return run_in_transaction(self.engine, run)

    # -- freeze ----------------------------------------------------------------
    def freeze(self, *, key: str, branch: str, teller: str, account: str, kind: str,
               expires_on: dt.date, amount: int = 0, authority: Authority | None = None,
               authorization: AuthGrant | None = None) -> CaseView:
        """冻结 — ``authority`` None is a quick freeze (快速冻结): details follow."""
        def work(conn: Connection, now: dt.datetime, bdate: dt.date) -> CaseView:
            lock_account(conn, account)
            if kind not in FREEZE_KINDS:
                raise PostingRefused("bad_kind", "冻结方式无效", "Invalid freeze kind")
            if kind == "freeze_partial" and amount <= 0:
                raise PostingRefused("bad_amount", "部分冻结须输入冻结金额",
                                     "A partial freeze needs an amount")
            frozen = amount if kind == "freeze_partial" else 0
            _check_term(expires_on, bdate)
            if authority is not None:
                _check_authority(authority)
            current = conn.execute(select(controls_t).where(
                controls_t.c.account_number == account, controls_t.c.kind.in_(FREEZE_KINDS),
                controls_t.c.status == "active").order_by(controls_t.c.id)).all()
            for c in current:  # CBUS §4.9.2-5: which queued kinds each freeze admits
                if (c.kind, kind) in (("freeze_one_way", "freeze_full"),
                                      ("freeze_full", "freeze_one_way")):
                    raise PostingRefused(
                        "queue_kind", f"账户已{KIND_TEXT[c.kind]}，不能轮候{KIND_TEXT[kind]}",
                        f"An account under {c.kind} cannot queue {kind}", account=account)
            queued = bool(current) or conn.execute(select(controls_t.c.id).where(
                controls_t.c.account_number == account, controls_t.c.status == "queued")
            ).first() is not None
            supervisor = check_grant(conn, authorization, teller, "freeze", "18090", now)
            incident = new_incident_number(conn, branch, bdate)
            control_id = conn.execute(insert(controls_t).values(
                account_number=account, kind=kind, amount=frozen, incident_number=incident,
                status="queued" if queued else "active", starts_on=bdate,
                expires_on=expires_on, created_by=teller, created_at=now,
                detail=json.dumps({"branch": branch}))
                .returning(controls_t.c.id)).scalar_one()
            conn.execute(insert(cases_t).values(
                incident_number=incident, account_number=account, control_id=control_id,
                action="freeze", branch_code=branch, complete=authority is not None,
                deducted_total=0, created_by=teller, created_at=now,
                **(_authority_json(authority) if authority else {})))
            record_event(conn, key=key, incident=incident, account=account, area="judicial",
                         event="queue" if queued else ("quick_freeze" if authority is None
                                                       else "freeze"),
                         amount=frozen, after={"kind": kind, "expires_on": expires_on,
                                               "status": "queued" if queued else "active"},
                         branch=branch, teller=teller, supervisor=supervisor, bdate=bdate,
                         now=now)
            return _case_view(conn, incident)
        return self._once(key, branch, work)

    def open_deduction(self, *, key: str, branch: str, teller: str, account: str,
                       authority: Authority | None,
                       authorization: AuthGrant | None = None) -> CaseView:
        """A direct deduction's case (直接扣划 / 快速扣划 when ``authority`` is None):
        the incident number the deduction posting then names."""
        def work(conn: Connection, now: dt.datetime, bdate: dt.date) -> CaseView:
            lock_account(conn, account)
            if authority is not None:
                _check_authority(authority)
            supervisor = check_grant(conn, authorization, teller, "deduct", "18090", now)
            incident = new_incident_number(conn, branch, bdate)
            conn.execute(insert(cases_t).values(
                incident_number=incident, account_number=account, control_id=None,
                action="deduction", branch_code=branch, complete=authority is not None,
                deducted_total=0, created_by=teller, created_at=now,
                **(_authority_json(authority) if authority else {})))
            record_event(conn, key=key, incident=incident, account=account, area="judicial",
                         event="open_deduction", branch=branch, teller=teller,
                         supervisor=supervisor, bdate=bdate, now=now)
            return _case_view(conn, incident)
        return self._once(key, branch, work)

    def complete(self, *, key: str, branch: str, teller: str, incident: str,
                 authority: Authority, maintenance: bool = False,
                 authorization: AuthGrant | None = None) -> CaseView:
        """补录 the authority's details of a quick freeze/deduction, or — with
        ``maintenance`` — correct them (登记簿维护)."""
        def work(conn: Connection, now: dt.datetime, bdate: dt.date) -> CaseView:
            row = _lock_case(conn, incident)
            _check_authority(authority)
            if not maintenance and row.complete:
                raise PostingRefused("case_complete", "该事故的执法信息已录入，请用登记簿维护",
                                     "The details are already there; use maintenance")
            if maintenance and not row.complete:
                raise PostingRefused("case_incomplete", "请先补录执法信息",
                                     "Fill in the details first")
            supervisor = check_grant(conn, authorization, teller, "case_details", "18090", now)
            before = {k: getattr(row, k) for k in ("authority_type", "authority_name",
                                                   "notice_number", "officers")}
            after = _authority_json(authority)
            conn.execute(update(cases_t).where(cases_t.c.incident_number == incident)
                         .values(complete=True, **after))
            record_event(conn, key=key, incident=incident, account=row.account_number,
                         area="judicial", event="maintain" if maintenance else "details",
                         before=before, after=after, branch=branch, teller=teller,
                         supervisor=supervisor, bdate=bdate, now=now)
            return _case_view(conn, incident)
        return self._once(key, branch, work)

    def inquiry(self, *, key: str, branch: str, teller: str, account: str,
                authority: Authority) -> CaseView:
        """司法查询登记: the authority looked at the account; register who and why."""
        def work(conn: Connection, now: dt.datetime, bdate: dt.date) -> CaseView:
            lock_account(conn, account)
            _check_authority(authority)
            incident = new_incident_number(conn, branch, bdate)
            conn.execute(insert(cases_t).values(
                incident_number=incident, account_number=account, control_id=None,
                action="inquiry", branch_code=branch, complete=True, deducted_total=0,
                created_by=teller, created_at=now, **_authority_json(authority)))
            record_event(conn, key=key, incident=incident, account=account, area="judicial",
                         event="inquiry", branch=branch, teller=teller, bdate=bdate, now=now)
            return _case_view(conn, incident)
        return self._once(key, branch, work)

    # -- renew / unfreeze --------------------------------------------------------
    def renew(self, *, key: str, branch: str, teller: str, incident: str,
              expires_on: dt.date, amount: int | None = None,
              authorization: AuthGrant | None = None) -> CaseView:
        def work(conn: Connection, now: dt.datetime, bdate: dt.date) -> CaseView:
            case, ctl = _lock_freeze(conn, incident)
            if case.branch_code != branch:
                raise PostingRefused("other_branch", "续冻必须在原冻结网点办理",
                                     "Renew at the freezing branch")
            if ctl.status not in ("active", "queued") or (
                    ctl.expires_on is not None and ctl.expires_on < bdate):
                raise PostingRefused("freeze_ended", "冻结已解除或已到期，不能续冻",
                                     "The freeze has ended; it cannot be renewed")
            if ctl.expires_on is not None and expires_on <= ctl.expires_on:
                raise PostingRefused(
                    "renew_not_later", f"续冻到期日必须晚于原到期日 {ctl.expires_on:%Y-%m-%d}",
                    "The renewal date must be later than the current expiry")
            _check_term(expires_on, bdate)
            new_amount = int(ctl.amount)
            if amount is not None and amount != new_amount:
                if ctl.kind != "freeze_partial":
                    raise PostingRefused("renew_amount_fixed", "全部冻结、单向冻结续冻不能修改金额",
                                         "Only a partial freeze's amount can change")
                if amount <= 0 or amount > new_amount:
                    raise PostingRefused(
                        "renew_amount_up", f"续冻金额不能大于原冻结金额 {new_amount / 100:,.2f} 元",
                        "The renewed amount may not exceed the frozen amount")
                new_amount = amount
            supervisor = check_grant(conn, authorization, teller, "renew", "18090", now)
            conn.execute(update(controls_t).where(controls_t.c.id == ctl.id).values(
                expires_on=expires_on, amount=new_amount))
            record_event(conn, key=key, incident=incident, account=ctl.account_number,
                         area="judicial", event="renew", amount=new_amount,
                         before={"expires_on": ctl.expires_on, "amount": int(ctl.amount)},
                         after={"expires_on": expires_on, "amount": new_amount},
                         branch=branch, teller=teller, supervisor=supervisor, bdate=bdate,
                         now=now)
            return _case_view(conn, incident)
        return self._once(key, branch, work)

    def unfreeze(self, *, key: str, branch: str, teller: str, incident: str,
                 authority: Authority, amount: int | None = None,
                 authorization: AuthGrant | None = None) -> CaseView:
        """解冻 — all of it, or for a partial freeze part of the amount."""
        def work(conn: Connection, now: dt.datetime, bdate: dt.date) -> CaseView:
            case, ctl = _lock_freeze(conn, incident)
            if not case.complete:
                raise PostingRefused("case_incomplete", "快速冻结尚未补录执法信息，不能解冻",
                                     "Fill in the quick freeze's details first")
            if (authority.type, authority.name.strip()) != (case.authority_type,
                                                            case.authority_name):
                raise PostingRefused("other_authority", "只有原冻结机关才能解冻",
                                     "Only the authority that froze may unfreeze")
            if case.branch_code != branch:
                raise PostingRefused("other_branch", "解冻必须在原冻结网点办理",
                                     "Unfreeze at the freezing branch")
            if ctl.status not in ("active", "queued"):
                raise PostingRefused("freeze_ended", "冻结已解除或已到期",
                                     "The freeze has already ended")
            supervisor = check_grant(conn, authorization, teller, "unfreeze", "18090", now)
            partial = (ctl.kind == "freeze_partial" and amount is not None
                       and 0 < amount < int(ctl.amount))
            if amount is not None and ctl.kind == "freeze_partial" and amount > int(ctl.amount):
                raise PostingRefused("unfreeze_above_frozen", "解冻金额不能大于冻结金额",
                                     "More than the frozen amount")
            left = int(ctl.amount) - amount if partial else 0
            values = ({"amount": left} if partial
                      else {"status": "released", "released_at": now})
            conn.execute(update(controls_t).where(controls_t.c.id == ctl.id).values(**values))
            record_event(conn, key=key, incident=incident, account=ctl.account_number,
                         area="judicial", event="unfreeze_part" if partial else "unfreeze",
                         amount=(amount if partial else int(ctl.amount)),
                         before={"status": ctl.status, "amount": int(ctl.amount)},
                         after=({"amount": left} if partial else {"status": "released"}),
                         branch=branch, teller=teller, supervisor=supervisor, bdate=bdate,
                         now=now)
            if not partial and ctl.status == "active":
                activate_queued(conn, ctl.account_number, bdate, now, cause=incident,
                                teller=teller)
            return _case_view(conn, incident)
        return self._once(key, branch, work)


def _check_term(expires_on: dt.date | None, bdate: dt.date) -> None:
    if expires_on is None or expires_on < bdate:
        raise PostingRefused("bad_expiry", "冻结到期日不能早于营业日期",
                             "The freeze must end on or after the business date")
    if expires_on > one_year_after(bdate):
        raise PostingRefused("over_one_year", "冻结期限最长不得超过1年",
                             "A freeze lasts at most one year")


def _lock_case(conn: Connection, incident: str):
    row = conn.execute(select(cases_t).where(cases_t.c.incident_number == incident)
                       .with_for_update()).first()
    if row is None:
        raise PostingRefused("no_incident", f"事故编号 {incident} 不存在",
                             f"No incident {incident}")
    return row


def _lock_freeze(conn: Connection, incident: str):
    case = conn.execute(select(cases_t).where(cases_t.c.incident_number == incident)).first()
    if case is None or case.control_id is None:
        raise PostingRefused("no_incident", f"冻结事故 {incident} 不存在",
                             f"No freeze incident {incident}")
    lock_account(conn, case.account_number)  # accounts before controls: the lock order
    ctl = conn.execute(select(controls_t).where(controls_t.c.id == case.control_id)
                       .with_for_update()).one()
    return _lock_case(conn, incident), ctl


def activate_queued(conn: Connection, account: str, bdate: dt.date, now: dt.datetime, *,
                    cause: str, teller: str) -> list[dict]:
    """The earliest queued freeze of ``account`` takes effect, with its own amount
    (queued ones that expired while waiting end instead)."""
    changed: list[dict] = []
    if conn.execute(select(controls_t.c.id).where(
            controls_t.c.account_number == account, controls_t.c.kind.in_(FREEZE_KINDS),
            controls_t.c.status == "active")).first() is not None:
        return changed
    for row in conn.execute(select(controls_t).where(
            controls_t.c.account_number == account, controls_t.c.status == "queued")
            .order_by(controls_t.c.id)).all():
        branch = json.loads(row.detail or "{}").get("branch", "")
        if row.expires_on is not None and row.expires_on < bdate:
            conn.execute(update(controls_t).where(controls_t.c.id == row.id).values(
                status="expired", released_at=now))
            record_event(conn, incident=row.incident_number, account=account, area="judicial",
                         event="expire", amount=int(row.amount), branch=branch, teller=teller,
                         bdate=bdate, now=now, before={"status": "queued"},
                         after={"status": "expired"})
            changed.append({"incident": row.incident_number, "event": "expire",
                            "kind": row.kind})
            continue
        conn.execute(update(controls_t).where(controls_t.c.id == row.id).values(
            status="active", starts_on=bdate))
        record_event(conn, incident=row.incident_number, account=account, area="judicial",
                     event="activate", amount=int(row.amount), branch=branch, teller=teller,
                     bdate=bdate, now=now, before={"status": "queued"},
                     after={"status": "active", "caused_by": cause})
        changed.append({"incident": row.incident_number, "event": "activate", "kind": row.kind,
                        "amount": int(row.amount), "caused_by": cause})
        break
    return changed


# -- posting engine hook -------------------------------------------------------------
def deduction_effect(conn: Connection, req: EntryRequest, entry_id: int, bdate: dt.date,
                     accounts: dict, subjects: dict, now: dt.datetime, *,
                     reversal: bool) -> None:
    incident = incident_of_step(req.step, JUDICIAL_STEP)
    case = conn.execute(select(cases_t).where(cases_t.c.incident_number == incident)
                        .with_for_update()).first() if incident else None
    if case is None or case.action not in ("freeze", "deduction"):
        raise PostingRefused("no_case", "协助扣划须指定冻结或扣划事故编号",
                             "A judicial deduction must name its incident")
    account = case.account_number
    if account not in accounts:
        raise PostingRefused("case_account_mismatch", "扣划账户与事故不符",
                             "The account is not the incident's", account=account)
    amount = debited_amount(req, account, accounts, subjects, reversal)
    if amount <= 0:
        raise PostingRefused("case_account_mismatch", "扣划账户与事故不符",
                             "The account is not the incident's", account=account)
    if any(accounts[leg.account].kind in CASH_KINDS for leg in req.legs):
        raise PostingRefused("deduction_cash", "扣划只能转账，不得支取现金",
                             "A deduction is by transfer only, never cash", account=account)
    ctl = None
    if case.control_id is not None:
        ctl = conn.execute(select(controls_t).where(controls_t.c.id == case.control_id)
                           .with_for_update()).one()
    supervisor = req.authorization.supervisor if req.authorization else None
    if reversal:
        conn.execute(update(cases_t).where(cases_t.c.incident_number == incident).values(
            deducted_total=int(case.deducted_total) - amount))
        if ctl is not None and ctl.kind == "freeze_partial":
            if ctl.status == "deducted":
                _requeue_activated(conn, account, incident)
            conn.execute(update(controls_t).where(controls_t.c.id == ctl.id).values(
                amount=int(ctl.amount) + amount,
                **({"status": "active", "released_at": None} if ctl.status == "deducted"
                   else {})))
        record_event(conn, incident=incident, account=account, area="judicial",
                     event="deduct_reversed", amount=amount, entry_id=entry_id,
                     branch=req.branch, teller=req.teller, supervisor=supervisor, bdate=bdate,
                     now=now)
        return
    if ctl is not None:
        if ctl.status != "active":
            raise PostingRefused("freeze_not_active", "该冻结尚未生效或已解除，不能扣划",
                                 "The freeze is not in force", account=account)
        if ctl.kind == "freeze_partial" and amount > int(ctl.amount):
            raise PostingRefused(
                "deduction_above_frozen",
                f"部分冻结的扣划金额不能大于冻结金额 {int(ctl.amount) / 100:,.2f} 元",
                "A deduction may not exceed the partially frozen amount", account=account)
    conn.execute(update(cases_t).where(cases_t.c.incident_number == incident).values(
        deducted_total=int(case.deducted_total) + amount))
    record_event(conn, incident=incident, account=account, area="judicial", event="deduct",
                 amount=amount, entry_id=entry_id, branch=req.branch, teller=req.teller,
                 supervisor=supervisor, bdate=bdate, now=now,
                 before={"frozen": int(ctl.amount) if ctl is not None else None})
    if ctl is not None and ctl.kind == "freeze_partial":
        left = int(ctl.amount) - amount
        conn.execute(update(controls_t).where(controls_t.c.id == ctl.id).values(
            amount=left, **({"status": "deducted", "released_at": now} if left == 0 else {})))
        if left == 0:  # all of it deducted: the freeze lifts, the queue moves up
            activate_queued(conn, account, bdate, now, cause=incident, teller=req.teller)


def _requeue_activated(conn: Connection, account: str, cause: str) -> None:
    """Undo the activation a lifted freeze caused (its deduction was reversed)."""
    events_t = AccountControl.metadata.tables["control_events"]
    rows = conn.execute(select(events_t.c.incident_number, events_t.c.after).where(
        events_t.c.account_number == account, events_t.c.event == "activate")).all()
    for r in rows:
        if json.loads(r.after).get("caused_by") == cause:
            conn.execute(update(controls_t).where(
                controls_t.c.incident_number == r.incident_number,
                controls_t.c.status == "active").values(status="queued"))


def _case_view(conn: Connection, incident: str) -> CaseView | None:
    row = conn.execute(select(cases_t).where(cases_t.c.incident_number == incident)).first()
    if row is None:
        return None
    ctl = (conn.execute(select(controls_t).where(controls_t.c.id == row.control_id)).first()
           if row.control_id is not None else None)
    events_t = AccountControl.metadata.tables["control_events"]
    events = tuple({"event": e.event, "amount": int(e.amount), "date": e.business_date,
                    "teller": e.teller_code, "supervisor": e.supervisor_code,
                    "entry_id": e.entry_id}
                   for e in conn.execute(select(events_t).where(
                       events_t.c.incident_number == incident).order_by(events_t.c.id)))
    return CaseView(
        incident_number=incident, account=row.account_number, action=row.action,
        kind=ctl.kind if ctl is not None else None,
        amount=int(ctl.amount) if ctl is not None else 0,
        status=ctl.status if ctl is not None else ("open" if row.action != "inquiry"
                                                   else "done"),
        starts_on=ctl.starts_on if ctl is not None else None,
        expires_on=ctl.expires_on if ctl is not None else None, branch=row.branch_code,
        authority=_authority_of(row), complete=bool(row.complete),
        deducted_total=int(row.deducted_total), events=events)
