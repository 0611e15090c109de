"""18090 协助执法 — judicial assistance: query, inquiry registration (司法查询登记),
freeze (full 不收不付 / partial / one-way 只收不付), quick freeze (快速冻结, details
afterwards), renewal (续冻), unfreeze (解冻), deduction (扣划, by transfer to the
authority's account) and register maintenance (登记簿维护) (CBUS §4.9).

The rules are the core's (:mod:`teller.core.controls.judicial`); a deduction posts with
purpose ``judicial_deduction`` and the incident in its step, so the posting
engine uses up the freeze in the same transaction. A quick freeze may not be
left (``leave_problems``) until the authority's details are in.
Authorization: ``account_controls.AUTH_LEVELS`` — freeze/renew/unfreeze/details A,
deduction B; the inquiry registration needs none.
"""
from __future__ import annotations

from teller.core.controls.common import KIND_TEXT
from teller.core.controls.judicial import (
    CaseDetails, Freeze, JudicialDeduction, JudicialInquiry, Renewal, Unfreeze,
)
from teller.core.ledger.records import Leg
from teller.domain.problems import Problem
from teller.transactions.common import holder_summary, require, resolve, transfer_page_rules
from teller.transactions.context import Services, StepContext
from teller.transactions.controls_common import (
    INCIDENT, authority_fields, authority_of, authority_rules, incident_rules, money_text, need,
)
from teller.transactions.fields import AccountField, AmountField, ChoiceField, DateField
from teller.transactions.flow import AuthNeed, Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.voucher import make_voucher

ACTIONS = (("query", "查询", "Query"), ("inquiry", "司法查询登记", "Inquiry registration"),
           ("freeze", "冻结", "Freeze"), ("quick_freeze", "快速冻结", "Quick freeze"),
           ("renew", "续冻", "Renew"), ("unfreeze", "解冻", "Unfreeze"),
           ("deduct", "扣划", "Deduct"), ("quick_deduct", "快速扣划", "Quick deduction"),
           ("maintain", "登记簿维护", "Register maintenance"))
QUICK = ("quick_freeze", "quick_deduct")
FREEZE_KINDS = tuple((k, KIND_TEXT[k], k.replace("_", " "))
                     for k in ("freeze_full", "freeze_partial", "freeze_one_way"))
STATUS_TEXT = {"active": "有效", "queued": "轮候", "released": "已解冻", "expired": "已到期",
               "deducted": "已扣划", "open": "", "done": ""}


def _unless(*actions: str):
    return lambda s: s["action"] not in actions


def cases_summary(state: FlowState, services: Services) -> tuple:
    info = resolve(state, services, "account")
    if info is None:
        return ()
    lines = list(holder_summary("account")(state, services))
    for c in services.core.judicial.cases(info.number):
        what = KIND_TEXT.get(c.kind or "", {"deduction": "扣划", "inquiry": "查询登记"}
                             .get(c.action, c.action))
        lines.append((f"事故 {c.incident_number}", c.incident_number,
                      f"{what} {money_text(c.amount) if c.kind == 'freeze_partial' else ''}"
                      f"{STATUS_TEXT.get(c.status, c.status)} 到期 {c.expires_on or '—'} "
                      f"{c.authority.name if c.authority else '（待补录）'}"))
    return tuple(lines)


def freeze_rules(state: FlowState, services: Services) -> list[Problem]:
    if state["kind"] == "freeze_partial" and state["amount"] is None:
        return [Problem("amount", "部分冻结须输入冻结金额", "A partial freeze needs an amount")]
    return []


def _case(state: FlowState, services: Services):
    return services.core.judicial.case(state["incident"] or "")


def incident_page_rules(state: FlowState, services: Services) -> list[Problem]:
    if state["action"] == "deduct" and not state["incident"]:
        return []  # direct deduction: a new incident
    problems = incident_rules(state, services)
    if problems:
        return problems
    case, info = _case(state, services), resolve(state, services, "account")
    if case is None or info is None or case.account != info.number:
        return [Problem("incident", "该账户没有这个事故", "No such incident on this account")]
    if state["action"] in ("renew", "unfreeze") and case.kind is None:
        return [Problem("incident", "该事故不是冻结", "The incident is not a freeze")]
    return []


