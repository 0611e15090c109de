"""18100 存款账户控制 — account controls: query, add (receive-only 只收不付,
pay-only 只付不收, sealed 封存, hold 圈存), maintain, release (CBUS §4.11).

Every rule (exclusivity, current accounts only, hold ≤ available) is the core's
(:mod:`teller.core.controls.controls`); the pages check early for a good message.
Maintenance shows each changed element before and after on the confirmation
page. Authorization: add, maintain and release need the level in
``account_controls.AUTH_LEVELS`` (A).
"""
from __future__ import annotations

from teller.core.controls.common import KIND_TEXT
from teller.core.controls.controls import (
    ControlAdd, ControlMaintain, ControlRelease, maintenance_changes,
)
from teller.domain.problems import Problem
from teller.transactions.common import customer_account_rules, holder_summary, require, resolve
from teller.transactions.context import Services, StepContext
from teller.transactions.controls_common import (
    INCIDENT, incident_rules, money_text, submit_step, supervised_action,
)
from teller.transactions.fields import AccountField, AmountField, ChoiceField, DateField, TextField
from teller.transactions.flow import AuthNeed, CommitResult, Flow, FlowState, Page

ACTIONS = (("query", "查询", "Query"), ("add", "新增控制", "Add"),
           ("maintain", "维护", "Maintain"), ("release", "解控", "Release"))
KINDS = tuple((k, KIND_TEXT[k], k.replace("_", "-")) for k in
              ("receive_only", "pay_only", "sealed", "hold"))
ACCOUNT_KINDS = ("personal_current", "unit_current", "personal_time")


def _is(*actions: str):
    return lambda s: s["action"] not in actions


def controls_summary(state: FlowState, services: Services) -> tuple:
    info = resolve(state, services, "account")
    if info is None:
        return ()
    lines = list(holder_summary("account")(state, services))
    for c in services.core.controls.controls(info.number):
        lines.append((f"事故 {c.incident_number}", f"Incident {c.incident_number}",
                      f"{c.kind_text} {money_text(c.amount) if c.kind == 'hold' else ''} "
                      f"到期 {c.expires_on or '—'}"))
    return tuple(lines)


def add_rules(state: FlowState, services: Services) -> list[Problem]:
    info = resolve(state, services, "account")
    kind, amount = state["kind"], state["amount"]
    if kind == "hold":
        if amount is None:
            return [Problem("amount", "圈存须输入圈存金额", "A hold needs an amount")]
        if (info is not None and info.kind != "personal_time" and info.available is not None
                and amount.fen > info.available):
            return [Problem("amount", f"圈存金额不能大于可用余额 {money_text(info.available)}",
                            "The hold may not exceed the available balance")]
        return []
    if info is not None and info.kind == "personal_time":
        return [Problem("kind", "只收不付、只付不收、封存只能用于活期账户",
                        "Only current accounts take this control")]
    clash = next((k for k, _ in (info.controls if info else ())
                  if k in ("receive_only", "pay_only", "sealed")), None)
    if clash:
        return [Problem("kind", f"账户已{KIND_TEXT[clash]}，与{KIND_TEXT[kind]}不能同时存在",
                        "These controls cannot coexist")]
    return []


def incident_page_rules(state: FlowState, services: Services) -> list[Problem]:
    problems = incident_rules(state, services)
    if problems:
        return problems
    view = services.core.controls.control(state["incident"])
    info = resolve(state, services, "account")
    if view is None or info is None or view.account != info.number or view.status != "active" \
            or view.kind not in {k for k, _, _ in KINDS}:
        return [Problem("incident", "该账户没有这个有效的控制事故",
                        "No such control in force on this account")]
    return []


def incident_summary(state: FlowState, services: Services) -> tuple:
    v = services.core.controls.control(state["incident"])
    if v is None:
        return ()
    return (("控制方式", "Control", v.kind_text), ("金额", "Amount", money_text(v.amount)),
            ("到期日期", "Expiry", str(v.expires_on or "—")),
            ("申请书编号", "Document no.", v.document_no), ("申请人", "Applicant", v.applicant))


