"""10020 个人活期存入 — personal current deposit, by cash or by transfer.

Cash: debit the teller's cash box (尾箱, 1001), credit the customer (2017).
Transfer: debit another customer account, credit this one. One commit step,
reversible the same day (08210), offline-capable for cash (issue 5).

A transfer from a 凭密 account carries its PIN (PIN pad), which the core's rules
verify in the posting; class II/III limits and the 50,000.00 cash rule (18590
page "funds") are the core's rules too; a swiped passbook gets the line printed
right after (step "passbook").
"""
from __future__ import annotations

from teller.transactions.common import (
    MODE_CHOICES, cash_box, cash_counts, cash_page_rules, cash_summary, customer_account_rules,
    holder_summary, is_cash,
    is_transfer, require, transfer_page_rules,
)
from teller.transactions.context import StepContext
from teller.transactions.fields import (
    AccountField, AmountField, ChoiceField, DenominationCountField, PinField, TextField,
)
from teller.transactions.flow import Commit, CommitResult, Flow, FlowState, Page
from teller.core.ledger.records import Leg
from teller.transactions.counter_pages import (
    PASSBOOK_STEP, all_rules, checks, funds_page, passbook_rules, pin_rules,
)
from teller.transactions.voucher import make_voucher


def post_deposit(state: FlowState, ctx: StepContext) -> CommitResult:
    account = require(state, ctx, "account")
    amount = state["amount"].fen
    if is_cash(state):
        other, memo = cash_box(ctx), "现金存入"
    else:
        other, memo = require(state, ctx, "from_account").number, "转账存入"
    memo = state.get("memo") or memo
    pins = () if is_cash(state) else ((other, "from_pin"),)
    posted = ctx.post((Leg(other, "D", amount, memo), Leg(account.number, "C", amount, memo)),
                      memo=memo, attach=checks(state, pins) + (
                          cash_counts(state, ctx, other, "in") if is_cash(state) else ()))
    voucher = make_voucher(ctx, posted, title=Deposit.title, title_en=Deposit.title_en,
                           account=account.number, account_name=account.customer_name,
                           amount_fen=amount, mode=state["mode"],
                           counter_account="" if is_cash(state) else other, memo=memo)
    return CommitResult((posted,), (voucher,),
                        (("account_number", account.number),
                         ("balance_after", posted.balance_of(account.number))))


class Deposit(Flow):
    """个人活期存入 (CBUS 10020)."""

    code = "10020"
    title = "个人活期存入"
    title_en = "Personal current deposit"
    category = "personal"
    pages = (
        Page("account", "存入账户", "Account",
             fields=(AccountField("account", "账号/卡号", "Account or card number"),),
             rules=all_rules(customer_account_rules("account"), passbook_rules),
             summary=holder_summary("account")),
        Page("amount", "存入金额", "Amount",
             fields=(AmountField("amount", "存入金额", "Amount"),
                     ChoiceField("mode", "交易方式", "Mode", choices=MODE_CHOICES, default="cash"),
                     TextField("memo", "摘要", "Memo", required=False, max_len=40))),
        Page("cash", "现金", "Cash", skip_if=lambda s: not is_cash(s), rules=cash_page_rules,
             summary=cash_summary("in"), preview=True,
             fields=(DenominationCountField("notes", "券别明细", "Notes by denomination",
                                            required=False),
                     DenominationCountField("change", "找零券别", "Change given",
                                            required=False))),
        funds_page(use=False),
        Page("transfer", "转出账户", "Paying account", skip_if=lambda s: not is_transfer(s),
             rules=all_rules(transfer_page_rules("account", "from_account"),
                             pin_rules("from_account", "from_pin")),
             summary=holder_summary("from_account"),
             fields=(AccountField("from_account", "转出账号/卡号", "Paying account or card"),
                     PinField("from_pin", "转出账户密码", "Paying account PIN", required=False,
                              help="由客户在密码键盘输入", help_en="Entered on the PIN pad"))),
        Commit("post", "记账", "Post", execute=post_deposit, reversible=True,
               offline_capable=True),
        PASSBOOK_STEP,
    )
