"""10040 个人活期结清销户 — settle and close a personal current account.

account (identified by its own medium: the card for a card account, the
passbook stripe for a passbook account; checks: normal status, no control of
any kind — hold, freeze, loss report, receive/pay-only, sealed) → pay-out
(cash or transfer) → commit steps, each its own entry and reversible the same
day by 08210, last first:

1. ``interest`` — interest to the day before: accounts.accrual (积数 of the
   business days up to D-1) × rate / 360, from the branch's 6411 利息支出
   account; accrual reset. Nothing to do when the accrual is 0.
2. ``payout`` — the whole balance, in cash or to another account.
3. ``close`` — the medium taken back and voided, the account closed
   (status 'closed', closed_on). Its reversal reopens the account.
"""
from __future__ import annotations

from teller.core.accounts.interest import InterestSettlement
from teller.core.accounts.lifecycle import AccountClosing, AccountFacts, closure_problems
from teller.core.cash.large_cash import LARGE_CASH_FEN
from teller.core.ledger.records import Leg, PostingRefused
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.common import (
    MODE_CHOICES, cash_box, cash_counts, cash_notes_rules, cash_summary,
    is_transfer, require, resolve, transfer_page_rules,
)
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import (
    PASSBOOK, AccountField, ChoiceField, DenominationCountField, PinField, TextField,
)
from teller.transactions.flow import AuthNeed, Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.counter_pages import (
    cash_payout_needs, checks, funds_declared, pin_rules,
)
from teller.transactions.personal_pages import MEDIUM_TEXT
from teller.transactions.voucher import make_voucher

check_password = pin_rules("account", "pin")


def medium_problems(state: FlowState, services: Services) -> list[Problem]:
    """The customer must hand over the account's own medium (it is taken back)."""
    info, ref = resolve(state, services, "account"), state["account"]
    if info.medium_kind == "card" and (ref.medium != "card" or ref.number != info.medium_number):
        return [Problem("account", "请读取该账户的银行卡办理销户（卡片须收回）",
                        "Read this account's card: it is taken back")]
    if info.medium_kind == "passbook" and ref.source != PASSBOOK:
        return [Problem("account", "请刷该账户的存折办理销户（存折须收回）",
                        "Swipe this account's passbook: it is taken back")]
    return []


def account_rules(state: FlowState, services: Services) -> list[Problem]:
    info = resolve(state, services, "account")
    if info is None:
        return [Problem("account", "账户不存在", "No such account")]
    problems = closure_problems(AccountFacts(info.status, info.balance, info.controls,
                                             info.kind))
    return problems or medium_problems(state, services) or check_password(state, services)


def closure_summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    info = resolve(state, services, "account")
    if info is None:
        return ()
    interest = services.core.personal.interest_due(info.number)
    return (("户名", "Holder", info.customer_name), ("账号", "Account", info.number),
            ("余额", "Balance", Money(info.balance).format()),
            ("利息", "Interest", Money(interest).format()),
            ("应付合计", "Total payout", Money(info.balance + interest).format()),
            ("收回介质", "Medium taken back",
             f"{MEDIUM_TEXT.get(info.medium_kind or '', '')} {info.medium_number or ''}"))


def payout_rules(state: FlowState, services: Services) -> list[Problem]:
    info = resolve(state, services, "account")
    total = info.balance + services.core.personal.interest_due(info.number)
    if not is_transfer(state) and total >= LARGE_CASH_FEN and not state["funds_source"]:
        return [Problem("funds_source", "现金5万元（含）以上须登记资金来源或用途",
                        "Cash of 50,000 or more needs the use of funds")]
    return []


def payout_total(state: FlowState, services: Services) -> int | None:
    """What the customer gets: the balance and the interest the first step adds."""
    info = resolve(state, services, "account")
    if info is None:
        return None
    return info.balance + services.core.personal.interest_due(info.number)