def incident_summary(state: FlowState, services: Services) -> tuple:
    c = _case(state, services)
    if c is None:
        return ()
    return (("冻结方式", "Kind", KIND_TEXT.get(c.kind or "", c.action)),
            ("冻结金额", "Frozen", money_text(c.amount)),
            ("状态", "Status", STATUS_TEXT.get(c.status, c.status)),
            ("到期日期", "Expiry", str(c.expires_on or "—")),
            ("执法机关", "Authority", c.authority.name if c.authority else "（待补录）"),
            ("已扣划", "Deducted", money_text(c.deducted_total)))


def deduct_rules(state: FlowState, services: Services) -> list[Problem]:
    problems = transfer_page_rules("account", "to_account")(state, services)
    case, amount = _case(state, services), state["d_amount"]
    if (not problems and case is not None and case.kind == "freeze_partial"
            and amount is not None and amount.fen > case.amount):
        problems.append(Problem("d_amount", f"扣划金额不能大于冻结金额 {money_text(case.amount)}",
                                "A deduction may not exceed the frozen amount"))
    return problems


def _needs_authority(state: FlowState) -> bool:
    return state["action"] in ("inquiry", "freeze", "unfreeze", "maintain") or (
        state["action"] == "deduct" and not state["incident"])


def submit(state: FlowState, ctx: StepContext) -> CommitResult:
    account = require(state, ctx, "account")
    action = state["action"]
    if action in ("deduct", "quick_deduct"):
        return _deduct(state, ctx, account)
    if action in ("freeze", "quick_freeze"):
        step = Freeze(account.number, state["kind"], state["expires_on"],
                      state["amount"].fen if state["amount"] else 0,
                      authority_of(state) if action == "freeze" else None)
    elif action == "inquiry":
        step = JudicialInquiry(account.number, authority_of(state))
    elif action == "renew":
        amount = state["r_amount"]
        step = Renewal(state["incident"], state["r_expires_on"],
                       amount.fen if amount is not None else None)
    elif action == "unfreeze":
        amount = state["u_amount"]
        step = Unfreeze(state["incident"], authority_of(state),
                        amount.fen if amount is not None else None)
    else:  # maintain: correct the authority's details (登记簿维护)
        step = CaseDetails(state["incident"], authority_of(state), maintenance=True)
    # A freeze is unfrozen, never reversed: only a deduction from this step is.
    posted = ctx.post((), memo=f"协助执法 {dict((a, z) for a, z, _ in ACTIONS)[action]}",
                      attach=(step,), reversible=False)
    incident = posted.fact("incident_number")
    values = [("incident_number", incident)]
    if action in ("freeze", "quick_freeze"):
        values.append(("freeze_status", ctx.core.judicial.case(incident).status))
    return CommitResult((posted,), values=tuple(values))


def _deduct(state: FlowState, ctx: StepContext, account) -> CommitResult:
    # With no incident: a direct deduction (直接扣划 / 快速扣划) whose case the
    # same entry opens.
    incident = state["incident"] if state["action"] == "deduct" else None
    authority = authority_of(state) if state["action"] == "deduct" and not incident else None
    to = require(state, ctx, "to_account").number
    amount = state["d_amount"].fen
    memo = "协助扣划"
    posted = ctx.post((Leg(account.number, "D", amount, memo), Leg(to, "C", amount, memo)),
                      memo=memo, attach=(JudicialDeduction(account.number, incident or "",
                                                           authority),))
    voucher = make_voucher(ctx, posted, title=JudicialAssistance.title,
                           title_en=JudicialAssistance.title_en, account=account.number,
                           account_name=account.customer_name, amount_fen=amount,
                           mode="transfer", counter_account=to, memo=memo)
    return CommitResult((posted,), (voucher,),
                        (("incident_number", posted.fact("incident_number") or incident),))


