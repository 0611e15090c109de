"""10030 个人活期支取 — personal current withdrawal, in cash or by transfer.

Cash: debit the customer (2017), credit the teller's cash box (1001).
Transfer: debit this account, credit another customer account.
Status and controls (sealed, frozen, reported lost, dormant …) are refused by
the core's rules with the rule's own message. Cash above the branch's
``cash_auth_limit_a`` needs level-A authorization, above ``cash_auth_limit_b``
level B (授权限额, configurable per branch: the core's ``cash_payout_need``).

A 凭密 account needs the customer's PIN from the PIN pad, verified by the core
in the posting (3 wrong lock it); class II/III limits and the 50,000.00 cash
rule (18590 page "funds") are the core's rules; a swiped passbook gets the
line printed right after.
"""
from __future__ import annotations

from teller.core.ledger.records import Leg
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.common import (
    MODE_CHOICES, cash_box, cash_counts, cash_page_rules, cash_summary, customer_account_rules,
    holder_summary, is_cash,
    is_transfer, require, resolve, transfer_page_rules,
)
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import (
    AccountField, AmountField, ChoiceField, DenominationCountField, PinField, TextField,
)
from teller.transactions.flow import AuthNeed, Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.counter_pages import (
    PASSBOOK_STEP, all_rules, cash_payout_needs, checks, funds_page, passbook_rules, pin_rules,
)
from teller.transactions.voucher import make_voucher


def post_withdrawal(state: FlowState, ctx: StepContext) -> CommitResult:
    account = require(state, ctx, "account")
    amount = state["amount"].fen
    if is_cash(state):
        other, memo = cash_box(ctx), "现金支取"
    else:
        other, memo = require(state, ctx, "to_account").number, "转账支取"
    memo = state.get("memo") or memo
    posted = ctx.post((Leg(account.number, "D", amount, memo), Leg(other, "C", amount, memo)),
                      memo=memo, attach=checks(state, ((account.number, "pin"),)) + (
                          cash_counts(state, ctx, other, "out") if is_cash(state) else ()))
    voucher = make_voucher(ctx, posted, title=Withdrawal.title, title_en=Withdrawal.title_en,
                           account=account.number, account_name=account.customer_name,
                           amount_fen=amount, mode=state["mode"],
                           counter_account="" if is_cash(state) else other, memo=memo)
    return CommitResult((posted,), (voucher,),
                        (("account_number", account.number),
                         ("balance_after", posted.balance_of(account.number))))


def amount_rules(state: FlowState, services: Services) -> list[Problem]:
    info = resolve(state, services, "account")
    amount = state["amount"]
    if info is not None and amount is not None and info.available is not None \
            and amount.fen > info.available:
        return [Problem("amount", f"可用余额不足：可用 {Money(max(info.available, 0)).format()}",
                        "Insufficient available balance")]
    return []


class Withdrawal(Flow):
    """个人活期支取 (CBUS 10030)."""

    code = "10030"
    title = "个人活期支取"
    title_en = "Personal current withdrawal"
    category = "personal"
    pages = (
        Page("account", "支取账户", "Account",
             fields=(AccountField("account", "账号/卡号", "Account or card number"),
                     PinField("pin", "客户密码", "Customer PIN", required=False,
                              help="由客户在密码键盘输入", help_en="Entered on the PIN pad")),
             rules=all_rules(customer_account_rules("account"), passbook_rules,
                             pin_rules("account", "pin")),
             summary=holder_summary("account")),
        Page("amount", "支取金额", "Amount", rules=amount_rules,
             fields=(AmountField("amount", "支取金额", "Amount"),
                     ChoiceField("mode", "交易方式", "Mode", choices=MODE_CHOICES, default="cash"),
                     TextField("memo", "摘要", "Memo", required=False, max_len=40))),
        Page("cash", "现金", "Cash", skip_if=lambda s: not is_cash(s), rules=cash_page_rules,
             summary=cash_summary("out"), preview=True,
             fields=(DenominationCountField("notes", "券别明细", "Notes by denomination",
                                            required=False),
                     DenominationCountField("change", "客户交回券别", "Change taken",
                                            required=False))),
        funds_page(use=True),
        Page("transfer", "转入账户", "Receiving account", skip_if=lambda s: not is_transfer(s),
             rules=transfer_page_rules("account", "to_account"),
             summary=holder_summary("to_account"),
             fields=(AccountField("to_account", "转入账号/卡号", "Receiving account or card"),)),
        Commit("post", "记账", "Post", execute=post_withdrawal, reversible=True),
        PASSBOOK_STEP,
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        amount = state["amount"]
        if amount is None or not is_cash(state):
            return []
        return cash_payout_needs(amount.fen, ctx)
