"""Day end from the counter (日终, flow 09900): what stands in the way, and the
batch itself — for supervisors and administrators only, checked here so no
screen or API can skip it.

    svc = DayEndService(engine)
    svc.blockers("0101")              # [Problem('teller:T001', '柜员 T001 尚未签退', …)]
    svc.run("0101", operator="S001")  # DayEndResult, or PostingRefused with the reasons
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from teller.core.operators.models import User
from teller.core.day import eod
from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.records import Attachment, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.domain.problems import Problem

users_t = User.__table__
DAY_END_ROLES = ("supervisor", "administrator")


def operator_problem(conn: Connection, operator: str, branch: str) -> Problem | None:
    """Only an active supervisor or administrator of the branch runs the day end."""
    u = conn.execute(select(users_t.c.role, users_t.c.status, users_t.c.branch_code)
                     .where(users_t.c.code == operator)).first()
    if u is None or u.status != "active" or u.role not in DAY_END_ROLES:
        return Problem("operator", "日终须由主管或系统管理员执行",
                       "Only a supervisor or administrator runs the day end")
    if u.branch_code != branch and u.role != "administrator":
        return Problem("operator", "只能为本网点做日终", "Day end of one's own branch only")
    return None


@dataclass(frozen=True)
class DayEndRequest(Attachment, wire_name="day.day_end_request"):
    """09900: the operator asks for the branch's day end now. The step's entry
    records who asked; the batch (its own transactions, as ``EOD<branch>``)
    runs once the request stands."""


class DayEndRequestRule(PostingRule):
    """Only a supervisor or administrator of the branch, and only with nothing
    in the way (every teller signed off, boxes in, vouchers tied out …)."""

    name = "day.day_end_request"

    def applies(self, request) -> bool:
        return request.one(DayEndRequest) is not None

    def check(self, p: Posting) -> None:
        req = p.request
        denied = operator_problem(p.conn, req.teller, req.branch)
        if denied is not None:
            raise PostingRefused("day_end_role", denied.message, denied.message_en)
        problems = eod.day_end_problems(p.conn, req.branch, p.business_date)
        if problems:
            raise PostingRefused("day_end_refused",
                                 "日终被拒绝：" + "；".join(x.message for x in problems),
                                 "Day end refused: " + "; ".join(
                                     x.message_en or x.message for x in problems))


class DayEndService:
    def __init__(self, engine: Engine, post: Callable, *,
                 clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.engine = engine
        self.post = post
        self.clock = clock

    def blockers(self, branch: str) -> list[Problem]:
        """日终检查: empty when the day end may run now."""
        return eod.day_end_blockers(self.engine, branch)

    def may_run(self, operator: str, branch: str) -> Problem | None:
        with reader(self.engine) as conn:
            return operator_problem(conn, operator, branch)

    def run(self, branch: str, *, operator: str) -> eod.DayEndResult:
        """日终批处理 for ``branch``, started by ``operator`` (audited). Raises
        :class:`PostingRefused` (code ``day_end_refused``) with every reason when
        a blocker stands or the operator may not; nothing changes then."""
        denied = self.may_run(operator, branch)
        if denied is not None:
            self._audit(operator, branch, "refused", {"problems": [denied.message]})
            raise PostingRefused("day_end_role", denied.message, denied.message_en)
        self._audit(operator, branch, "ok", {})
        try:
            return eod.run_day_end(self.engine, branch, post=self.post, clock=self.clock)
        except eod.DayEndRefused as exc:
            raise PostingRefused("day_end_refused",
                                 "日终被拒绝：" + "；".join(p.message for p in exc.problems),
                                 "Day end refused: " + "; ".join(
                                     p.message_en or p.message for p in exc.problems)) from exc

    def open_day(self, branch: str) -> dict:
        """开门: the start-of-day expiries for the branch's date (idempotent)."""
        return eod.open_business_day(self.engine, branch, post=self.post, clock=self.clock)

    def _audit(self, operator: str, branch: str, outcome: str, detail: dict) -> None:
        run_in_transaction(self.engine, lambda conn: conn.execute(insert(m.AuditEvent.__table__)
                           .values(at=self.clock().replace(tzinfo=None), user_code=operator,
                                   terminal_code="", kind="day_end_requested", outcome=outcome,
                                   detail=json.dumps({"branch": branch, **detail},
                                                     ensure_ascii=False))))