def settle_interest(state: FlowState, ctx: StepContext) -> CommitResult:
    account = require(state, ctx, "account")
    detail = ctx.core.personal.account_detail(account.number)
    if detail.accrual == 0:
        return CommitResult()  # nothing accrued: no entry
    interest = ctx.core.personal.interest_due(account.number)
    legs: tuple[Leg, ...] = ()
    if interest:
        expense = ctx.core.personal.interest_expense_account(ctx.services.branch)
        if expense is None:
            raise PostingRefused("no_interest_account", "网点没有利息支出账户",
                                 "The branch has no interest expense account")
        legs = (Leg(expense, "D", interest, "销户结息"), Leg(account.number, "C", interest,
                                                          "销户结息"))
    posted = ctx.post(legs, memo="销户结息",
                      attach=(InterestSettlement(account.number, closing=True),))
    voucher = make_voucher(ctx, posted, title="销户结息", title_en="Interest on closure",
                           account=account.number, account_name=account.customer_name,
                           amount_fen=interest, memo=f"积数 {detail.accrual}")
    return CommitResult((posted,), (voucher,), (("interest", interest),))


def pay_out(state: FlowState, ctx: StepContext) -> CommitResult:
    account = require(state, ctx, "account")
    if account.balance == 0:
        return CommitResult()
    other = (require(state, ctx, "to_account").number if is_transfer(state) else cash_box(ctx))
    # The interest step has already credited the interest: the balance is the total.
    cash = () if is_transfer(state) else cash_counts(state, ctx, other, "out",
                                                     amount_fen=account.balance)
    posted = ctx.post((Leg(account.number, "D", account.balance, "销户支取"),
                       Leg(other, "C", account.balance, "销户支取")), memo="销户支取",
                      attach=checks(state, ((account.number, "pin"),)) + cash + (
                          funds_declared(state) if cash else ()))
    voucher = make_voucher(ctx, posted, title=CloseCurrent.title, title_en=CloseCurrent.title_en,
                           account=account.number, account_name=account.customer_name,
                           amount_fen=account.balance, mode=state["mode"],
                           counter_account=other if is_transfer(state) else "", memo="销户支取")
    return CommitResult((posted,), (voucher,), (("paid_out", account.balance),))


def close(state: FlowState, ctx: StepContext) -> CommitResult:
    account = require(state, ctx, "account")
    posted = ctx.post((), memo=f"销户 {account.number}",
                      attach=(AccountClosing(account.number, account.medium_number),))
    medium = f"{MEDIUM_TEXT.get(account.medium_kind or '', '')} {account.medium_number or ''}"
    voucher = make_voucher(ctx, posted, title="销户", title_en="Account closed",
                           account=account.number, account_name=account.customer_name,
                           amount_fen=0, memo=f"收回作废 {medium}")
    return CommitResult((posted,), (voucher,), ())


class CloseCurrent(Flow):
    """个人活期结清销户 (CBUS 10040)."""

    code = "10040"
    title = "个人活期销户"
    title_en = "Personal current account closure"
    category = "personal"
    pages = (
        Page("account", "销户账户", "Account", rules=account_rules, summary=closure_summary,
             fields=(AccountField("account", "账号/卡号", "Account or card number"),
                     PinField("pin", "客户密码", "Customer PIN", required=False,
                              help="有密码的账户由客户在密码键盘输入（F4）",
                              help_en="Keyed on the PIN pad when the account has one"))),
        Page("payout", "支付方式", "Pay-out", rules=payout_rules, fields=(
            ChoiceField("mode", "交易方式", "Mode", choices=MODE_CHOICES, default="cash"),
            TextField("funds_source", "资金用途", "Use of funds", required=False, max_len=60))),
        Page("cash", "现金", "Cash", skip_if=is_transfer,
             rules=cash_notes_rules(payout_total), summary=cash_summary("out", payout_total),
             preview=True,
             fields=(DenominationCountField("notes", "付出券别", "Notes paid out",
                                            required=False, help="留空按系统配款",
                                            help_en="Blank: the proposed make-up"),
                     DenominationCountField("change", "客户交回券别", "Change taken",
                                            required=False))),
        Page("transfer", "转入账户", "Receiving account", skip_if=lambda s: not is_transfer(s),
             rules=transfer_page_rules("account", "to_account"),
             fields=(AccountField("to_account", "转入账号/卡号", "Receiving account or card"),)),
        Commit("interest", "结息", "Settle interest", execute=settle_interest),
        Commit("payout", "支取余额", "Pay out", execute=pay_out),
        Commit("close", "收回介质并销户", "Void medium and close", execute=close),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        """Cash pay-outs above the branch's limits need a supervisor, as in 10030."""
        info = resolve(state, ctx, "account")
        if info is None or is_transfer(state):
            return []
        # Before the interest step: balance + interest; after it, the balance holds both.
        return cash_payout_needs(info.balance + ctx.core.personal.interest_due(info.number), ctx)
