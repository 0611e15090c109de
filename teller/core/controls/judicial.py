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

Every change is a step posted through the kernel with its attachment
(:class:`Freeze`, :class:`Renewal`, :class:`Unfreeze`, :class:`CaseDetails`,
:class:`JudicialInquiry`: :class:`JudicialRule`); a deduction is a transfer
carrying :class:`JudicialDeduction` (:class:`JudicialDeductionRule`), the one
purpose that may debit a frozen or reported-lost account.

Worked example (runnable in ``tests/transactions/test_judicial.py``)::

    court = Authority("court", "演示市人民法院", "(2026)演执字第1号",
                      (Officer("李法官", "work_id", "FY001"),))
    posted = core.post(EntryRequest(..., txn_code="18090", step="submit", reversible=False,
                                    attachments=(Freeze(acct, "freeze_partial",
                                                        dt.date(2027, 5, 1), 100_000, court),),
                                    authorization=AuthGrant("S002", "A")))
    core.judicial.case(posted.fact("incident_number")).status   # 'active' (or 'queued')
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.controls.common import (
    FREEZE_KINDS, KIND_TEXT, lock_account, new_incident_number,
    record_event, record_step_event, require_for, supervisor_of,
)
from teller.core.controls.models import AccountControl, ControlEvent, JudicialCase
from teller.core.controls.rules import CASH_KINDS
from teller.core.ledger.db import reader
from teller.core.ledger.records import Attachment, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule

controls_t = AccountControl.__table__
cases_t = JudicialCase.__table__
events_t = ControlEvent.__table__

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


# -- the steps ---------------------------------------------------------------------
@dataclass(frozen=True)
class Freeze(Attachment, wire_name="judicial.freeze"):
    """冻结 — ``authority`` None is a quick freeze (快速冻结): details follow."""

    account: str
    kind: str
    expires_on: dt.date
    amount: int = 0
    authority: Authority | None = None


@dataclass(frozen=True)
class JudicialInquiry(Attachment, wire_name="judicial.inquiry"):
    """司法查询登记: the authority looked at the account; register who and why."""

    account: str
    authority: Authority


@dataclass(frozen=True)
class CaseDetails(Attachment, wire_name="judicial.details"):
    """补录 the authority's details of a quick freeze/deduction, or — with
    ``maintenance`` — correct them (登记簿维护)."""

    incident: str
    authority: Authority
    maintenance: bool = False


@dataclass(frozen=True)
class Renewal(Attachment, wire_name="judicial.renew"):
    """续冻 to a later date; a partial freeze's amount may drop, never rise."""

    incident: str
    expires_on: dt.date
    amount: int | None = None


@dataclass(frozen=True)
class Unfreeze(Attachment, wire_name="judicial.unfreeze"):
    """解冻 — all of it, or for a partial freeze part of the amount."""

    incident: str
    authority: Authority
    amount: int | None = None


@dataclass(frozen=True)
class JudicialDeduction(Attachment, wire_name="judicial.deduction",
                        purpose="judicial_deduction"):
    """协助扣划 from ``account``: under the freeze or deduction case ``incident``,
    or — with no incident — a direct deduction (直接扣划) whose case the step
    opens, ``authority`` None being a quick one (快速扣划)."""

    account: str
    incident: str = ""
    authority: Authority | None = None


STEPS = (Freeze, JudicialInquiry, CaseDetails, Renewal, Unfreeze)


class JudicialRule(PostingRule):
    """18090's freezes, renewals, unfreezing, inquiries and case details, each a
    step of its own (irreversible: a freeze is unfrozen, never reversed)."""

    name = "judicial.assistance"

    def applies(self, request) -> bool:
        return any(isinstance(a, STEPS) for a in request.attachments)

    def admit(self, p: Posting) -> None:
        if p.request.reversible:
            raise PostingRefused("irreversible_step", "冻结、解冻等协助执法业务不能冲正",
                                 "Freezes and their maintenance cannot be reversed")

    def write(self, p: Posting) -> None:
        for a in p.request.attachments:
            handler = _HANDLERS.get(type(a))
            if handler is not None:
                handler(p, a)


