"""What every control area shares (18090/18091/18100/18101): the kinds and their
names, the authorization level of each operation, 19-digit incident numbers
(事故编号), the register (登记簿, ``control_events``) and the account lock.

>>> AUTH_LEVELS["freeze"], KIND_TEXT["hold"]
('A', '圈存')
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from teller.core.controls.models import AccountControl, ControlEvent
from teller.core.controls.rules import active_condition
from teller.core.ledger.accounts import next_number
from teller.core.ledger.models import Account
from teller.core.ledger.records import PostingRefused
from teller.core.ledger.rules import Posting

accounts_t = Account.__table__
controls_t = AccountControl.__table__
events_t = ControlEvent.__table__

EXCLUSIVE = ("receive_only", "pay_only", "sealed")
CONTROL_KINDS = EXCLUSIVE + ("hold",)
FREEZE_KINDS = ("freeze_full", "freeze_partial", "freeze_one_way")
CURRENT_KINDS = frozenset({"personal_current", "unit_current"})
KIND_TEXT = {"hold": "圈存", "receive_only": "只收不付", "pay_only": "只付不收", "sealed": "封存",
             "freeze_full": "全部冻结", "freeze_partial": "部分冻结",
             "freeze_one_way": "单向冻结", "loss_report": "挂失"}

#: Authorization level each control operation needs — the one table the flows
#: (their ``authorization()``) and the core's rules (:func:`require_for`) read.
AUTH_LEVELS = {
    "control_add": "A", "control_maintain": "A", "control_release": "A",
    "limit_add": "A", "limit_maintain": "A", "limit_release": "A",
    "freeze": "A", "renew": "A", "unfreeze": "A", "deduct": "B",
    "case_details": "A", "hold_deduct": "A",
}
OPERATION_TEXT = {
    "control_add": ("账户控制", "Account control"), "control_maintain": ("控制维护", "Control change"),
    "control_release": ("解除控制", "Control release"),
    "limit_add": ("交易限额控制", "Transaction limit"),
    "limit_maintain": ("限额维护", "Limit change"), "limit_release": ("解除限额", "Limit release"),
    "freeze": ("司法冻结", "Judicial freeze"), "renew": ("续冻", "Freeze renewal"),
    "unfreeze": ("解冻", "Unfreeze"), "deduct": ("协助扣划", "Judicial deduction"),
    "case_details": ("执法信息录入", "Authority details"),
    "hold_deduct": ("银行扣款", "Bank deduction"),
}


def require_for(p: Posting, operation: str) -> None:
    """The posting needs the level ``operation`` needs (:data:`AUTH_LEVELS`)."""
    level = AUTH_LEVELS.get(operation)
    if level is not None:
        zh, en = OPERATION_TEXT[operation]
        p.require(level, f"{zh}须{level}级主管授权", f"{en} needs level {level} authorization")


def supervisor_of(p: Posting) -> str | None:
    grant = p.request.authorization
    return grant.supervisor if grant is not None else None


def new_incident_number(conn: Connection, branch: str, bdate: dt.date) -> str:
    """19 digits: business date (8) + branch (4) + bank-wide serial (7)."""
    return f"{bdate:%Y%m%d}{branch[:4]:0>4}{next_number(conn, 'incident') % 10**7:07d}"


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


def record_step_event(p: Posting, *, incident: str, account: str, area: str, event: str,
                      amount: int = 0, before: dict | None = None,
                      after: dict | None = None) -> None:
    """The register line of the posting's own step: keyed by the request's key
    and linked to its entry; the incident number becomes the step's fact (what
    the flow and its voucher show)."""
    p.fact("incident_number", incident)
    record_event(p.conn, key=p.request.key, incident=incident, account=account, area=area,
                 event=event, amount=amount, before=before, after=after, entry_id=p.entry_id,
                 branch=p.request.branch, teller=p.request.teller, supervisor=supervisor_of(p),
                 bdate=p.business_date, now=p.now)


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
        controls_t.c.account_number == number, active_condition(bdate))
        .order_by(controls_t.c.id)).all()


def ensure_future(expires_on: dt.date | None, bdate: dt.date) -> None:
    if expires_on is not None and expires_on < bdate:
        raise PostingRefused("expiry_past", "到期日期不能早于营业日期",
                             "The expiry date is before the business date")


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


def view_of(row) -> ControlView:
    detail = json.loads(row.detail or "{}")
    return ControlView(row.id, row.incident_number, row.account_number, row.kind,
                       int(row.amount), row.status, row.starts_on, row.expires_on,
                       detail.get("document_no", ""), detail.get("applicant", ""),
                       detail.get("reason", ""))
