"""09010 现金调出 — hand cash from one's box (or, for a supervisor, the vault)
to another teller or to the vault: 领用 (vault → teller), 上缴 (teller → vault),
柜员间调拨 (teller → teller).

The giver posts: debit 2241 现金在途, credit the giving box, with the notes
paid out. The cash is then in transit — both sides see it (09020's list,
``CashService.transfers``) — until the receiver confirms the count with 09020
on their own sign-on. Irreversible: an unwanted transfer is sent back.
"""
from __future__ import annotations

from teller.core.cash.counts import CashCount, CashTransferOut as Sending
from teller.core.ledger.records import Leg, PostingRefused
from teller.domain import cash as dc
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import AmountField, DenominationCountField, TextField
from teller.transactions.flow import Commit, CommitResult, Flow, FlowState, Page

VAULT = "vault"


def source_box(services: Services) -> str | None:
    """The giver's box: the drawn box of a teller, the vault for a supervisor."""
    core = services.core
    box = core.cash_box(services.branch, services.teller)
    if box is None and core.cash.can_use_vault(services.teller):
        box = core.cash.vault(services.branch)
    return box


def receiver(state: FlowState) -> str:
    text = (state["to"] or "").strip()
    return VAULT if text.upper() in ("V", "VAULT", "金库") else text.upper()


def page_rules(state: FlowState, services: Services) -> list[Problem]:
    box = source_box(services)
    if box is None:
        return [Problem("to", "柜员未领用尾箱，不能调出现金", "You hold no cash box")]
    to = receiver(state)
    if to == services.teller:
        return [Problem("to", "不能调拨给自己", "Cannot transfer to yourself")]
    if to == VAULT and box == services.core.cash.vault(services.branch):
        return [Problem("to", "金库不能调拨给金库", "Vault to vault makes no sense")]
    notes, amount = state["notes"], state["amount"]
    if notes is not None and amount is not None and notes.total_fen != amount.fen:
        return [Problem("notes", f"券别合计 {Money(notes.total_fen).format()} 与调拨金额不符",
                        "The count does not add up to the amount")]
    info = services.core.cash.box(box)
    if notes is not None and info is not None:
        short = dc.shortfall(dict(info.holdings), dict(notes.counts))
        if short:
            d = max(short)
            return [Problem("notes", f"{'金库' if info.kind == 'vault' else '尾箱'}"
                                     f"{Money(d).format()}券别不足 {short[d]} 张",
                            "Not enough of a denomination")]
    return []


def summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    box = source_box(services)
    to = receiver(state)
    return (("调出方", "From", "金库" if box == services.core.cash.vault(services.branch)
             else f"柜员 {services.teller} 尾箱"),
            ("接收方", "To", "金库" if to == VAULT else f"柜员 {to}"),
            ("状态", "State", "提交后在途，待接收方清点确认"))


def post_out(state: FlowState, ctx: StepContext) -> CommitResult:
    box = source_box(ctx.services)
    if box is None:
        raise PostingRefused("no_cash_box", "柜员未领用尾箱，不能调出现金", "You hold no cash box")
    transit = ctx.core.cash.in_transit_account(ctx.services.branch)
    amount, to = state["amount"].fen, receiver(state)
    memo = "现金上缴" if to == VAULT else "现金调拨"
    posted = ctx.post((Leg(transit, "D", amount, memo), Leg(box, "C", amount, memo)), memo=memo,
                      attach=(CashCount(box, paid=state["notes"].counts),
                              Sending(to)))
    sent = [t for t in ctx.core.cash.transfers(ctx.services.branch, user=ctx.services.teller)
            if t.out_entry_id == posted.entry_id]
    return CommitResult((posted,), (), (("transfer_id", sent[0].id if sent else None),))


class CashTransferOut(Flow):
    """现金调出 (领用/上缴/柜员调拨)."""

    code = "09010"
    title = "现金调出"
    title_en = "Cash transfer out"
    category = "cash"
    pages = (
        Page("transfer", "调出", "Transfer", rules=page_rules, summary=summary,
             fields=(TextField("to", "接收柜员号（V=金库）", "Receiving teller (V = vault)",
                               max_len=16),
                     AmountField("amount", "调拨金额", "Amount"),
                     DenominationCountField("notes", "调出券别", "Notes handed over"))),
        Commit("send", "调出", "Send", execute=post_out, reversible=False),
    )