def complete_details(state: FlowState, ctx: StepContext) -> CommitResult:
    posted = ctx.post((), memo="补录执法信息",
                      attach=(CaseDetails(state["incident_number"],
                                          authority_of(state, "q_")),))
    return CommitResult((posted,), values=(("details_complete", True),))


class JudicialAssistance(Flow):
    """协助执法 (CBUS 18090)."""

    code = "18090"
    title = "协助执法"
    title_en = "Judicial assistance"
    category = "maintenance"
    pages = (
        Page("account", "账户", "Account",
             fields=(AccountField("account", "账号/卡号", "Account or card number"),
                     ChoiceField("action", "业务类型", "Function", choices=ACTIONS,
                                 default="query")),
             summary=cases_summary,
             rules=lambda s, sv: [] if resolve(s, sv, "account") else
             [Problem("account", "账户不存在", "No such account")]),
        Page("freeze", "冻结信息", "Freeze", skip_if=_unless("freeze", "quick_freeze"),
             rules=freeze_rules,
             fields=(ChoiceField("kind", "冻结方式", "Kind", choices=FREEZE_KINDS),
                     AmountField("amount", "冻结金额", "Amount", required=False),
                     DateField("expires_on", "冻结到期日", "Until"))),
        Page("incident", "冻结事故", "Incident",
             skip_if=_unless("renew", "unfreeze", "deduct", "maintain"),
             fields=(INCIDENT.__class__("incident", "事故编号（直接扣划可空）", "Incident number",
                                        required=False, max_len=19),),
             rules=incident_page_rules, summary=incident_summary),
        Page("renew", "续冻", "Renewal", skip_if=_unless("renew"),
             fields=(DateField("r_expires_on", "续冻到期日", "New expiry"),
                     AmountField("r_amount", "续冻金额（部分冻结）", "Amount (partial)",
                                 required=False))),
        Page("unfreeze", "解冻", "Unfreeze", skip_if=_unless("unfreeze"),
             fields=(AmountField("u_amount", "解冻金额（部分冻结可部分解冻）", "Amount",
                                 required=False),)),
        Page("deduct", "扣划", "Deduction", skip_if=_unless("deduct", "quick_deduct"),
             rules=deduct_rules,
             fields=(AmountField("d_amount", "扣划金额", "Amount"),
                     AccountField("to_account", "执法机关指定账户", "Authority's account"))),
        Page("authority", "执法信息", "Authority", skip_if=lambda s: not _needs_authority(s),
             fields=authority_fields(required=False), rules=authority_rules()),
        Commit("submit", "提交", "Submit", execute=submit, reversible=True,
               skip_if=_unless("inquiry", "freeze", "quick_freeze", "renew", "unfreeze",
                               "deduct", "quick_deduct", "maintain")),
        Page("details", "补录执法信息", "Authority's details", skip_if=_unless(*QUICK),
             fields=authority_fields("q_", required=False), rules=authority_rules("q_")),
        Commit("details_done", "提交执法信息", "Submit details", execute=complete_details,
               reversible=False, skip_if=_unless(*QUICK)),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        action = state["action"]
        if state.committed and action in QUICK:
            return need("case_details", "补录执法信息须主管授权", "Details need a supervisor")
        operation = {"freeze": "freeze", "quick_freeze": "freeze", "renew": "renew",
                     "unfreeze": "unfreeze", "deduct": "deduct", "quick_deduct": "deduct",
                     "maintain": "case_details"}.get(action)
        return need(operation, "协助执法须主管授权",
                    "Judicial assistance needs a supervisor") if operation else []

    def leave_problems(self, state: FlowState, ctx: Services) -> list[Problem]:
        steps = {c.step for c in state.committed}
        if state["action"] in QUICK and "submit" in steps and "details_done" not in steps:
            what = "快速冻结" if state["action"] == "quick_freeze" else "快速扣划"
            return [Problem("q_authority_name",
                            f"{what}（事故 {state['incident_number']}）已生效，须补录执法机关信息后才能退出",
                            "The quick freeze/deduction is in force: enter the authority's "
                            "details before leaving")]
        return []
