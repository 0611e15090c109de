"""09020 现金调入确认 — the receiver counts cash in transit and takes it into
their box (a supervisor: into the vault). The count must equal what was sent;
the entry debits the box and credits 2241 现金在途. The sender may instead take
an unconfirmed transfer back into the box it left (退回). Irreversible.
"""
from __future__ import annotations

from teller.core.cash.counts import CashCount, CashTransferConfirm
from teller.core.ledger.records import Leg, PostingRefused
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import DenominationCountField, TextField
from teller.transactions.flow import Commit, CommitResult, Flow, FlowState, Page


def pending(state: FlowState, services: Services):
    text = (state["transfer_id"] or "").strip()
    return services.core.cash.transfer(int(text)) if text.isdigit() else None


def target_box(services: Services, transfer) -> str | None:
    if transfer is not None and transfer.from_user == services.teller:
        return transfer.from_account  # 退回: the sender takes it back into the giving box
    if transfer is not None and transfer.to_user is None:
        return transfer.to_account if services.core.cash.can_use_vault(services.teller) else None
    return services.core.cash_box(services.branch, services.teller)


def page_rules(state: FlowState, services: Services) -> list[Problem]:
    t = pending(state, services)
    if t is None:
        return [Problem("transfer_id", "调拨编号不存在", "No such transfer")]
    if t.status != "in_transit":
        return [Problem("transfer_id", "该调拨已确认", "Already confirmed")]
    if t.to_user is not None and services.teller not in (t.to_user, t.from_user):
        return [Problem("transfer_id", f"该调拨应由柜员 {t.to_user} 确认",
                        f"Teller {t.to_user} must confirm it")]
    if target_box(services, t) is None:
        return [Problem("transfer_id", "未领用尾箱（或无权入金库），不能确认调入",
                        "You hold no box to take it into")]
    notes = state["notes"]
    if notes is not None and notes.total_fen != t.amount:
        return [Problem("notes", f"清点合计 {Money(notes.total_fen).format()} 与调拨金额不符",
                        "The count does not add up to the transfer")]
    return []


def summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    t = pending(state, services)
    if t is None:
        return ()
    return (("调出柜员", "From", t.from_user), ("金额", "Amount", Money(t.amount).format()),
            ("日期", "Date", f"{t.business_date:%Y-%m-%d}"))


def post_in(state: FlowState, ctx: StepContext) -> CommitResult:
    t = pending(state, ctx.services)
    box = target_box(ctx.services, t)
    if t is None or box is None:
        raise PostingRefused("no_transfer", "调拨不存在或未领用尾箱", "No transfer or no box")
    transit = ctx.core.cash.in_transit_account(ctx.services.branch)
    posted = ctx.post((Leg(box, "D", t.amount, "现金调入"), Leg(transit, "C", t.amount, "现金调入")),
                      memo=f"调入确认 {t.id}",
                      attach=(CashCount(box, received=state["notes"].counts),
                              CashTransferConfirm(t.id)))
    return CommitResult((posted,))


class CashTransferIn(Flow):
    """现金调入确认."""

    code = "09020"
    title = "现金调入确认"
    title_en = "Confirm cash received"
    category = "cash"
    pages = (
        Page("transfer", "调入", "Transfer", rules=page_rules, summary=summary,
             fields=(TextField("transfer_id", "调拨编号", "Transfer number", max_len=12),
                     DenominationCountField("notes", "清点券别", "Counted notes"))),
        Commit("confirm", "确认调入", "Confirm", execute=post_in, reversible=False),
    )
