"""The operators' posting rules: who posts, and who may authorize (授权).

- :class:`OperatorRule` (admit) — the posting operator exists and belongs to
  the request's branch; its role is read with the branch row
  (``start.operator_role``) for the rules that need it (the vault is a
  supervisor's, a cash box its holder's);
- :class:`AuthorizationRule` (write and undo, last in the rule list) — when a
  rule or the request asks for a supervisor, the grant must name one who may
  authorize this teller at that level (:func:`authorization_problem`, the one
  definition); the grant is recorded against the entry.

>>> class Row:  # the users row of a level-A supervisor
...     role, auth_level, status = "supervisor", "A", "active"
>>> supervisor_problem("S001", Row(), "T001", "A") is None
True
>>> supervisor_problem("S001", Row(), "T001", "B")[0]
'level_too_low'
"""
from __future__ import annotations

import json

from sqlalchemy import bindparam, insert, select
from sqlalchemy.engine import Connection

from teller.core.ledger.records import LEVELS, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.core.operators.models import Authorization, User

users_t = User.__table__
auth_t = Authorization.__table__

#: Labels of the operator's row the kernel reads for every posting.
OPERATOR_ROLE, OPERATOR_BRANCH = "operator_role", "operator_branch"


def supervisor_problem(supervisor: str, row, teller: str,
                       level: str | None) -> tuple[str, str, str] | None:
    """Why ``supervisor`` (their users ``row``, or None) may not authorize
    ``teller`` at ``level``: (code, zh, en), or None — the one definition of
    "may this supervisor authorize"."""
    if supervisor == teller:
        return ("self_authorization", "不能为本人的交易授权",
                "Nobody may authorize their own transaction")
    if row is None or row.role != "supervisor" or row.status != "active":
        return ("not_supervisor", f"{supervisor} 不是授权主管", f"{supervisor} is not a supervisor")
    if LEVELS.get(row.auth_level or "", 0) < LEVELS.get(level or "A", 1):
        return ("level_too_low", f"授权级别不足：需要{level}级授权",
                f"Authorization level {level} required")
    return None


def authorization_problem(conn: Connection, supervisor: str, teller: str,
                          level: str | None) -> tuple[str, str, str] | None:
    """:func:`supervisor_problem` with the supervisor's row read from ``conn``."""
    row = conn.execute(select(users_t.c.role, users_t.c.auth_level, users_t.c.status)
                       .where(users_t.c.code == supervisor)).first()
    return supervisor_problem(supervisor, row, teller, level)


class OperatorRule(PostingRule):
    """The posting operator (柜员) exists and is of the branch the request names:
    a terminal cannot post for another branch (its business date, its books)."""

    name = "operators.operator"

    def request_columns(self):
        own = users_t.c.code == bindparam("teller")
        return {OPERATOR_ROLE: select(users_t.c.role).where(own).scalar_subquery(),
                OPERATOR_BRANCH: select(users_t.c.branch_code).where(own).scalar_subquery()}

    def admit(self, p: Posting) -> None:
        if getattr(p.start, OPERATOR_ROLE) is None:
            raise PostingRefused("no_teller", "柜员不存在", "No such teller")
        if getattr(p.start, OPERATOR_BRANCH) != p.request.branch:
            raise PostingRefused("operator_branch", f"柜员 {p.request.teller} 不属于网点 "
                                 f"{p.request.branch}，不能为该网点记账",
                                 "The operator does not belong to the branch posted for")


class AuthorizationRule(PostingRule):
    """Authorization (授权): the grant covers the highest level any rule asked
    for, from a supervisor who may give it; it is recorded with the entry. Last
    in the rule list: rules may ask for a level in any phase."""

    name = "operators.authorization"

    def applies(self, request) -> bool:
        return request.authorization is not None

    def write(self, p: Posting) -> None:
        self._prove_and_record(p)

    def undo(self, p: Posting) -> None:
        self._prove_and_record(p)

    @staticmethod
    def _prove_and_record(p: Posting) -> None:
        grant = p.request.authorization
        assert grant is not None
        level = p.required_level or grant.level
        problem = authorization_problem(p.conn, grant.supervisor, p.request.teller, level)
        if problem:
            raise PostingRefused(*problem)
        p.conn.execute(insert(auth_t).values(
            entry_id=p.entry_id, supervisor_code=grant.supervisor, teller_code=p.request.teller,
            level=level, reasons=json.dumps(list(grant.reasons) or [n[1] for n in p.needs],
                                            ensure_ascii=False),
            outcome="granted", remark=grant.remark[:200], txn_code=p.request.txn_code,
            created_at=p.now))
