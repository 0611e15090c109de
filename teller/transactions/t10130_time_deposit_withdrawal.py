"""10130 整存整取支取 — time deposit withdrawal: in full, or one partial early withdrawal.

Interest (DOMAIN.md §5): at maturity the term interest; after maturity the
term interest plus the overdue days at the current-account rate of the day;
before maturity the current-account rate × actual days. A partial early
withdrawal (部分提前支取, once per period) pays the part at the current rate;
the rest keeps term, rate and start date under a new slip (the old one is
void) and may not fall below the product minimum. Payout in cash or to a
personal current account of the same customer; interest from 6411. The core
(``core.time.withdraw``) checks it all again under the deposit's row lock.
Reversible the same day (08210): the reversal restores the balance, and the
new slip of a partial withdrawal is void with it.
"""
from __future__ import annotations

from teller.core.ledger.records import PostingRefused
from teller.core.time_deposits.deposits import (
    TimeDepositWithdrawal as Withdraw, withdrawal_legs, withdrawal_problems,
)
from teller.domain.problems import Problem
from teller.transactions.common import (
    MODE_CHOICES, STATUS_TEXT, cash_box, cash_counts, cash_summary, holder_summary, is_cash,
    is_transfer, require, resolve,
)
from teller.transactions.context import Services, StepContext
from teller.transactions.deposit_slip import (
    SlipNumberField, issued_slip_field, slip_problems, slip_summary, slip_to_issue)
from teller.transactions.fields import AccountField, AmountField, ChoiceField, PinField, TextField
from teller.transactions.flow import AuthNeed, Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.counter_pages import cash_payout_needs, checks, funds_declared
from teller.transactions.time_common import (
    cash_page_rules, deposit_lines, deposit_of, money, note_fields, quote_lines,
)
from teller.transactions.voucher import make_voucher


def deposit_rules(state: FlowState, services: Services) -> list[Problem]:
    d = deposit_of(state, services)
    if d is None:
        return [Problem("account", "该账户不是整存整取账户", "Not a time deposit account")]
    problems = withdrawal_problems(d, services.business_date, None)
    if problems:
        return problems
    if state["slip"] != d.slip_number:
        return [Problem("slip", "存单号与该账户当前有效存单不符",
                        "The slip number does not match the deposit's slip")]
    return []


def deposit_summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    d = deposit_of(state, services)
    return tuple(deposit_lines(d)) if d is not None else ()


def amount_of(state: FlowState) -> int | None:
    return state["amount"].fen if state["amount"] is not None else None


def quote(state: FlowState, services: Services):
    found = services.core.time.quote(state["account"].number if state["account"] else "",
                                     services.business_date, amount_of(state))
    return found[1] if found else None


def payout_of(state: FlowState, services: Services) -> int | None:
    """Principal and interest paid out (the cash of a cash withdrawal)."""
    q = quote(state, services)
    return q.payout if q is not None else None


def amount_rules(state: FlowState, services: Services) -> list[Problem]:
    d = deposit_of(state, services)
    if d is None:
        return [Problem("account", "该账户不是整存整取账户", "Not a time deposit account")]
    problems = withdrawal_problems(d, services.business_date, amount_of(state))
    if problems:
        return problems
    q = quote(state, services)
    if q is not None and q.kind == "partial":
        return slip_problems(state, services, "new_slip")
    return []


def amount_summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    q = quote(state, services)
    if q is None:
        return ()
    return tuple(quote_lines(q)) + (slip_summary(state, services, "new_slip")
                                    if q.kind == "partial" else ())


def payout_rules(state: FlowState, services: Services) -> list[Problem]:
    info = resolve(state, services, "to_account")
    d = deposit_of(state, services)
    if info is None:
        return [Problem("to_account", "转入账户不存在", "No such account")]
    if info.kind != "personal_current":
        return [Problem("to_account", "转入账户须为个人活期账户",
                        "The receiving account must be a personal current account")]
    if info.status in ("closed", "settled"):
        return [Problem("to_account", f"转入账户已{STATUS_TEXT[info.status]}",
                        f"The account is {info.status}")]
    if d is None or services.core.time.account_customer(info.number) != d.customer_id:
        return [Problem("to_account", "转入账户不属于存款人，不能转入",
                        "The receiving account belongs to another customer")]
    return []