def _freeze(p: Posting, a: Freeze) -> None:
    conn, bdate, branch, teller = p.conn, p.business_date, p.request.branch, p.request.teller
    lock_account(conn, a.account)
    if a.kind not in FREEZE_KINDS:
        raise PostingRefused("bad_kind", "冻结方式无效", "Invalid freeze kind")
    if a.kind == "freeze_partial" and a.amount <= 0:
        raise PostingRefused("bad_amount", "部分冻结须输入冻结金额",
                             "A partial freeze needs an amount")
    frozen = a.amount if a.kind == "freeze_partial" else 0
    _check_term(a.expires_on, bdate)
    if a.authority is not None:
        _check_authority(a.authority)
    current = conn.execute(select(controls_t).where(
        controls_t.c.account_number == a.account, controls_t.c.kind.in_(FREEZE_KINDS),
        controls_t.c.status == "active").order_by(controls_t.c.id)).all()
    for c in current:  # CBUS §4.9.2-5: which queued kinds each freeze admits
        if (c.kind, a.kind) in (("freeze_one_way", "freeze_full"),
                                ("freeze_full", "freeze_one_way")):
            raise PostingRefused(
                "queue_kind", f"账户已{KIND_TEXT[c.kind]}，不能轮候{KIND_TEXT[a.kind]}",
                f"An account under {c.kind} cannot queue {a.kind}", account=a.account)
    queued = bool(current) or conn.execute(select(controls_t.c.id).where(
        controls_t.c.account_number == a.account, controls_t.c.status == "queued")
    ).first() is not None
    require_for(p, "freeze")
    incident = new_incident_number(conn, branch, bdate)
    control_id = conn.execute(insert(controls_t).values(
        account_number=a.account, kind=a.kind, amount=frozen, incident_number=incident,
        status="queued" if queued else "active", starts_on=bdate,
        expires_on=a.expires_on, created_by=teller, created_at=p.now,
        detail=json.dumps({"branch": branch}))
        .returning(controls_t.c.id)).scalar_one()
    conn.execute(insert(cases_t).values(
        incident_number=incident, account_number=a.account, control_id=control_id,
        action="freeze", branch_code=branch, complete=a.authority is not None,
        deducted_total=0, created_by=teller, created_at=p.now,
        **(_authority_json(a.authority) if a.authority else {})))
    record_step_event(p, incident=incident, account=a.account, area="judicial",
                      event="queue" if queued else ("quick_freeze" if a.authority is None
                                                    else "freeze"),
                      amount=frozen, after={"kind": a.kind, "expires_on": a.expires_on,
                                            "status": "queued" if queued else "active"})


def _open_deduction(p: Posting, a: JudicialDeduction) -> str:
    """A direct deduction's case (直接扣划 / 快速扣划): the incident it then names."""
    if a.authority is not None:
        _check_authority(a.authority)
    incident = new_incident_number(p.conn, p.request.branch, p.business_date)
    p.conn.execute(insert(cases_t).values(
        incident_number=incident, account_number=a.account, control_id=None,
        action="deduction", branch_code=p.request.branch, complete=a.authority is not None,
        deducted_total=0, created_by=p.request.teller, created_at=p.now,
        **(_authority_json(a.authority) if a.authority else {})))
    record_step_event(p, incident=incident, account=a.account, area="judicial",
                      event="open_deduction")
    return incident


def _details(p: Posting, a: CaseDetails) -> None:
    row = _lock_case(p.conn, a.incident)
    _check_authority(a.authority)
    if not a.maintenance and row.complete:
        raise PostingRefused("case_complete", "该事故的执法信息已录入，请用登记簿维护",
                             "The details are already there; use maintenance")
    if a.maintenance and not row.complete:
        raise PostingRefused("case_incomplete", "请先补录执法信息",
                             "Fill in the details first")
    require_for(p, "case_details")
    before = {k: getattr(row, k) for k in ("authority_type", "authority_name",
                                           "notice_number", "officers")}
    after = _authority_json(a.authority)
    p.conn.execute(update(cases_t).where(cases_t.c.incident_number == a.incident)
                   .values(complete=True, **after))
    record_step_event(p, incident=a.incident, account=row.account_number, area="judicial",
                      event="maintain" if a.maintenance else "details",
                      before=before, after=after)


def _inquiry(p: Posting, a: JudicialInquiry) -> None:
    lock_account(p.conn, a.account)
    _check_authority(a.authority)
    incident = new_incident_number(p.conn, p.request.branch, p.business_date)
    p.conn.execute(insert(cases_t).values(
        incident_number=incident, account_number=a.account, control_id=None,
        action="inquiry", branch_code=p.request.branch, complete=True, deducted_total=0,
        created_by=p.request.teller, created_at=p.now, **_authority_json(a.authority)))
    record_step_event(p, incident=incident, account=a.account, area="judicial",
                      event="inquiry")


