"""18410 存款单户结息 — settle one current account's interest on a non-settlement day.

Pays 积数 × rate / 360 (half up) on the accrual the day-end batch has closed
so far (days up to yesterday), debit 6411 利息支出, credit the account, and
resets the accrual to 0 — through ``core.interest.settle``, the same formula
(:func:`teller.core.accounts.interest.settlement_interest`) the quarterly
batch uses. Not reversible: a compensating entry could not give the accrual
back (the reset is not a posting).
"""
from __future__ import annotations

from teller.core.accounts.interest import CURRENT_KINDS, settlement_legs
from teller.core.accounts.interest import InterestSettlement as Settlement
from teller.core.ledger.records import PostingRefused
from teller.domain.problems import Problem
from teller.transactions.common import STATUS_TEXT, require, resolve
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import AccountField, PinField
from teller.transactions.flow import Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.time_common import money
from teller.transactions.voucher import make_voucher


def account_rules(state: FlowState, services: Services) -> list[Problem]:
    info = resolve(state, services, "account")
    if info is None:
        return [Problem("account", "账户不存在", "No such account")]
    if info.kind not in CURRENT_KINDS:
        return [Problem("account", "只有活期账户可以办理单户结息",
                        "Only current accounts settle by accrual")]
    if info.status in ("closed", "settled"):
        return [Problem("account", f"账户已{STATUS_TEXT[info.status]}",
                        f"The account is {info.status}")]
    q = services.core.interest.quote_current(info.number)
    if q is None or q.interest <= 0:
        return [Problem("account", "积数不足，应付利息为零，无需结息", "No interest is due")]
    return []


def summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    info = resolve(state, services, "account")
    q = services.core.interest.quote_current(info.number) if info else None
    if q is None:
        return ()
    return (("户名", "Holder", info.customer_name), ("账号", "Account", info.number),
            ("积数（截至上日）", "Accrual to yesterday", f"{q.accrual:,}"),
            ("活期利率", "Rate", str(q.rate)), ("结息金额", "Interest", money(q.interest)))


def post_settlement(state: FlowState, ctx: StepContext) -> CommitResult:
    info = require(state, ctx, "account")
    q = ctx.core.interest.quote_current(info.number)
    expense = ctx.core.interest.expense_account(ctx.services.branch)
    if q is None or expense is None:
        raise PostingRefused("no_interest", "无法结息", "Cannot settle")
    posted = ctx.post(settlement_legs(expense, info.number, q.interest),
                      memo=f"单户结息 积数{q.accrual} 利率{q.rate}",
                      attach=(Settlement(info.number),))
    voucher = make_voucher(ctx, posted, title=InterestSettlement.title,
                           title_en=InterestSettlement.title_en, account=info.number,
                           account_name=info.customer_name, amount_fen=q.interest,
                           memo=f"结息 积数{q.accrual:,} 利率{q.rate}")
    return CommitResult((posted,), (voucher,),
                        (("account_number", info.number), ("interest", q.interest),
                         ("balance_after", posted.balance_of(info.number))))


class InterestSettlement(Flow):
    """存款单户结息 (CBUS 18410)."""

    code = "18410"
    title = "存款单户结息"
    title_en = "Single-account interest settlement"
    category = "maintenance"
    pages = (
        Page("account", "结息账户", "Account", rules=account_rules, summary=summary,
             fields=(AccountField("account", "账号/卡号", "Account or card number"),
                     PinField("pin", "客户密码", "Customer PIN", required=False,
                              help="由客户在密码键盘输入", help_en="Entered on the PIN pad"))),
        Commit("settle", "结息记账", "Settle", execute=post_settlement, reversible=False),
    )
