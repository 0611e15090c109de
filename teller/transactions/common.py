"""Pieces shared by the cash/transfer flows: account resolution, page rules,
the holder summary and the large-cash rule (大额现金数据采集)."""
from __future__ import annotations

from typing import Callable

from teller.core.records import PostingRefused
from teller.core.views import AccountInfo
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.context import Services, StepContext
from teller.transactions.flow import FlowState

CASH, TRANSFER = "cash", "transfer"
MODE_CHOICES = ((CASH, "现金", "Cash"), (TRANSFER, "转账", "Transfer"))

#: Cash of 50,000 yuan or more in one transaction needs the source/use of funds
#: recorded (DOMAIN.md §4, 18590 数据采集).
LARGE_CASH_FEN = 5_000_000

STATUS_TEXT = {"normal": "正常", "dormant": "睡眠", "off_book": "营业外", "settled": "结清",
               "closed": "销户"}
CONTROL_TEXT = {"hold": "圈存", "receive_only": "只收不付", "pay_only": "只付不收",
                "sealed": "封存", "freeze_full": "冻结(不收不付)", "freeze_partial": "部分冻结",
                "freeze_one_way": "冻结(只收不付)", "loss_report": "挂失"}


def resolve(state: FlowState, services: Services, name: str) -> AccountInfo | None:
    ref = state[name]
    return services.core.resolve_account(ref.number) if ref is not None else None


def require(state: FlowState, ctx: StepContext, name: str) -> AccountInfo:
    """The account of field ``name`` at commit time, bound for refusal messages."""
    info = resolve(state, ctx.services, name)
    if info is None:
        raise PostingRefused("no_account", "账户不存在", "No such account")
    ctx.bind(name, info.number)
    return info


def cash_box(ctx: StepContext) -> str:
    box = ctx.core.cash_box(ctx.services.branch, ctx.services.teller)
    if box is None:
        raise PostingRefused("no_cash_box", "柜员没有尾箱，不能办理现金业务",
                             "The teller has no cash box")
    return box


def customer_account_rules(name: str, kinds: tuple[str, ...] = ("personal_current",)
                           ) -> Callable[[FlowState, Services], list[Problem]]:
    """Page rule: the account exists, is of ``kinds`` and not closed or settled.
    Controls are left to the posting engine, which refuses with the rule's text."""
    def rules(state: FlowState, services: Services) -> list[Problem]:
        info = resolve(state, services, name)
        if info is None:
            return [Problem(name, "账户不存在", "No such account")]
        if info.kind not in kinds:
            return [Problem(name, "该账户不是个人活期账户，不能办理本交易",
                            "This is not a personal current account")]
        if info.status in ("closed", "settled"):
            return [Problem(name, f"账户已{STATUS_TEXT[info.status]}",
                            f"The account is {info.status}")]
        return []
    return rules


def holder_summary(name: str) -> Callable[[FlowState, Services], tuple]:
    """Read-only lines: holder, account number, status and controls, available balance."""
    def summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
        info = resolve(state, services, name)
        if info is None:
            return ()
        controls = "、".join(CONTROL_TEXT.get(k, k) for k, _ in info.controls) or "无"
        lines = [("户名", "Holder", info.customer_name), ("账号", "Account", info.number),
                 ("状态", "Status", STATUS_TEXT.get(info.status, info.status)),
                 ("控制", "Controls", controls)]
        if info.available is not None:
            lines.append(("可用余额", "Available", Money(info.available).format()))
        return tuple(lines)
    return summary


def cash_page_rules(state: FlowState, services: Services) -> list[Problem]:
    problems = []
    amount, notes = state["amount"], state["notes"]
    if notes is not None and amount is not None and notes.total_fen != amount.fen:
        problems.append(Problem("notes", f"券别合计 {Money(notes.total_fen).format()} 与金额不符",
                                "The note count does not add up to the amount"))
    if amount is not None and amount.fen >= LARGE_CASH_FEN and not state["funds_source"]:
        problems.append(Problem("funds_source", "现金5万元（含）以上须登记资金来源或用途",
                                "Cash of 50,000 or more needs the source or use of funds"))
    return problems


def transfer_page_rules(own: str, other: str) -> Callable[[FlowState, Services], list[Problem]]:
    def rules(state: FlowState, services: Services) -> list[Problem]:
        mine, theirs = resolve(state, services, own), resolve(state, services, other)
        if theirs is None:
            return [Problem(other, "对方账户不存在", "No such account")]
        if not theirs.is_customer:
            return [Problem(other, "对方账户不能是内部账户", "Not a customer account")]
        if mine is not None and mine.number == theirs.number:
            return [Problem(other, "转出与转入账户不能相同", "Both sides are the same account")]
        return []
    return rules


def is_cash(state: FlowState) -> bool:
    return state["mode"] == CASH


def is_transfer(state: FlowState) -> bool:
    return state["mode"] == TRANSFER
