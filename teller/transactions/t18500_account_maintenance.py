"""18500 存款账户信息维护（个人） — maintain a personal current account's
支取方式 (withdrawal method) and 通存通兑 scope.

The changed items are shown before → after for confirmation (CBUS §4.16.2:
修改提交时弹出确认框，展示修改前后对比); one commit step carrying the core action
``account.maintain``, reversible the same day (08210 puts the old values back).
"""
from __future__ import annotations

from teller.core.accounts.lifecycle import AccountMaintenance as Maintenance
from teller.core.accounts.opening import SCOPES, WITHDRAWAL_METHODS
from teller.domain.problems import Problem
from teller.transactions.common import customer_account_rules, holder_summary, require, resolve
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import AccountField, ChoiceField, PinField
from teller.transactions.flow import Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.counter_pages import checks, pin_rules
from teller.transactions.personal_pages import METHOD_TEXT, SCOPE_TEXT
from teller.transactions.voucher import make_voucher

KEEP = ("", "（不修改）", "(unchanged)")
ITEMS = (("withdrawal_method", "支取方式", "Withdrawal method", METHOD_TEXT),
         ("scope", "通存通兑", "Scope", SCOPE_TEXT))


def account_rules(state: FlowState, services: Services) -> list[Problem]:
    """CBUS §4.16.2: an account with a password is verified before maintenance."""
    return customer_account_rules("account")(state, services) \
        or pin_rules("account", "pin")(state, services)


def changes(state: FlowState, services: Services) -> dict[str, str]:
    detail = services.core.personal.account_detail(resolve(state, services, "account").number)
    return {name: state[name] for name, *_ in ITEMS
            if state[name] and state[name] != getattr(detail, name)}


def change_rules(state: FlowState, services: Services) -> list[Problem]:
    if not changes(state, services):
        return [Problem("withdrawal_method", "没有修改任何项目", "Nothing was changed")]
    return []


def before_after(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    detail = services.core.personal.account_detail(resolve(state, services, "account").number)
    out = []
    for name, zh, en, text in ITEMS:
        if name in changes(state, services):
            old = getattr(detail, name)
            out.append((zh, en, f"修改前 {text.get(old, old)} → 修改后 {text[state[name]]}"))
    return tuple(out)


def maintain(state: FlowState, ctx: StepContext) -> CommitResult:
    account = require(state, ctx, "account")
    wanted = changes(state, ctx.services)
    before = ctx.core.personal.account_detail(account.number)
    posted = ctx.post((), memo="账户信息维护",
                      attach=(Maintenance(account.number, **wanted),)
                      + checks(state, ((account.number, "pin"),)))
    memo = "；".join(f"{zh}:{text.get(getattr(before, n), '')}→{text[wanted[n]]}"
                    for n, zh, _, text in ITEMS if n in wanted)
    voucher = make_voucher(ctx, posted, title=AccountMaintenance.title,
                           title_en=AccountMaintenance.title_en, account=account.number,
                           account_name=account.customer_name, amount_fen=0, memo=memo)
    return CommitResult((posted,), (voucher,), ())


class AccountMaintenance(Flow):
    """存款账户信息维护 (CBUS 18500), personal current accounts."""

    code = "18500"
    title = "存款账户信息维护"
    title_en = "Account information maintenance"
    category = "maintenance"
    pages = (
        Page("account", "账户", "Account", rules=account_rules, summary=holder_summary("account"),
             fields=(AccountField("account", "账号/卡号", "Account or card number"),
                     PinField("pin", "客户密码", "Customer PIN", required=False,
                              help="有密码的账户由客户在密码键盘输入（F4）",
                              help_en="Keyed on the PIN pad when the account has one"))),
        Page("changes", "维护项目", "Changes", rules=change_rules, summary=before_after, fields=(
            ChoiceField("withdrawal_method", "支取方式", "Withdrawal method", required=False,
                        choices=(KEEP,) + WITHDRAWAL_METHODS, default=""),
            ChoiceField("scope", "通存通兑", "Scope", required=False,
                        choices=(KEEP,) + SCOPES, default=""))),
        Commit("maintain", "提交", "Submit", execute=maintain, reversible=True),
    )
