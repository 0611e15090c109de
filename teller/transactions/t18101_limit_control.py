"""18101 存款账户交易控制 — transaction-limit controls: query, add, maintain,
release (CBUS §4.12).

A rule limits the account's transactions of a category (不限/现金/转账), direction
(不限/存入/支取) and channel: single min/max, daily/monthly/quarterly/yearly amount
and count, balance floor/ceiling; on breach reject, A- or B-level authorization,
or warn. The posting engine applies the rules to every later posting
(:mod:`teller.core.controls.limits`). Authorization: ``AUTH_LEVELS['limit_*']`` (A).
"""
from __future__ import annotations

from teller.core.controls.limits import (
    LIMIT_FIELDS, LimitAdd, LimitChange, LimitSettings, rule_problems,
)
from teller.domain.problems import Problem
from teller.transactions.common import customer_account_rules, holder_summary, require, resolve
from teller.transactions.context import Services, StepContext
from teller.transactions.controls_common import (
    INCIDENT, incident_rules, money_text, submit_step, supervised_action,
)
from teller.transactions.fields import AccountField, AmountField, ChoiceField, DateField, TextField
from teller.transactions.flow import AuthNeed, CommitResult, Flow, FlowState, Page

ACTIONS = (("query", "查询", "Query"), ("add", "新增", "Add"), ("maintain", "维护", "Maintain"),
           ("release", "解控", "Release"))
CATEGORY = (("any", "不限", "Any"), ("cash", "现金", "Cash"), ("transfer", "转账", "Transfer"))
DIRECTION = (("any", "不限", "Any"), ("in", "存入", "In"), ("out", "支取", "Out"))
CHANNEL = (("any", "不限", "Any"), ("counter", "柜面", "Counter"))
ON_BREACH = (("reject", "拒绝交易", "Reject"), ("auth_a", "A级授权", "A-level authorization"),
             ("auth_b", "B级授权", "B-level authorization"), ("warn", "提示", "Warn"))
COUNT_FIELDS = {f for f in LIMIT_FIELDS if f.endswith("_count")}
LABELS = {"single_min": "单笔金额下限", "single_max": "单笔金额上限", "daily_amount": "日累计限额",
          "daily_count": "日限次", "monthly_amount": "月累计限额", "monthly_count": "月限次",
          "quarterly_amount": "季累计限额", "quarterly_count": "季限次",
          "yearly_amount": "年累计限额", "yearly_count": "年限次",
          "balance_floor": "留存余额下限", "balance_ceiling": "留存余额上限"}


def _limit_fields(prefix: str) -> tuple:
    out = []
    for name in LIMIT_FIELDS:
        label = LABELS[name]
        if name in COUNT_FIELDS:
            out.append(TextField(prefix + name, label, name.replace("_", " "), required=False,
                                 max_len=6))
        else:
            out.append(AmountField(prefix + name, label, name.replace("_", " "), required=False,
                                   min_fen=0))
    return tuple(out)


def _values(state: FlowState, prefix: str) -> tuple[dict, list[Problem]]:
    values: dict = {}
    problems = []
    for name in LIMIT_FIELDS:
        raw = state[prefix + name]
        if raw is None or raw == "":
            continue
        if name in COUNT_FIELDS:
            if not str(raw).isdigit():
                problems.append(Problem(prefix + name, f"{LABELS[name]}须为整数", "A whole number"))
                continue
            values[name] = int(raw)
        else:
            values[name] = raw.fen
    for name in ("category", "direction", "channel", "on_breach"):
        if state[prefix + name] is not None:
            values["action" if name == "on_breach" else name] = state[prefix + name]
    return values, problems


def add_rules(state: FlowState, services: Services) -> list[Problem]:
    values, problems = _values(state, "")
    return problems or [Problem(f, zh, en) for f, zh, en in rule_problems(values)]