def _renew(p: Posting, a: Renewal) -> None:
    bdate = p.business_date
    case, ctl = _lock_freeze(p.conn, a.incident)
    if case.branch_code != p.request.branch:
        raise PostingRefused("other_branch", "续冻必须在原冻结网点办理",
                             "Renew at the freezing branch")
    if ctl.status not in ("active", "queued") or (
            ctl.expires_on is not None and ctl.expires_on < bdate):
        raise PostingRefused("freeze_ended", "冻结已解除或已到期，不能续冻",
                             "The freeze has ended; it cannot be renewed")
    if ctl.expires_on is not None and a.expires_on <= ctl.expires_on:
        raise PostingRefused(
            "renew_not_later", f"续冻到期日必须晚于原到期日 {ctl.expires_on:%Y-%m-%d}",
            "The renewal date must be later than the current expiry")
    _check_term(a.expires_on, bdate)
    new_amount = int(ctl.amount)
    if a.amount is not None and a.amount != new_amount:
        if ctl.kind != "freeze_partial":
            raise PostingRefused("renew_amount_fixed", "全部冻结、单向冻结续冻不能修改金额",
                                 "Only a partial freeze's amount can change")
        if a.amount <= 0 or a.amount > new_amount:
            raise PostingRefused(
                "renew_amount_up", f"续冻金额不能大于原冻结金额 {new_amount / 100:,.2f} 元",
                "The renewed amount may not exceed the frozen amount")
        new_amount = a.amount
    require_for(p, "renew")
    p.conn.execute(update(controls_t).where(controls_t.c.id == ctl.id).values(
        expires_on=a.expires_on, amount=new_amount))
    record_step_event(p, incident=a.incident, account=ctl.account_number, area="judicial",
                      event="renew", amount=new_amount,
                      before={"expires_on": ctl.expires_on, "amount": int(ctl.amount)},
                      after={"expires_on": a.expires_on, "amount": new_amount})


def _unfreeze(p: Posting, a: Unfreeze) -> None:
    case, ctl = _lock_freeze(p.conn, a.incident)
    if not case.complete:
        raise PostingRefused("case_incomplete", "快速冻结尚未补录执法信息，不能解冻",
                             "Fill in the quick freeze's details first")
    if (a.authority.type, a.authority.name.strip()) != (case.authority_type,
                                                        case.authority_name):
        raise PostingRefused("other_authority", "只有原冻结机关才能解冻",
                             "Only the authority that froze may unfreeze")
    if case.branch_code != p.request.branch:
        raise PostingRefused("other_branch", "解冻必须在原冻结网点办理",
                             "Unfreeze at the freezing branch")
    if ctl.status not in ("active", "queued"):
        raise PostingRefused("freeze_ended", "冻结已解除或已到期",
                             "The freeze has already ended")
    require_for(p, "unfreeze")
    amount = a.amount
    partial = (ctl.kind == "freeze_partial" and amount is not None
               and 0 < amount < int(ctl.amount))
    if amount is not None and ctl.kind == "freeze_partial" and amount > int(ctl.amount):
        raise PostingRefused("unfreeze_above_frozen", "解冻金额不能大于冻结金额",
                             "More than the frozen amount")
    left = int(ctl.amount) - amount if partial else 0
    values = ({"amount": left} if partial else {"status": "released", "released_at": p.now})
    p.conn.execute(update(controls_t).where(controls_t.c.id == ctl.id).values(**values))
    record_step_event(p, incident=a.incident, account=ctl.account_number, area="judicial",
                      event="unfreeze_part" if partial else "unfreeze",
                      amount=(amount if partial else int(ctl.amount)),
                      before={"status": ctl.status, "amount": int(ctl.amount)},
                      after=({"amount": left} if partial else {"status": "released"}))
    if not partial and ctl.status == "active":
        activate_queued(p.conn, ctl.account_number, p.business_date, p.now, cause=a.incident,
                        teller=p.request.teller)


_HANDLERS = {Freeze: _freeze, JudicialInquiry: _inquiry, CaseDetails: _details,
             Renewal: _renew, Unfreeze: _unfreeze}