def post_withdrawal(state: FlowState, ctx: StepContext) -> CommitResult:
    time = ctx.core.time
    account = ctx.bind("account", require(state, ctx, "account").number)
    found = time.quote(account, ctx.services.business_date, amount_of(state))
    if found is None:
        raise PostingRefused("not_time", "该账户不是整存整取账户", "Not a time deposit")
    d, q = found
    payout = cash_box(ctx) if is_cash(state) else require(state, ctx, "to_account").number
    expense = ctx.core.interest.expense_account(ctx.services.branch)
    if expense is None:
        raise PostingRefused("no_expense_account", "网点没有利息支出账户",
                             "The branch has no interest-expense account")
    new_slip = slip_to_issue(state, ctx.services, "new_slip") if q.kind == "partial" else None
    spec = Withdraw(account=account, slip_presented=state["slip"], amount=q.amount,
                          interest=q.interest, payout_account=payout, new_slip_number=new_slip)
    legs = withdrawal_legs(account, expense, payout, q)
    memo = state.get("memo") or legs[0].memo
    posted = ctx.post(legs, memo=memo, attach=(spec,) + checks(state, ((account, "pin"),)) + (
        cash_counts(state, ctx, payout, "out", q.payout) + funds_declared(state)
        if is_cash(state) else ()))
    voucher = make_voucher(
        ctx, posted, title=TimeDepositWithdrawal.title, title_en=TimeDepositWithdrawal.title_en,
        account=account, account_name=d.holder, amount_fen=q.payout, mode=state["mode"],
        counter_account="" if is_cash(state) else payout,
        memo=f"{memo} 本金{money(q.amount)} 利息{money(q.interest)}"
             + (f" 新存单{new_slip} 留存{money(q.remainder)}" if new_slip else ""))
    return CommitResult((posted,), (voucher,),
                        (("account_number", account), ("kind", q.kind),
                         ("principal", q.amount), ("interest", q.interest),
                         ("payout", q.payout), ("new_slip_number", new_slip)))


class TimeDepositWithdrawal(Flow):
    """整存整取支取 (CBUS 10130)."""

    code = "10130"
    title = "整存整取支取"
    title_en = "Time deposit withdrawal"
    category = "personal"
    pages = (
        Page("deposit", "定期存单", "Deposit", rules=deposit_rules, summary=deposit_summary,
             fields=(AccountField("account", "定期账号", "Time deposit account"),
                     SlipNumberField("slip", "存单号", "Deposit slip number"),
                     PinField("pin", "客户密码", "Customer PIN", required=False,
                              help="由客户在密码键盘输入", help_en="Entered on the PIN pad"))),
        Page("amount", "支取", "Withdrawal", rules=amount_rules, summary=amount_summary,
             fields=(AmountField("amount", "支取本金", "Principal to withdraw", required=False,
                                 help="不输入为全部支取", help_en="Blank withdraws it all"),
                     ChoiceField("mode", "支取方式", "Paid", choices=MODE_CHOICES,
                                 default="cash"),
                     issued_slip_field("new_slip", required=False),
                     TextField("memo", "摘要", "Memo", required=False, max_len=40))),
        Page("cash", "现金", "Cash", skip_if=lambda s: not is_cash(s),
             rules=cash_page_rules(payout_of), summary=cash_summary("out", payout_of),
             preview=True,
             fields=note_fields("资金用途", "Use of funds")),
        Page("transfer", "转入账户", "Receiving account", skip_if=lambda s: not is_transfer(s),
             rules=payout_rules, summary=holder_summary("to_account"),
             fields=(AccountField("to_account", "转入账号/卡号", "Receiving account or card"),)),
        Commit("withdraw", "支取记账", "Post", execute=post_withdrawal, reversible=True),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        if not is_cash(state) or state["account"] is None:
            return []
        q = quote(state, ctx)
        return cash_payout_needs(q.payout, ctx) if q is not None else []
