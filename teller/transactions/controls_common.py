"""Pieces shared by the account-control flows (18090, 18091, 18100, 18101):
the step's identity for the core, the incident field, the authority's fields."""
from __future__ import annotations


from teller.core.controls.common import AUTH_LEVELS
from teller.core.controls.judicial import AUTHORITY_TYPES, Authority, Officer
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.context import Services
from teller.transactions.fields import ChoiceField, TextField
from teller.transactions.flow import AuthNeed, Commit, FlowState

INCIDENT = TextField("incident", "事故编号", "Incident number", max_len=19)


def incident_rules(state: FlowState, services: Services) -> list[Problem]:
    text = state["incident"] or ""
    if len(text) != 19 or not text.isdigit():
        return [Problem("incident", "事故编号应为19位数字", "The incident number has 19 digits")]
    return []


def need(operation: str, zh: str, en: str) -> list[AuthNeed]:
    """The authorization ``operation`` needs, from the core's one table."""
    level = AUTH_LEVELS.get(operation)
    return [AuthNeed(level, zh, en)] if level else []


def submit_step(execute) -> Commit:
    """The closing step of an 18100/18101-style flow: nothing to submit for a query."""
    return Commit("submit", "提交", "Submit", execute=execute, reversible=False,
                  skip_if=lambda s: s["action"] == "query")


def supervised_action(state: FlowState, prefix: str, zh: str, en: str) -> list[AuthNeed]:
    """Adding, maintaining or releasing a control needs a supervisor; a query does not."""
    action = state["action"]
    if action in ("add", "maintain", "release"):
        return need(f"{prefix}_{action}", zh, en)
    return []


def money_text(fen: int | None) -> str:
    return Money(fen).format() if fen is not None else "—"


def authority_fields(prefix: str = "", required: bool = True) -> tuple:
    return (
        ChoiceField(f"{prefix}authority_type", "执法机关类型", "Authority type",
                    required=required, choices=AUTHORITY_TYPES),
        TextField(f"{prefix}authority_name", "执法机关名称（全称）", "Authority (full name)",
                  required=required, max_len=80),
        TextField(f"{prefix}notice_number", "通知书编号", "Notice number",
                  required=required, max_len=40),
        TextField(f"{prefix}officer1_name", "执行人1姓名", "Officer 1", required=required,
                  max_len=20),
        TextField(f"{prefix}officer1_id", "执行人1证件号码", "Officer 1 ID", required=required,
                  max_len=30),
        TextField(f"{prefix}officer2_name", "执行人2姓名", "Officer 2", required=False,
                  max_len=20),
        TextField(f"{prefix}officer2_id", "执行人2证件号码", "Officer 2 ID", required=False,
                  max_len=30),
    )


def authority_of(state: FlowState, prefix: str = "") -> Authority | None:
    if not state[f"{prefix}authority_name"]:
        return None
    officers = [Officer(state[f"{prefix}officer1_name"], "work_id", state[f"{prefix}officer1_id"])]
    if state[f"{prefix}officer2_name"]:
        officers.append(Officer(state[f"{prefix}officer2_name"], "work_id",
                                state[f"{prefix}officer2_id"] or ""))
    return Authority(state[f"{prefix}authority_type"], state[f"{prefix}authority_name"],
                     state[f"{prefix}notice_number"], tuple(officers))


def authority_rules(prefix: str = ""):
    def rules(state: FlowState, services: Services) -> list[Problem]:
        a = authority_of(state, prefix)
        if a is None:
            return [Problem(f"{prefix}authority_name", "请输入执法机关信息",
                            "Enter the authority's details")]
        return [Problem(f"{prefix}authority_name", zh, en) for zh, en in a.problems()]
    return rules