class JudicialService:
    """18090's look-ups (the changes are posted steps, above)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

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


# -- 协助扣划: the deduction's own rule ------------------------------------------------
class JudicialDeductionRule(PostingRule):
    """A court deduction names its case (or opens one), is by transfer only,
    takes at most a partial freeze's amount and uses it up (lifting the freeze
    when all is taken, so the queue moves up); its reversal gives it back."""

    name = "judicial.deduction"

    def applies(self, request) -> bool:
        return request.reverses_entry_id is not None or \
            request.one(JudicialDeduction) is not None

    def check(self, p: Posting) -> None:
        a = p.request.one(JudicialDeduction)
        if a is None:
            return
        if any(acct.kind in CASH_KINDS for acct in p.accounts.values()):
            raise PostingRefused("deduction_cash", "扣划只能转账，不得支取现金",
                                 "A deduction is by transfer only, never cash", account=a.account)
        taken = -p.net(a.account) if a.account in p.accounts else 0
        if taken <= 0:
            raise PostingRefused("case_account_mismatch", "扣划账户与事故不符",
                                 "The account is not the incident's", account=a.account)
        require_for(p, "deduct")
        if not a.incident:
            return  # a direct deduction: its case is opened by write
        case = p.conn.execute(select(cases_t).where(cases_t.c.incident_number == a.incident)
                              .with_for_update()).first()
        if case is None or case.action not in ("freeze", "deduction"):
            raise PostingRefused("no_case", "协助扣划须指定冻结或扣划事故编号",
                                 "A judicial deduction must name its incident")
        if case.account_number != a.account:
            raise PostingRefused("case_account_mismatch", "扣划账户与事故不符",
                                 "The account is not the incident's", account=a.account)
        if case.control_id is not None:
            ctl = p.conn.execute(select(controls_t).where(controls_t.c.id == case.control_id)
                                 .with_for_update()).one()
            if ctl.status != "active":
                raise PostingRefused("freeze_not_active", "该冻结尚未生效或已解除，不能扣划",
                                     "The freeze is not in force", account=a.account)
            if ctl.kind == "freeze_partial" and taken > int(ctl.amount):
                raise PostingRefused(
                    "deduction_above_frozen",
                    f"部分冻结的扣划金额不能大于冻结金额 {int(ctl.amount) / 100:,.2f} 元",
                    "A deduction may not exceed the partially frozen amount", account=a.account)

    def write(self, p: Posting) -> None:
        a = p.request.one(JudicialDeduction)
        if a is None:
            return
        taken = -p.net(a.account)
        incident = a.incident or _open_deduction(p, a)
        case = p.conn.execute(select(cases_t).where(cases_t.c.incident_number == incident)).one()
        ctl = (p.conn.execute(select(controls_t).where(controls_t.c.id == case.control_id)).one()
               if case.control_id is not None else None)
        p.conn.execute(update(cases_t).where(cases_t.c.incident_number == incident).values(
            deducted_total=int(case.deducted_total) + taken))
        record_event(p.conn, incident=incident, account=a.account, area="judicial",
                     event="deduct", amount=taken, entry_id=p.entry_id, branch=p.request.branch,
                     teller=p.request.teller, supervisor=supervisor_of(p),
                     bdate=p.business_date, now=p.now,
                     before={"frozen": int(ctl.amount) if ctl is not None else None})
        if ctl is not None and ctl.kind == "freeze_partial":
            left = int(ctl.amount) - taken
            p.conn.execute(update(controls_t).where(controls_t.c.id == ctl.id).values(
                amount=left, **({"status": "deducted", "released_at": p.now} if left == 0
                                else {})))
            if left == 0:  # all of it deducted: the freeze lifts, the queue moves up
                activate_queued(p.conn, a.account, p.business_date, p.now, cause=incident,
                                teller=p.request.teller)

    def undo(self, p: Posting) -> None:
        assert p.original is not None
        for ev in p.conn.execute(select(events_t).where(
                events_t.c.entry_id == p.original.id, events_t.c.area == "judicial",
                events_t.c.event == "deduct")).all():
            incident, account, amount = ev.incident_number, ev.account_number, int(ev.amount)
            case = p.conn.execute(select(cases_t).where(cases_t.c.incident_number == incident)
                                  .with_for_update()).one()
            p.conn.execute(update(cases_t).where(cases_t.c.incident_number == incident).values(
                deducted_total=int(case.deducted_total) - amount))
            if case.control_id is not None:
                ctl = p.conn.execute(select(controls_t).where(
                    controls_t.c.id == case.control_id).with_for_update()).one()
                if ctl.kind == "freeze_partial":
                    if ctl.status == "deducted":
                        _requeue_activated(p.conn, account, incident)
                    p.conn.execute(update(controls_t).where(controls_t.c.id == ctl.id).values(
                        amount=int(ctl.amount) + amount,
                        **({"status": "active", "released_at": None}
                           if ctl.status == "deducted" else {})))
            record_event(p.conn, incident=incident, account=account, area="judicial",
                         event="deduct_reversed", amount=amount, entry_id=p.entry_id,
                         branch=p.request.branch, teller=p.request.teller,
                         supervisor=supervisor_of(p), bdate=p.business_date, now=p.now)


def _requeue_activated(conn: Connection, account: str, cause: str) -> None:
    """Undo the activation a lifted freeze caused (its deduction was reversed)."""
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
