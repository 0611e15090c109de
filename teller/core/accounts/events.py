"""Account events (账户变更记录): what a step's rule changed on an account, before
and after, so that the step's reversal (08210, same day) puts exactly that back.

Each rule that changes an account writes its own kind (open, interest, close,
maintain) with :func:`record_event` and, in its ``undo``, walks
:func:`events_of` the original entry for that kind, newest first.
"""
from __future__ import annotations

import json

from sqlalchemy import insert, select, update

from teller.core.accounts.models import AccountEvent
from teller.core.ledger.rules import Posting

events_t = AccountEvent.__table__


def record_event(p: Posting, account: str, kind: str, before: dict, after: dict) -> None:
    p.conn.execute(insert(events_t).values(
        entry_id=p.entry_id, account_number=account, kind=kind,
        before=json.dumps(before, ensure_ascii=False, default=str),
        after=json.dumps(after, ensure_ascii=False, default=str), status="active",
        business_date=p.business_date, created_at=p.now))


def events_of(p: Posting, kind: str) -> list:
    """The original entry's standing events of ``kind`` (a reversal's undo),
    newest first; each is marked reversed as it is returned."""
    assert p.original is not None
    rows = p.conn.execute(select(events_t).where(
        events_t.c.entry_id == p.original.id, events_t.c.kind == kind,
        events_t.c.status == "active").order_by(events_t.c.id.desc())).all()
    for row in rows:
        p.conn.execute(update(events_t).where(events_t.c.id == row.id).values(status="reversed"))
    return rows


def before(row) -> dict:
    return json.loads(row.before)
