"""18020 挂失后续处理 — loss follow-up (CBUS §4.2).

Enter by the holder's document: the holder's incidents still in force are
listed; choose one and what to do — release 解挂, reissue the medium 补发 (the
old card/passbook number is void from then on), set a new password on the PIN
pad 密码补设, or close the account through the loss 挂失销户 (not while frozen;
balance and interest paid in cash). A password loss is handled before a voucher
loss reported separately. No agents; a guardian may act for a holder under 16
(the resident ID gives the birth date).

Authorization: :data:`teller.core.loss.follow_up.FOLLOW_UP_AUTH` — the one table
(reissue and close need level A); the core checks the same table.
"""
from __future__ import annotations

from teller.core.accounts.interest import InterestSettlement, settlement_legs
from teller.core.accounts.rules import NewPin
from teller.core.ledger.records import Leg, PostingRefused
from teller.core.loss.follow_up import (
    ACTION_TEXT, CLOSE, FOLLOW_UP_AUTH, REISSUE, LossFollowUp,
)
from teller.core.loss.reports import KIND_TEXT, Agent
from teller.core.vouchers.blank import VoucherUse
from teller.transactions.common import cash_box, cash_counts
from teller.domain.identity import check_card_number
from teller.domain.problems import Problem
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import ChoiceField, PinField, TextField
from teller.transactions.flow import AuthNeed, Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.media_numbers import (
    NEW_PASSBOOK_FIELD, box_problems, box_summary, proposed_number,
)
from teller.transactions.loss_common import (
    GUARDIAN, SELF, agent_fields, agent_rules, as_problem, event_voucher, holder_field,
)

ACTION_CHOICES = tuple((k, zh, en.capitalize()) for k, (zh, en) in ACTION_TEXT.items())


def _medium(state: FlowState, services: Services) -> str:
    inc = services.core.loss.incident(state["incident_number"] or "")
    return "card" if inc is not None and inc.medium_kind == "card" else "passbook"


def new_medium_number(state: FlowState, services: Services) -> str:
    """THE place the reissued medium's number comes from: a card's PAN read from
    the new card; a passbook is the smallest passbook of the teller's box (keyed
    only to confirm). Its blank voucher is used in the follow-up's own entry."""
    keyed = (state["new_medium_number"] or "").strip()
    if keyed or _medium(state, services) == "card":
        return keyed
    return proposed_number(services, "passbook") or ""


def details_summary(state: FlowState, services: Services) -> tuple:
    if state["action"] != REISSUE:
        return ()
    return box_summary(services, _medium(state, services))


def _incidents(state: FlowState, services: Services):
    doc = state["customer_id"]
    return services.core.loss.open_incidents(doc.type, doc.number)


def customer_rules(state: FlowState, services: Services) -> list[Problem]:
    try:
        found = _incidents(state, services)
    except PostingRefused as exc:
        return [as_problem(exc, "customer_id")]
    if not found:
        return [Problem("customer_id", "该客户名下没有未处理的挂失事故",
                        "The customer has no open loss incidents")]
    return agent_rules(state, services)


def customer_summary(state: FlowState, services: Services) -> tuple:
    lines = []
    for inc in _incidents(state, services):
        actions = "、".join(ACTION_TEXT[a][0]
                           for a in services.core.loss.follow_up_actions(inc.incident_number))
        until = f" 有效至{inc.expires_on}" if inc.expires_on else ""
        lines.append(("挂失事故", "Incident",
                      f"{inc.incident_number} {KIND_TEXT[inc.kind][0]} {inc.account}"
                      f" {inc.medium_number or ''}{until}：{actions or '暂不可处理'}"))
    return tuple(lines)


def incident_rules(state: FlowState, services: Services) -> list[Problem]:
    number = state["incident_number"]
    if number not in {i.incident_number for i in _incidents(state, services)}:
        return [Problem("incident_number", "该事故不是此客户未处理的挂失事故",
                        "Not an open incident of this customer")]
    problem = services.core.loss.follow_up_problem(number, state["action"])
    return [as_problem(problem, "action")] if problem else []


def detail_rules(state: FlowState, services: Services) -> list[Problem]:
    if state["action"] != REISSUE:
        return []
    new = new_medium_number(state, services)
    if not new:
        return [Problem("new_medium_number", "请输入新凭证号", "The new medium number is required")]
    inc = services.core.loss.incident(state["incident_number"])
    if inc is not None and inc.medium_kind == "card":
        return (check_card_number(new, "new_medium_number")
                or box_problems(state, services, "card", "new_medium_number"))
    if not (new.isdigit() and 8 <= len(new) <= 20):
        return [Problem("new_medium_number", "存折号须为8至20位数字",
                        "A passbook number is 8 to 20 digits")]
    return box_problems({NEW_PASSBOOK_FIELD: state["new_medium_number"]}, services, "passbook",
                        "new_medium_number")


