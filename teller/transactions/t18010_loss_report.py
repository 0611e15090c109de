"""18010 挂失 — loss report (CBUS §4.1).

Enter by the holder's document (a person's ID card: every account of theirs is
listed; a unit's credit code), choose the account, then the kind — the page
offers only the kinds that apply now (口头/书面/密码/凭证+密码). An oral report
comes from the counter or the phone and lapses by itself after 5 days counting
the first; a written one may follow it, never the reverse. A written report
asks for the holder's password when it is in order. An agent's name and ID are
recorded when an agent acts. The bank's fee (table ``loss_fee_rates``) is
taken in cash into the fee-income account (6021) in the same transaction.

No authorization: the manual names none for 18010.
"""
from __future__ import annotations

import datetime as dt

from teller.core.loss.reports import KIND_TEXT, ORAL, ORAL_DAYS, Agent, LossReport
from teller.core.ledger.records import Leg, PostingRefused
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.common import cash_box, cash_counts, resolve
from teller.transactions.counter_pages import checks
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import AccountField, ChoiceField, PinField
from teller.transactions.flow import Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.loss_common import (
    AGENT, SELF, agent_fields, agent_rules, event_voucher, holder_field,
)

KIND_CHOICES = tuple((k, zh, en.capitalize()) for k, (zh, en) in KIND_TEXT.items())
CHANNEL_CHOICES = (("counter", "柜面", "Counter"), ("phone", "电话", "Phone"))


def _holder(state: FlowState, services: Services):
    doc = state["customer_id"]
    return services.core.loss.customer_accounts(doc.type, doc.number)


def customer_rules(state: FlowState, services: Services) -> list[Problem]:
    try:
        _, _, _, accounts = _holder(state, services)
    except PostingRefused as exc:
        return [Problem("customer_id", exc.message, exc.message_en)]
    if not accounts:
        return [Problem("customer_id", "该客户名下没有账户", "The customer has no accounts")]
    return []


def customer_summary(state: FlowState, services: Services) -> tuple:
    _, name, _, accounts = _holder(state, services)
    lines = [("户名", "Holder", name)]
    for a in accounts:
        offer = "、".join(KIND_TEXT[k][0] for k in a.options) or "不可挂失"
        medium = f" {a.medium_number}" if a.medium_number else ""
        lines.append(("账户", "Account", f"{a.number}{medium}：{offer}"))
    return tuple(lines)


def report_rules(state: FlowState, services: Services) -> list[Problem]:
    info = resolve(state, services, "account")
    if info is None:
        return [Problem("account", "账户不存在", "No such account")]
    _, _, _, accounts = _holder(state, services)
    if info.number not in {a.number for a in accounts}:
        return [Problem("account", "该账户不属于此证件的客户",
                        "The account is not this customer's")]
    problem = services.core.loss.report_problem(info.number, state["loss_kind"],
                                                state.get("channel", "counter"))
    if problem is not None:
        field = "channel" if problem.code == "loss_channel" else "loss_kind"
        return [Problem(field, problem.message, problem.message_en)]
    return []


def report_summary(state: FlowState, services: Services) -> tuple:
    info = resolve(state, services, "account")
    _, _, _, accounts = _holder(state, services)
    offered = next((a.options for a in accounts if info and a.number == info.number), ())
    fee = services.core.loss.fee_for(state["loss_kind"])
    lines = [("可办理", "Offered", "、".join(KIND_TEXT[k][0] for k in offered) or "无"),
             ("手续费", "Fee", Money(fee).format() + ("（现金）" if fee else ""))]
    if state["loss_kind"] == ORAL:
        last = services.business_date + dt.timedelta(days=ORAL_DAYS - 1)
        lines.append(("口头挂失有效至", "Oral report in force until", last.isoformat()))
    return tuple(lines)


def file_report(state: FlowState, ctx: StepContext) -> CommitResult:
    s = ctx.services
    info = resolve(state, s, "account")
    if info is None:
        raise PostingRefused("no_account", "账户不存在", "No such account")
    ctx.bind("account", info.number)
    agent = None
    if state.get("by_agent", SELF) == AGENT:
        doc = state["agent_id"]
        agent = Agent(state["agent_name"] or "", doc.type if doc else "",
                      doc.number if doc else "")
    kind = state["loss_kind"]
    # The fee (the bank's, by kind) is paid in cash in the same entry.
    fee = s.core.loss.fee_for(kind)
    box = cash_box(ctx) if fee else ""
    income = s.core.cash.internal(s.branch, "fee_income") if fee else ""
    legs = ((Leg(box, "D", fee, "挂失手续费"), Leg(income, "C", fee, "挂失手续费")) if fee else ())
    cash = cash_counts(state, ctx, box, "in", amount_fen=fee) if fee else ()
    posted = ctx.post(legs, memo=f"{KIND_TEXT[kind][0]}" + ("手续费" if fee else ""),
                      attach=(LossReport(info.number, kind, state.get("channel", "counter"),
                                         agent),)
                      + checks(state, ((info.number, "pin"),)) + cash)
    inc = s.core.loss.incident(posted.fact("incident_number"))
    memo = f"{inc.kind_text} 事故编号 {inc.incident_number}"
    if posted.fact("superseded"):
        memo += f"（原口头挂失 {posted.fact('superseded')} 解除）"
    voucher = event_voucher(ctx, title=LossReportFlow.title, title_en=LossReportFlow.title_en,
                            account=info.number, account_name=info.customer_name, memo=memo,
                            posted=posted, amount_fen=inc.fee_fen)
    return CommitResult((posted,), (voucher,),
                        (("incident_number", inc.incident_number), ("loss_kind_done", inc.kind),
                         ("account_number", info.number)))


class LossReportFlow(Flow):
    """挂失 (CBUS 18010)."""

    code = "18010"
    title = "挂失"
    title_en = "Loss report"
    category = "maintenance"
    pages = (
        Page("customer", "客户证件", "Holder", fields=(holder_field(),),
             rules=customer_rules, summary=customer_summary),
        Page("report", "挂失账户与种类", "Account and kind", rules=report_rules,
             summary=report_summary,
             fields=(AccountField("account", "挂失账号/卡号", "Account or card number"),
                     ChoiceField("loss_kind", "挂失种类", "Kind of report", choices=KIND_CHOICES),
                     ChoiceField("channel", "挂失渠道", "Channel", choices=CHANNEL_CHOICES,
                                 default="counter"),
                     PinField("pin", "客户密码", "Customer PIN", required=False,
                              help="书面挂失且密码正常时由客户在密码键盘输入",
                              help_en="For a written report when the password is in order"))),
        Page("agent", "办理人", "Who acts", rules=agent_rules,
             fields=agent_fields(((SELF, "本人办理", "The holder"),
                                  (AGENT, "代理人办理", "An agent")))),
        Commit("report", "挂失", "Report", execute=file_report, reversible=False),
    )
