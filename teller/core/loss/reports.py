"""Loss reports (挂失, CBUS 18010) in the core; the follow-up (18020) builds on this
module in :mod:`teller.core.loss.follow_up`.

Every rule of CBUS §4.1 is checked here, inside the transaction that
writes, so the GUI, the API and a later replay all meet the same rules:

- kinds: oral 口头 (counter or phone; in force 5 days counting the first, then
  it lapses by itself), written 书面, password 密码 (personal only), voucher +
  password 凭证+密码 (personal only). A written report may follow an oral one
  (the oral incident is superseded); an oral one may not follow a written one.
- effect: an ``account_controls`` row of kind ``loss_report`` with the
  incident number — the posting engine then lets deposits in and refuses
  withdrawals and transfers out (judicial deduction and loan repayment pass).
- a card's password report after an oral one covers it (one incident); on a
  passbook the two stay separate and the password one is handled first.
- follow-up: release 解挂, reissue 补发 (new medium, old one void), new
  password 密码补设, close 挂失销户 (not while frozen) — no agents except a
  guardian of a holder under 16.

Worked example (runnable in ``tests/transactions/test_loss_reports.py``)::

    posted = core.post(EntryRequest(key="T01-x-00-0", branch="0101", teller="T001",
                                    terminal="T01", txn_code="18010", step="report",
                                    reversible=False,
                                    attachments=(LossReport(acct, "oral"),)))
    posted.fact("incident_number")      # '0101182611230000001' — 19 digits
    # 18020 lives in teller.core.loss.follow_up (LossService extends this class)

Each is a step through the kernel: repeated with the same key it returns the
first result and changes nothing.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.accounts.pin_verifier import PinAttemptPolicy, PinVerifier
from teller.core.accounts.rules import proof_for, verify_proof
from teller.core.controls.models import AccountControl
from teller.core.customers.models import Customer
from teller.core.ledger import models as m
from teller.core.ledger.accounts import internal_account, next_number
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.records import Attachment, Leg, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.core.loss.models import LossFeeRate, LossIncident

incidents_t = LossIncident.__table__
fees_t = LossFeeRate.__table__
accounts_t = m.Account.__table__
controls_t = AccountControl.__table__
customers_t = Customer.__table__
branches_t = m.Branch.__table__
audit_t = m.AuditEvent.__table__

ORAL, WRITTEN, PASSWORD, VOUCHER_PASSWORD = "oral", "written", "password", "voucher_password"
KIND_TEXT = {ORAL: ("口头挂失", "oral report"), WRITTEN: ("书面挂失", "written report"),
             PASSWORD: ("密码挂失", "password loss"),
             VOUCHER_PASSWORD: ("凭证+密码挂失", "voucher and password loss")}
VOUCHER_KINDS = frozenset({ORAL, WRITTEN, VOUCHER_PASSWORD})
PASSWORD_KINDS = frozenset({PASSWORD, VOUCHER_PASSWORD})
ORAL_DAYS = 5  # 算头不算尾: reported on D, in force D..D+4, lapsed on D+5
FREEZE_KINDS = ("freeze_full", "freeze_partial", "freeze_one_way")
CUSTOMER_KINDS = ("personal_current", "personal_time", "unit_current", "unit_time")



@dataclass(frozen=True)
class Agent:
    """代理人 (or 监护人 for a minor in 18020): who acted for the holder."""

    name: str
    id_type: str
    id_number: str
    relation: str = "agent"  # 'agent' | 'guardian'


@dataclass(frozen=True)
class LossReport(Attachment, wire_name="loss.report"):
    """18010: report ``account`` lost. A written report takes the holder's PIN
    (:class:`~teller.core.accounts.rules.PinProof`) when the password is in
    order; a fee (the bank's, by kind) comes in cash in the same entry."""

    account: str
    kind: str
    channel: str = "counter"
    agent: Agent | None = None
    remark: str = ""


@dataclass(frozen=True)
class IncidentInfo:
    incident_number: str
    account: str
    kind: str
    channel: str
    status: str
    business_date: dt.date
    expires_on: dt.date | None
    medium_kind: str | None
    medium_number: str | None
    fee_fen: int
    supersedes: str | None = None
    new_medium_number: str | None = None

    @property
    def kind_text(self) -> str:
        return KIND_TEXT[self.kind][0]


@dataclass(frozen=True)
class CustomerAccount:
    """An account listed by a customer's document, with what may be reported now."""

    number: str
    kind: str
    status: str
    medium_kind: str | None
    medium_number: str | None
    has_password: bool
    options: tuple[str, ...]


def refused(code: str, zh: str, en: str, account: str | None = None) -> PostingRefused:
    return PostingRefused(code, zh, en, account=account)


def _info(r) -> IncidentInfo:
    return IncidentInfo(r.incident_number, r.account_number, r.kind, r.channel, r.status,
                        r.business_date, r.expires_on, r.medium_kind, r.medium_number,
                        int(r.fee_fen), r.supersedes, r.new_medium_number)


def in_force(conn: Connection, account: str, bdate: dt.date) -> list:
    """Active incidents of ``account`` on ``bdate`` (a lapsed oral one is not)."""
    return conn.execute(select(incidents_t).where(
        incidents_t.c.account_number == account, incidents_t.c.status == "active",
        or_(incidents_t.c.expires_on.is_(None), incidents_t.c.expires_on >= bdate))
        .order_by(incidents_t.c.business_date, incidents_t.c.incident_number)).all()


def report_options(acct, customer_kind: str, active_kinds: set[str]) -> tuple[str, ...]:
    """Which kinds may be reported on this account now (the manual's 自动判断).

    >>> report_options(type("A", (), {"pin_verification_value": "x", "status": "normal",
    ...                               "kind": "personal_current"})(), "personal", {"written"})
    ('password',)
    """
    if acct.status in ("closed", "settled") or acct.kind not in CUSTOMER_KINDS:
        return ()
    personal = customer_kind == "personal"
    has_pin = acct.pin_verification_value is not None
    voucher_lost = bool(active_kinds & {WRITTEN, VOUCHER_PASSWORD})
    password_lost = bool(active_kinds & PASSWORD_KINDS)
    out = []
    if not voucher_lost and ORAL not in active_kinds:
        out.append(ORAL)
    if not voucher_lost:
        out.append(WRITTEN)
    if personal and has_pin and not password_lost:
        out.append(PASSWORD)
        if not voucher_lost:
            out.append(VOUCHER_PASSWORD)
    return tuple(out)


def kind_refusal(kind: str, acct, customer_kind: str, active: set[str]) -> PostingRefused:
    """Why ``kind`` is not among :func:`report_options` — in the manual's words."""
    n = acct.number
    if acct.status in ("closed", "settled"):
        return refused("loss_account_closed", "账户已销户或结清，不能挂失",
                       "The account is closed", n)
    if acct.kind not in CUSTOMER_KINDS:
        return refused("loss_not_customer", "内部账户不能挂失", "Not a customer account", n)
    if kind == ORAL and active & {WRITTEN, VOUCHER_PASSWORD}:
        return refused("loss_oral_after_written", "已书面挂失，不能再办理口头挂失",
                       "A written report stands; an oral one cannot follow it", n)
    if kind == ORAL and ORAL in active:
        return refused("loss_oral_exists", "账户已口头挂失，可办理书面挂失",
                       "Already reported orally; a written report may follow", n)
    if kind in (WRITTEN, VOUCHER_PASSWORD) and active & {WRITTEN, VOUCHER_PASSWORD}:
        return refused("loss_written_exists", "账户凭证已书面挂失", "Already reported in writing",
                       n)
    if kind in PASSWORD_KINDS and customer_kind != "personal":
        return refused("loss_password_unit", "密码挂失仅限个人客户",
                       "Password loss is for personal customers only", n)
    if kind in PASSWORD_KINDS and acct.pin_verification_value is None:
        return refused("loss_no_password", "该账户未设置密码，不能办理密码挂失",
                       "The account has no password", n)
    if kind in PASSWORD_KINDS and active & PASSWORD_KINDS:
        return refused("loss_password_exists", "账户密码已挂失", "The password is already reported",
                       n)
    return refused("loss_kind", "该账户不能办理此类挂失", "This kind of report is not allowed", n)


class LossReportService:
    """18010 / 18020 and the oral-report expiry, through one engine."""

    def __init__(self, engine: Engine, *,
                 clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.engine = engine
        self.clock = clock

    # -- reading -------------------------------------------------------------
    def customer_accounts(self, id_type: str, id_number: str) -> tuple[int, str, str,
                                                                       tuple[CustomerAccount, ...]]:
        """(customer id, name, kind, accounts) of the holder of this document;
        raises when nobody holds it."""
        with reader(self.engine) as conn:
            cust = self._customer(conn, id_type, id_number)
            rows = conn.execute(select(accounts_t).where(accounts_t.c.customer_id == cust.id)
                                .order_by(accounts_t.c.number)).all()
            out = []
            for a in rows:
                bdate = self._bdate(conn, a.branch_code)
                active = {r.kind for r in in_force(conn, a.number, bdate)}
                out.append(CustomerAccount(a.number, a.kind, a.status, a.medium_kind,
                                           a.medium_number, a.pin_verification_value is not None,
                                           report_options(a, cust.kind, active)))
        return cust.id, cust.name, cust.kind, tuple(out)

    def incident(self, number: str) -> IncidentInfo | None:
        with reader(self.engine) as conn:
            r = conn.execute(select(incidents_t).where(
                incidents_t.c.incident_number == number)).first()
        return _info(r) if r else None

    def set_fee(self, kind: str, fee_fen: int, *, user: str, terminal: str = "") -> None:
        """Configure the bank's fee for a kind of report (0 = free); audited."""
        if kind not in KIND_TEXT or isinstance(fee_fen, bool) or not isinstance(fee_fen, int) \
                or fee_fen < 0:
            raise refused("loss_fee", "挂失手续费设置无效", "Invalid loss fee setting")

        def work(conn: Connection) -> None:
            old = self._fee(conn, kind)
            if conn.execute(select(fees_t.c.kind).where(fees_t.c.kind == kind)).first():
                conn.execute(update(fees_t).where(fees_t.c.kind == kind).values(fee_fen=fee_fen))
            else:
                conn.execute(insert(fees_t).values(kind=kind, fee_fen=fee_fen))
            self._audit(conn, user, terminal, "loss_fee_set", self.clock().replace(tzinfo=None),
                        {"kind": kind, "old_fen": old, "new_fen": fee_fen})
        run_in_transaction(self.engine, work)

    def fee_for(self, kind: str) -> int:
        with reader(self.engine) as conn:
            return self._fee(conn, kind)

    def report_problem(self, account: str, kind: str, channel: str = "counter"
                       ) -> PostingRefused | None:
        """Why :meth:`report` would refuse this now (for a page's early message)."""
        if kind not in KIND_TEXT:
            return refused("loss_kind", "挂失种类不正确", "Unknown kind of report")
        if channel == "phone" and kind != ORAL:
            return refused("loss_channel", "电话渠道只能办理口头挂失",
                           "Only an oral report may come by phone")
        with reader(self.engine) as conn:
            acct = conn.execute(select(accounts_t).where(accounts_t.c.number == account)).first()
            if acct is None:
                return refused("no_account", f"账户 {account} 不存在", f"No account {account}")
            cust = conn.execute(select(customers_t.c.kind).where(
                customers_t.c.id == acct.customer_id)).scalar() or ""
            active = {r.kind for r in in_force(conn, acct.number,
                                               self._bdate(conn, acct.branch_code))}
        if kind == ORAL and cust == "unit" and channel != "counter":
            return refused("loss_channel", "单位客户口头挂失仅限柜面渠道",
                           "Units report orally at the counter only", account)
        if kind not in report_options(acct, cust, active):
            return kind_refusal(kind, acct, cust, active)
        return None

    # -- expiry (day-end) ----------------------------------------------------
    def apply_loss_expiries(self, business_date: dt.date, *, user: str = "SYSTEM"
                            ) -> tuple[str, ...]:
        return apply_loss_expiries(self.engine, business_date, user=user, clock=self.clock)

    # -- helpers -------------------------------------------------------------
    @staticmethod
    def _customer(conn: Connection, id_type: str, id_number: str):
        cust = conn.execute(select(customers_t).where(
            customers_t.c.id_type == id_type,
            customers_t.c.id_number == id_number.strip().upper())).first()
        if cust is None:
            raise refused("loss_no_customer", "没有该证件的客户", "No customer holds this document")
        return cust

    @staticmethod
    def _bdate(conn: Connection, branch: str) -> dt.date:
        return conn.execute(select(branches_t.c.business_date)
                            .where(branches_t.c.code == branch)).scalar_one()

    @staticmethod
    def _fee(conn: Connection, kind: str) -> int:
        fee = conn.execute(select(fees_t.c.fee_fen).where(fees_t.c.kind == kind)).scalar()
        return int(fee or 0)

    @staticmethod
    def _lock_account(conn: Connection, number: str):
        acct = conn.execute(select(accounts_t).where(accounts_t.c.number == number)
                            .with_for_update()).first()
        if acct is None:
            raise refused("no_account", f"账户 {number} 不存在", f"No account {number}", number)
        return acct

    @staticmethod
    def _incident_number(conn: Connection, branch: str, bdate: dt.date) -> str:
        """事故编号, 19 digits: branch(4) + '18' (事务类) + yymmdd + serial of the day(7)."""
        serial = next_number(conn, f"loss_incident:{branch}:{bdate:%Y%m%d}")
        return f"{branch[:4]:0>4}18{bdate:%y%m%d}{serial:07d}"

    @staticmethod
    def _end(conn: Connection, row, status: str, user: str, now: dt.datetime,
             key: str | None, **values) -> None:
        conn.execute(update(incidents_t).where(
            incidents_t.c.incident_number == row.incident_number).values(
            status=status, ended_by=user, ended_at=now, ended_key=key, **values))
        conn.execute(update(controls_t).where(
            controls_t.c.incident_number == row.incident_number,
            controls_t.c.kind == "loss_report", controls_t.c.status == "active")
            .values(status="released" if status != "expired" else "expired", released_at=now))

    @staticmethod
    def _audit(conn: Connection, user: str, terminal: str, kind: str, now: dt.datetime,
               detail: dict) -> None:
        conn.execute(insert(audit_t).values(at=now, user_code=user, terminal_code=terminal,
                                            kind=kind, outcome="ok",
                                            detail=json.dumps(detail, ensure_ascii=False)))



def fee_legs(conn: Connection, branch: str, teller: str, kind: str) -> tuple[Leg, ...]:
    """The fee of a ``kind`` report as legs: cash into the teller's box, to fee
    income (none when the bank charges nothing)."""
    fee = LossReportService._fee(conn, kind)
    if not fee:
        return ()
    box = internal_account(conn, branch, "cash_box", teller)
    income = internal_account(conn, branch, "fee_income")
    if box is None or income is None:
        raise refused("loss_fee_accounts", "柜员尾箱或手续费收入账户不存在，不能收取挂失费",
                      "No cash box or fee income account for the fee")
    return (Leg(box, "D", fee, "挂失手续费"), Leg(income, "C", fee, "挂失手续费"))


class LossReportRule(PostingRule):
    """挂失: every rule of CBUS §4.1 in the report's own entry — the kind the
    account admits now, the channel, an agent's details, the holder's PIN for a
    written report, the fee — then the incident and its ``loss_report`` control,
    which the control rules read for every later posting."""

    name = "loss.report"

    def __init__(self, verifier: Callable[[], PinVerifier | None],
                 policy: PinAttemptPolicy = PinAttemptPolicy()) -> None:
        self.verifier = verifier
        self.policy = policy

    def applies(self, request) -> bool:
        return request.one(LossReport) is not None

    def admit(self, p: Posting) -> None:
        a = p.request.one(LossReport)
        assert a is not None
        if p.request.reversible:
            raise refused("loss_irreversible", "挂失不能冲正，请办理解挂",
                          "A loss report is released, not reversed")
        if a.kind not in KIND_TEXT:
            raise refused("loss_kind", "挂失种类不正确", "Unknown kind of report")
        if a.channel not in ("counter", "phone") or (a.channel == "phone" and a.kind != ORAL):
            raise refused("loss_channel", "电话渠道只能办理口头挂失",
                          "Only an oral report may come by phone")
        if a.agent is not None and not (a.agent.name.strip() and a.agent.id_number.strip()):
            raise refused("loss_agent_details", "代理人办理须录入代理人姓名和证件",
                          "An agent's name and ID are required")

    def check(self, p: Posting) -> None:
        a = p.request.one(LossReport)
        assert a is not None
        conn, bdate = p.conn, p.business_date
        wanted = fee_legs(conn, p.request.branch, p.request.teller, a.kind)
        if [(x.account, x.direction, x.amount) for x in p.legs] != \
                [(x.account, x.direction, x.amount) for x in wanted]:
            raise refused("loss_fee", "挂失手续费与收费标准不符，请重新办理",
                          "The fee differs from the bank's; run it again")
        acct = LossReportService._lock_account(conn, a.account)
        cust = conn.execute(select(customers_t).where(
            customers_t.c.id == acct.customer_id)).first()
        cust_kind = cust.kind if cust is not None else ""
        if a.kind == ORAL and cust_kind == "unit" and a.channel != "counter":
            raise refused("loss_channel", "单位客户口头挂失仅限柜面渠道",
                          "Units report orally at the counter only", acct.number)
        current = in_force(conn, acct.number, bdate)
        active = {r.kind for r in current}
        if a.kind not in report_options(acct, cust_kind, active):
            raise kind_refusal(a.kind, acct, cust_kind, active)
        password_lost = bool(active & PASSWORD_KINDS)
        if a.kind == WRITTEN and acct.pin_verification_value is not None \
                and not acct.pin_locked and not password_lost:
            # 密码状态正常: the manual asks a written report for the password
            try:
                verify_proof(p, acct, proof_for(p, acct.number), self.verifier(), self.policy)
            except PostingRefused as exc:
                if exc.code == "pin_required":
                    raise refused("loss_pin_required", "书面挂失须验证客户密码",
                                  "A written report needs the customer's password",
                                  acct.number) from None
                raise
        p.notes[self.name] = (acct, current, sum(x.amount for x in wanted if x.direction == "D"))

    def write(self, p: Posting) -> None:
        a = p.request.one(LossReport)
        assert a is not None
        acct, current, fee = p.notes[self.name]
        conn, req, bdate, now = p.conn, p.request, p.business_date, p.now
        kind, covered = a.kind, []
        oral = [r for r in current if r.kind == ORAL]
        if kind in (WRITTEN, VOUCHER_PASSWORD):
            covered = oral  # 口头挂失事故解除，生成书面挂失新事故号
        elif kind == PASSWORD and oral and acct.medium_kind == "card":
            kind, covered = VOUCHER_PASSWORD, oral  # a card's password report covers the oral one
        for old in covered:
            LossReportService._end(conn, old, "superseded", req.teller, now, None)
        number = LossReportService._incident_number(conn, req.branch, bdate)
        expires = bdate + dt.timedelta(days=ORAL_DAYS - 1) if kind == ORAL else None
        control_id = conn.execute(insert(controls_t).values(
            account_number=acct.number, kind="loss_report", amount=0, incident_number=number,
            status="active", starts_on=bdate, expires_on=expires, created_by=req.teller,
            created_at=now, detail=json.dumps({"loss_kind": kind}))
            .returning(controls_t.c.id)).scalar_one()
        agent = a.agent
        conn.execute(insert(incidents_t).values(
            incident_number=number, idempotency_key=req.key, account_number=acct.number,
            customer_id=acct.customer_id, control_id=control_id, kind=kind,
            channel=a.channel, status="active", branch_code=req.branch, business_date=bdate,
            expires_on=expires, medium_kind=acct.medium_kind, medium_number=acct.medium_number,
            agent_name=agent.name if agent else "", agent_id_type=agent.id_type if agent else "",
            agent_id_number=agent.id_number if agent else "", fee_fen=fee,
            fee_entry_id=p.entry_id if fee else None,
            supersedes=covered[0].incident_number if covered else None, created_by=req.teller,
            created_at=now, remark=a.remark[:200]))
        LossReportService._audit(conn, req.teller, req.terminal, "loss_report", now, {
            "incident": number, "account": acct.number, "kind": kind, "channel": a.channel,
            "agent": agent.name if agent else None, "fee_fen": fee, "key": req.key,
            "supersedes": covered[0].incident_number if covered else None})
        p.fact("incident_number", number)
        p.fact("loss_kind", kind)
        if covered:
            p.fact("superseded", covered[0].incident_number)


def apply_loss_expiries(engine: Engine, business_date: dt.date, *, user: str = "SYSTEM",
                        clock: Callable[[], dt.datetime] = dt.datetime.now) -> tuple[str, ...]:
    """口头挂失到期自动解除: end every oral report whose 5 days (counting the first)
    are over by ``business_date``; one audit event each. Returns their numbers.
    Safe to run twice (the second run finds nothing)."""
    def work(conn: Connection) -> tuple[str, ...]:
        rows = conn.execute(select(incidents_t).where(
            incidents_t.c.kind == ORAL, incidents_t.c.status == "active",
            and_(incidents_t.c.expires_on.is_not(None),
                 incidents_t.c.expires_on < business_date))
            .order_by(incidents_t.c.incident_number).with_for_update()).all()
        now = clock().replace(tzinfo=None)
        for r in rows:
            LossReportService._end(conn, r, "expired", user, now, None)
            LossReportService._audit(conn, user, "", "loss_oral_expired", now, {
                "incident": r.incident_number, "account": r.account_number,
                "reported_on": r.business_date.isoformat(),
                "last_day": r.expires_on.isoformat(), "business_date": business_date.isoformat()})
        return tuple(r.incident_number for r in rows)
    return run_in_transaction(engine, work)
