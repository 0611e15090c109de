"""18091 银行扣款 — bank deduction from a held (圈存) current account: debit the
account, credit the branch's clearing account (贷 3010), in full (the whole held
amount) or in part (CBUS §4.10). The hold is named by its incident number; the bank's application number
(扣款申请书编号) is kept on the hold register's deduction line; the core's
rule uses the hold up in the same entry (``HoldDeduction``), and a reversal
(08210) gives it back. Authorization: ``controls.common.AUTH_LEVELS['hold_deduct']`` (A).
"""
from __future__ import annotations

from teller.core.controls.controls import HoldDeduction as DrawOnHold
from teller.core.ledger.records import Leg, PostingRefused
from teller.domain.problems import Problem
from teller.transactions.common import customer_account_rules, holder_summary, require, resolve
from teller.transactions.context import Services, StepContext
from teller.transactions.controls_common import INCIDENT, incident_rules, money_text, need
from teller.transactions.fields import AccountField, AmountField, ChoiceField, TextField
from teller.transactions.flow import AuthNeed, Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.voucher import make_voucher

MODES = (("full", "全部扣款", "Full"), ("partial", "部分扣款", "Partial"))


def _hold(state: FlowState, services: Services):
    return services.core.controls.control(state["incident"] or "")


def hold_rules(state: FlowState, services: Services) -> list[Problem]:
    problems = incident_rules(state, services)
    if problems:
        return problems
    hold, info = _hold(state, services), resolve(state, services, "account")
    if (hold is None or info is None or hold.account != info.number or hold.kind != "hold"
            or hold.status != "active"):
        return [Problem("incident", "该账户没有这个有效的圈存", "No such hold in force")]
    if state["mode"] == "partial":
        amount = state["amount"]
        if amount is None:
            return [Problem("amount", "部分扣款须输入扣款金额", "Enter the amount")]
        if amount.fen >= hold.amount:
            return [Problem("amount", f"部分扣款金额须小于圈存金额 {money_text(hold.amount)}",
                            "A partial deduction is less than the held amount")]
    return []


def hold_summary(state: FlowState, services: Services) -> tuple:
    hold = _hold(state, services)
    return (("圈存金额", "Held", money_text(hold.amount)),) if hold else ()


def post_deduction(state: FlowState, ctx: StepContext) -> CommitResult:
    account = require(state, ctx, "account")
    hold = ctx.core.controls.control(state["incident"])
    if hold is None:
        raise PostingRefused("no_hold", "圈存事故不存在", "No such hold")
    amount = hold.amount if state["mode"] == "full" else state["amount"].fen
    clearing = ctx.core.controls.clearing_account(ctx.services.branch)
    memo = state.get("memo") or "银行扣款"
    posted = ctx.post((Leg(account.number, "D", amount, memo), Leg(clearing, "C", amount, memo)),
                      memo=memo, attach=(DrawOnHold(hold.incident_number,
                                                        state.get("application_no") or ""),))
    voucher = make_voucher(ctx, posted, title=HoldDeduction.title, title_en=HoldDeduction.title_en,
                           account=account.number, account_name=account.customer_name,
                           amount_fen=amount, mode="transfer", counter_account=clearing, memo=memo)
    return CommitResult((posted,), (voucher,), (("incident_number", hold.incident_number),
                                                ("balance_after",
                                                 posted.balance_of(account.number))))


class HoldDeduction(Flow):
    """银行扣款 (CBUS 18091)."""

    code = "18091"
    title = "银行扣款"
    title_en = "Bank deduction from a hold"
    category = "maintenance"
    pages = (
        Page("account", "账户", "Account",
             fields=(AccountField("account", "已圈存的结算账号", "Held current account"),),
             rules=customer_account_rules("account", ("personal_current", "unit_current")),
             summary=holder_summary("account")),
        Page("hold", "圈存事故", "Hold", rules=hold_rules, summary=hold_summary,
             fields=(INCIDENT, ChoiceField("mode", "扣款本金类型", "Mode", choices=MODES,
                                           default="full"),
                     AmountField("amount", "扣款金额", "Amount", required=False),
                     TextField("application_no", "扣款申请书编号", "Application no.",
                               required=False, max_len=40),
                     TextField("memo", "摘要", "Memo", required=False, max_len=40))),
        Commit("post", "记账", "Post", execute=post_deduction, reversible=True),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        return need("hold_deduct", "银行扣款须主管授权", "A bank deduction needs a supervisor")