def _changes(state: FlowState, services: Services):
    v = services.core.controls.control(state["incident"] or "")
    if v is None:
        return v, ()
    amount = state["m_amount"]
    return v, maintenance_changes(v, expires_on=state["m_expires_on"],
                                  document_no=state["m_document_no"],
                                  applicant=state["m_applicant"],
                                  amount=amount.fen if amount is not None else None)


def maintain_rules(state: FlowState, services: Services) -> list[Problem]:
    v, changes = _changes(state, services)
    if v is not None and not changes:
        return [Problem("m_expires_on", "没有修改任何要素", "Nothing was changed")]
    if v is not None and state["m_amount"] is not None and v.kind != "hold":
        return [Problem("m_amount", "只有圈存可以维护金额", "Only a hold has an amount")]
    return []


def maintain_summary(state: FlowState, services: Services) -> tuple:
    """修改前后对照 — the confirmation the teller checks before submitting."""
    _, changes = _changes(state, services)
    fmt = lambda f, x: money_text(x) if f == "amount" else str(x or "—")  # noqa: E731
    return tuple((c.label, c.label_en, f"{fmt(c.field, c.before)} → {fmt(c.field, c.after)}")
                 for c in changes)


def submit(state: FlowState, ctx: StepContext) -> CommitResult:
    account = require(state, ctx, "account")
    action = state["action"]
    if action == "add":
        step = ControlAdd(account.number, state["kind"],
                          state["amount"].fen if state["amount"] else 0, state["expires_on"],
                          state.get("document_no", ""), state.get("applicant", ""),
                          state.get("reason", ""))
        memo = f"新增控制 {KIND_TEXT[state['kind']]}"
    elif action == "maintain":
        amount = state["m_amount"]
        _, changes = _changes(state, ctx.services)
        step = ControlMaintain(state["incident"], state["m_expires_on"], state["m_document_no"],
                               state["m_applicant"], amount.fen if amount is not None else None)
        memo = "控制维护"
    else:
        changes = ()
        step = ControlRelease(state["incident"])
        memo = "解除控制"
    posted = ctx.post((), memo=memo, attach=(step,))
    values = [("incident_number", posted.fact("incident_number"))]
    if action == "maintain":
        values.append(("changed", [c.field for c in changes]))
    return CommitResult((posted,), values=tuple(values))


class AccountControl(Flow):
    """存款账户控制 (CBUS 18100)."""

    code = "18100"
    title = "存款账户控制"
    title_en = "Account controls"
    category = "maintenance"
    pages = (
        Page("account", "账户", "Account",
             fields=(AccountField("account", "账号/卡号", "Account or card number"),
                     ChoiceField("action", "功能", "Function", choices=ACTIONS,
                                 default="query")),
             rules=customer_account_rules("account", ACCOUNT_KINDS), summary=controls_summary),
        Page("add", "新增控制", "Add a control", skip_if=_is("add"), rules=add_rules,
             fields=(ChoiceField("kind", "控制方式", "Control", choices=KINDS),
                     AmountField("amount", "圈存金额", "Hold amount", required=False),
                     DateField("expires_on", "控制到期日期", "Expiry", required=False),
                     TextField("document_no", "控制申请书编号", "Document no.", required=False,
                               max_len=40),
                     TextField("applicant", "控制申请人名称", "Applicant", required=False,
                               max_len=60),
                     TextField("reason", "账户控制事由", "Reason", required=False, max_len=60))),
        Page("incident", "控制事故", "Incident", skip_if=_is("maintain", "release"),
             fields=(INCIDENT,), rules=incident_page_rules, summary=incident_summary),
        Page("maintain", "维护要素", "Maintain", skip_if=_is("maintain"),
             fields=(DateField("m_expires_on", "新到期日期", "New expiry", required=False),
                     TextField("m_document_no", "新申请书编号", "New document no.",
                               required=False, max_len=40),
                     TextField("m_applicant", "新申请人", "New applicant", required=False,
                               max_len=60),
                     AmountField("m_amount", "新圈存金额", "New hold amount", required=False))),
        Page("confirm", "修改前后对照", "Before and after", skip_if=_is("maintain"),
             rules=maintain_rules, summary=maintain_summary),
        submit_step(submit),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        return supervised_action(state, "control", "账户控制须主管授权",
                                 "An account control needs a supervisor")
