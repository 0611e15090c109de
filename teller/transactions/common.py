"""Pieces shared by the cash/transfer flows: account resolution, page rules,
the holder summary and the large-cash rule (大额现金数据采集)."""
from __future__ import annotations

from typing import Callable

from teller.core.cash.counts import CashCount
from teller.core.ledger.records import PostingRefused
from teller.core.views import AccountInfo
from teller.domain import cash as dc
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.context import Services, StepContext
from teller.transactions.flow import FlowState

CASH, TRANSFER = "cash", "transfer"
MODE_CHOICES = ((CASH, "现金", "Cash"), (TRANSFER, "转账", "Transfer"))

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
    """The cash page of 10020/10030; large cash's source or use of funds is
    asked once, on the 18590 page that follows (counter_pages.funds_page)."""
    amount = state["amount"]
    return cash_note_problems(state, services, amount.fen if amount is not None else None)


def cash_note_problems(state: FlowState, services: Services,
                       amount: int | None) -> list[Problem]:
    """The box and the notes/change fields of a cash page paying or taking
    ``amount`` fen (None: not known yet)."""
    problems = []
    notes, change = state["notes"], state["change"]
    if services.core.cash_box(services.branch, services.teller) is None:
        problems.append(Problem("notes", "柜员未签到领用尾箱，不能办理现金业务",
                                "Draw a cash box (sign on) before handling cash"))
    back = change.total_fen if change is not None else 0
    if notes is None and back:
        problems.append(Problem("notes", "有找零时须录入收付券别",
                                "Enter the notes when giving change"))
    if notes is not None and amount is not None and notes.total_fen - back != amount:
        problems.append(Problem("notes", f"券别合计 {Money(notes.total_fen).format()}"
                                         + (f"（找零 {Money(back).format()}）" if back else "")
                                         + " 与金额不符",
                                "The note count does not add up to the amount"))
    return problems


AmountOf = Callable[[FlowState, Services], "int | None"]


def amount_field(name: str = "amount") -> AmountOf:
    """The cash amount (fen) of a cash page, read from the money field ``name``."""
    def amount(state: FlowState, services: Services) -> int | None:
        value = state[name]
        return value.fen if value is not None else None
    return amount


def cash_notes_rules(amount_of: AmountOf | None = None
                     ) -> Callable[[FlowState, Services], list[Problem]]:
    """A cash page's checks: a drawn box, and notes (less change) adding up to
    the amount ``amount_of`` gives (default: the ``amount`` field)."""
    amount_of = amount_of or amount_field()

    def rules(state: FlowState, services: Services) -> list[Problem]:
        return cash_note_problems(state, services, amount_of(state, services))
    return rules


def cash_counts(state: FlowState, ctx: StepContext, box: str, direction: str,
                amount: int | None = None, *, amount_fen: int | None = None
                ) -> tuple[CashCount, ...]:
    """券别 of the cash page for ``box``: ``direction`` 'in' (notes received,
    change paid back) or 'out' (notes paid, change taken) of ``amount`` fen
    (default: the flow's "amount" field). Notes left blank get the system's
    make-up (配款建议: largest first; a payout only from what the box holds),
    which the cash page's summary shows before the commit. What every flow
    that moves cash attaches to ``ctx.post(..., attach=cash_counts(...))`` — the
    core's cash rule refuses a cash leg without counts (teller.core.cash.counts)."""
    if amount is None:
        amount = amount_fen
    if amount is None:
        amount = state["amount"].fen
    notes, change = state["notes"], state["change"]
    back = dict(change.counts) if change is not None else {}
    main = dict(notes.counts) if notes is not None else proposed_notes(
        amount + dc.total(back), ctx.services, direction, box)
    if main is None:
        raise PostingRefused("cash_no_makeup", "尾箱券别不足以配款，请录入券别明细",
                             "The box cannot make up the amount; enter the notes")
    if direction == "in":
        return (CashCount(box, received=dc.pairs(main), paid=dc.pairs(back)),)
    return (CashCount(box, received=dc.pairs(back), paid=dc.pairs(main)),)


def proposed_notes(amount: int, services: Services, direction: str,
                   box: str | None = None) -> dict[int, int] | None:
    cash = services.core.cash
    box = box or services.core.cash_box(services.branch, services.teller)
    available = None
    if direction == "out":
        info = cash.box(box) if box else None
        available = dict(info.holdings) if info is not None else {}
    return dc.propose(amount, [d for d, _ in cash.denominations()], available)


def cash_summary(direction: str, amount_of: Callable[[FlowState, Services], int | None]
                 | None = None) -> Callable[[FlowState, Services], tuple]:
    """Read-only lines of a cash page: the make-up when notes are left blank,
    and the box-limit warning (尾箱限额). ``amount_of`` gives the cash amount
    (default: the flow's "amount" field)."""
    def summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
        lines = []
        if amount_of is None:
            amount = state["amount"]
        else:
            fen = amount_of(state, services)
            amount = Money(fen) if fen is not None else None
        if state["notes"] is None and amount is not None:
            change = state["change"]
            back = change.total_fen if change is not None else 0
            notes = proposed_notes(amount.fen + back, services, direction)
            text = ("尾箱券别不足，请录入" if notes is None else
                    "，".join(f"{Money(d).format()}×{n}" for d, n in notes.items()))
            lines.append(("券别（系统配款）", "Notes (proposed)", text))
        box = services.core.cash_box(services.branch, services.teller)
        info = services.core.cash.box(box) if box else None
        if info is not None and info.limit_fen is not None:
            moved = amount.fen if amount is not None else 0
            after = info.balance + (moved if direction == "in" else -moved)
            if after > info.limit_fen:
                lines.append(("尾箱限额", "Box limit",
                              f"尾箱现金将超过限额 {Money(info.limit_fen).format()}，请及时上缴"))
        return tuple(lines)
    return summary


def transfer_page_rules(own: str, other: str) -> Callable[[FlowState, Services], list[Problem]]:
    def rules(state: FlowState, services: Services) -> list[Problem]:
        mine, theirs = resolve(state, services, own), resolve(state, services, other)
        if theirs is None:
            return [Problem(other, "对方账户不存在", "No such account")]
        if not theirs.is_customer:
            return [Problem(other, "对方账户不能是内部账户", "Not a customer account")]
        if theirs.kind == "personal_time":
            return [Problem(other, "定期账户不能直接转账，请使用整存整取支取（10130）",
                            "A time deposit cannot be a transfer party; use 10130")]
        if mine is not None and mine.number == theirs.number:
            return [Problem(other, "转出与转入账户不能相同", "Both sides are the same account")]
        return []
    return rules


def is_cash(state: FlowState) -> bool:
    return state["mode"] == CASH


def is_transfer(state: FlowState) -> bool:
    return state["mode"] == TRANSFER
