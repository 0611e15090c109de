"""18590 数据采集信息录入 — source or use of funds of a large cash transaction
(CBUS §4.26): record (录入) or correct (修改) the register line of a cash entry of
50,000.00 or more, found by its original journal number (原交易流水号).

10020/10030 capture it on their own page before posting (the core refuses large
cash without it); this flow serves corrections and cash entries of other flows. A step of its own (no money moves).
"""
from __future__ import annotations

from teller.core.cash.large_cash import (
    FUNDS_CATEGORIES, LARGE_CASH_FEN, FundsCapture as Capture, FundsDeclaration, funds_problem,
)
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import ChoiceField, TextField
from teller.transactions.flow import Commit, CommitResult, Flow, FlowState, Page

F = "journal_number"


def entry_rules(state: FlowState, services: Services) -> list[Problem]:
    detail = services.core.entry_detail(state[F])
    if detail is None:
        return [Problem(F, "原交易流水号不存在", "No entry with this journal number")]
    if detail.mode != "cash":
        return [Problem(F, "原交易不是现金交易", "Not a cash transaction")]
    if detail.line.amount < LARGE_CASH_FEN:
        return [Problem(F, f"原交易金额 {Money(detail.line.amount).format()} 未达大额现金标准",
                        "Below the large-cash threshold")]
    return []


def entry_summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    detail = services.core.entry_detail(state[F])
    if detail is None:
        return ()
    lines = [("交易代码", "Transaction", detail.line.txn_code),
             ("账号", "Account", detail.line.account),
             ("户名", "Holder", detail.account_name),
             ("金额", "Amount", Money(detail.line.amount).format())]
    record = services.core.large_cash.record_for(state[F])
    if record is not None:
        label = dict((c[0], c[1]) for c in FUNDS_CATEGORIES).get(record.category, record.category)
        lines.append(("已登记", "Recorded", f"{label} {record.detail}".strip()))
    return tuple(lines)


def funds_rules(state: FlowState, services: Services) -> list[Problem]:
    problem = funds_problem(FundsDeclaration(state["category"], state.get("detail", "")))
    return [Problem("detail", *problem)] if problem else []


def capture(state: FlowState, ctx: StepContext) -> CommitResult:
    funds = FundsDeclaration(state["category"], state.get("detail", ""))
    posted = ctx.post((), memo=f"数据采集 {state[F].strip()}", attach=(Capture(state[F], funds),))
    info = ctx.core.large_cash.record_for(state[F])
    return CommitResult((posted,), values=(("direction", info.direction if info else ""),
                                           ("account_number", info.account if info else "")))


class FundsCapture(Flow):
    """数据采集信息录入 (CBUS 18590)."""

    code = "18590"
    title = "数据采集信息录入"
    title_en = "Large cash: source / use of funds"
    category = "cash"
    pages = (
        Page("entry", "原交易", "Original transaction", rules=entry_rules, summary=entry_summary,
             fields=(TextField(F, "原交易流水号", "Original journal number", max_len=40),)),
        Page("funds", "资金来源/用途", "Source / use of funds", rules=funds_rules,
             fields=(ChoiceField("category", "类别", "Category", choices=FUNDS_CATEGORIES),
                     TextField("detail", "说明", "Details", required=False, max_len=120))),
        Commit("capture", "登记", "Record", execute=capture, reversible=False),
    )