def rules_summary(state: FlowState, services: Services) -> tuple:
    info = resolve(state, services, "account")
    if info is None:
        return ()
    lines = list(holder_summary("account")(state, services))
    for r in services.core.limits.rules(info.number):
        set_ = "，".join(f"{LABELS[f]} {getattr(r.rule, f) if f in COUNT_FIELDS else money_text(getattr(r.rule, f))}"  # noqa: E501
                        for f in LIMIT_FIELDS if getattr(r.rule, f) is not None)
        lines.append((f"事故 {r.rule.incident_number}", r.rule.incident_number,
                      f"{dict((c[0], c[1]) for c in ON_BREACH)[r.rule.action]}：{set_}"))
    return tuple(lines)


def incident_page_rules(state: FlowState, services: Services) -> list[Problem]:
    problems = incident_rules(state, services)
    if problems:
        return problems
    view = services.core.limits.rule(state["incident"])
    info = resolve(state, services, "account")
    if view is None or info is None or view.account != info.number or view.status != "active":
        return [Problem("incident", "该账户没有这个有效的交易控制", "No such rule in force")]
    return []


def submit(state: FlowState, ctx: StepContext) -> CommitResult:
    account = require(state, ctx, "account")
    action = state["action"]
    if action == "add":
        values, _ = _values(state, "")
        step = LimitAdd(account.number, LimitSettings(**values), state["starts_on"],
                        state["expires_on"])
    elif action == "maintain":
        values, _ = _values(state, "m_")
        step = LimitChange(state["incident"], LimitSettings(**values), state["m_expires_on"])
    else:
        step = LimitChange(state["incident"], release=True)
    posted = ctx.post((), memo={"add": "新增交易控制", "maintain": "交易控制维护"}.get(
        action, "解除交易控制"), attach=(step,))
    values_out = [("incident_number", posted.fact("incident_number"))]
    if action != "add":
        _, after = ctx.core.limits.changes_of(posted.entry_id)
        values_out.append(("changed", sorted(after)))
    return CommitResult((posted,), values=tuple(values_out))


def _unless(*actions: str):
    return lambda s: s["action"] not in actions


class LimitControl(Flow):
    """存款账户交易控制 (CBUS 18101)."""

    code = "18101"
    title = "存款账户交易控制"
    title_en = "Transaction-limit controls"
    category = "maintenance"
    pages = (
        Page("account", "账户", "Account",
             fields=(AccountField("account", "账号/卡号", "Account or card number"),
                     ChoiceField("action", "功能", "Function", choices=ACTIONS, default="query")),
             rules=customer_account_rules("account", ("personal_current", "unit_current")),
             summary=rules_summary),
        Page("add", "新增交易控制", "Add a rule", skip_if=_unless("add"), rules=add_rules,
             fields=(ChoiceField("category", "交易类别", "Category", choices=CATEGORY,
                                 default="any"),
                     ChoiceField("direction", "控制方向", "Direction", choices=DIRECTION,
                                 default="any"),
                     ChoiceField("channel", "控制渠道", "Channel", choices=CHANNEL, default="any"),
                     ChoiceField("on_breach", "超限控制方式", "On breach", choices=ON_BREACH,
                                 default="reject"),
                     DateField("starts_on", "控制生效日期", "Starts", required=False),
                     DateField("expires_on", "控制截止日期", "Ends", required=False))
             + _limit_fields("")),
        Page("incident", "交易控制事故", "Rule", skip_if=_unless("maintain", "release"),
             fields=(INCIDENT,), rules=incident_page_rules),
        Page("maintain", "维护要素", "Maintain", skip_if=_unless("maintain"),
             fields=(ChoiceField("m_on_breach", "超限控制方式", "On breach", choices=ON_BREACH,
                                 required=False),
                     DateField("m_expires_on", "控制截止日期", "Ends", required=False))
             + _limit_fields("m_")),
        submit_step(submit),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        return supervised_action(state, "limit", "账户交易控制须主管授权",
                                 "A transaction-limit control needs a supervisor")