def follow_up(state: FlowState, ctx: StepContext) -> CommitResult:
    s = ctx.services
    doc = state["customer_id"]
    agent = None
    if state.get("by_agent", SELF) != SELF:
        a = state["agent_id"]
        agent = Agent(state["agent_name"] or "", a.type if a else "", a.number if a else "",
                      relation=state["by_agent"])
    before = s.core.loss.incident(state["incident_number"])
    if before is not None:
        ctx.bind("incident_number", before.account)
    action = state["action"]
    account = before.account if before is not None else ""
    new = new_medium_number(state, s) if action == REISSUE else None
    attach: tuple = (LossFollowUp(state["incident_number"], action, doc.type, doc.number, new,
                                  agent),)
    if action == REISSUE and before is not None:
        card = before.medium_kind == "card"
        # The new medium from the teller's box: a passbook by its number, a card
        # by the smallest blank card's serial.
        attach += (VoucherUse("debit_card" if card else "passbook", None if card else new,
                              account),)
    if state["new_pin"] is not None:
        attach += (NewPin(account, state["new_pin"],
                          state["new_pin_again"] or state["new_pin"]),)
    legs: tuple[Leg, ...] = ()
    payout = 0
    if action == CLOSE and before is not None:
        # 挂失销户: the interest on the accrual and the whole balance, in cash.
        info = s.core.account(account)
        interest = s.core.interest.quote_current(account)
        due = interest.interest if interest is not None else 0
        expense = s.core.interest.expense_account(s.branch)
        if due:
            legs += settlement_legs(expense or "", account, due)
        payout = info.balance + due
        box = cash_box(ctx)
        if payout:
            legs += (Leg(account, "D", payout, "挂失销户"), Leg(box, "C", payout, "挂失销户"))
            attach += cash_counts(state, ctx, box, "out", amount_fen=payout)
        attach += (InterestSettlement(account, closing=True),)
    posted = ctx.post(legs, memo=f"{ACTION_TEXT[action][0]} {state['incident_number']}",
                      attach=attach)
    inc = s.core.loss.incident(state["incident_number"])
    memo = f"{ACTION_TEXT[action][0]} 事故编号 {inc.incident_number}"
    if inc.new_medium_number:
        memo += f" 新凭证 {inc.new_medium_number}（原 {before.medium_number if before else ''} 作废）"
    voucher = event_voucher(ctx, title=LossFollowUpFlow.title,
                            title_en=LossFollowUpFlow.title_en, account=inc.account,
                            account_name="", memo=memo, posted=posted, amount_fen=payout)
    return CommitResult((posted,), (voucher,),
                        (("incident_status", inc.status), ("account_number", inc.account),
                         ("new_medium", inc.new_medium_number)))


class LossFollowUpFlow(Flow):
    """挂失后续处理 (CBUS 18020)."""

    code = "18020"
    title = "挂失后续处理"
    title_en = "Loss follow-up"
    category = "maintenance"
    pages = (
        Page("customer", "客户证件", "Holder", rules=customer_rules, summary=customer_summary,
             fields=(holder_field(),) + agent_fields(
                 ((SELF, "本人办理", "The holder"),
                  (GUARDIAN, "监护人办理（未满16周岁）", "Guardian of a holder under 16"))),
             ),
        Page("incident", "挂失事故与处理", "Incident and action", rules=incident_rules,
             fields=(TextField("incident_number", "事故编号", "Incident number", max_len=19),
                     ChoiceField("action", "处理方式", "Action", choices=ACTION_CHOICES))),
        Page("details", "新凭证与新密码", "New medium and password", rules=detail_rules,
             summary=details_summary,
             fields=(TextField("new_medium_number", "新卡号/新折号", "New card/passbook number",
                               required=False, max_len=32,
                               help="补发卡时读新卡；存折自动取尾箱最小号（可输入核对）",
                               help_en="A card: read the new card; a passbook: the smallest "
                                       "in your box"),
                     PinField("new_pin", "新密码", "New PIN", required=False,
                              help="由客户在密码键盘输入", help_en="Keyed on the PIN pad"),
                     PinField("new_pin_again", "再次输入新密码", "New PIN again",
                              required=False))),
        Commit("follow_up", "处理", "Process", execute=follow_up, reversible=False),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        level = FOLLOW_UP_AUTH.get(state["action"] or "")
        if not level:
            return []
        zh, en = ACTION_TEXT[state["action"]]
        return [AuthNeed(level, f"{zh}须{level}级主管授权", f"{en.capitalize()} needs level "
                                                              f"{level} authorization")]
