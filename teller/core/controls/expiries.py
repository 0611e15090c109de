"""Controls that end with time (到期自动解除): the day-open step of every control
area — controls, freezes (with the queue moving up) and transaction limits."""
from __future__ import annotations

import datetime as dt
import json
from typing import Callable

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.controls.common import FREEZE_KINDS, record_event
from teller.core.controls.judicial import activate_queued
from teller.core.controls.limits import expire_rules
from teller.core.controls.models import AccountControl
from teller.core.ledger.db import run_in_transaction
from teller.core.ledger.models import Account, AuditEvent

controls_t = AccountControl.__table__
accounts_t = Account.__table__
audit_t = AuditEvent.__table__


def apply_control_expiries(engine: Engine, business_date: dt.date, *,
                           clock: Callable[[], dt.datetime] = dt.datetime.now) -> list[dict]:
    """Day open: controls, freezes and limit rules whose expiry date is before
    ``business_date`` end; the earliest queued freeze of an account whose freeze
    ended takes effect with its own amount. Each change is a register line and
    an audit event. Returns what changed (also safe to run twice)."""

    def work(conn: Connection) -> list[dict]:
        now = clock().replace(tzinfo=None)
        changed: list[dict] = []
        rows = conn.execute(select(controls_t).where(
            controls_t.c.status == "active", controls_t.c.expires_on.is_not(None),
            controls_t.c.expires_on < business_date).order_by(controls_t.c.id)).all()
        for row in rows:
            conn.execute(update(controls_t).where(controls_t.c.id == row.id).values(
                status="expired", released_at=now))
            branch = json.loads(row.detail or "{}").get("branch") or conn.execute(
                select(accounts_t.c.branch_code).where(
                    accounts_t.c.number == row.account_number)).scalar_one()
            record_event(conn, incident=row.incident_number, account=row.account_number,
                         area="judicial" if row.kind in FREEZE_KINDS else "control",
                         event="expire", amount=int(row.amount), branch=branch,
                         teller="SYSTEM", bdate=business_date, now=now,
                         before={"status": "active", "expires_on": row.expires_on},
                         after={"status": "expired"})
            changed.append({"incident": row.incident_number, "event": "expire",
                            "kind": row.kind})
            if row.kind in FREEZE_KINDS:
                changed += activate_queued(conn, row.account_number, business_date, now,
                                           cause=row.incident_number, teller="SYSTEM")
        changed += expire_rules(conn, business_date, now)
        for c in changed:
            conn.execute(insert(audit_t).values(
                at=now, user_code="SYSTEM", terminal_code="", kind=f"control_{c['event']}",
                outcome="ok", detail=json.dumps(c, ensure_ascii=False)))
        return changed
    return run_in_transaction(engine, work)
