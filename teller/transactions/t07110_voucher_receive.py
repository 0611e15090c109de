"""07110 凭证入库 — the branch receives important blank vouchers into its stock.

A number range of one kind arrives from the head office; every number must be
new. 9001: 收 (D) the branch stock count. Level-A authorization (the
supervisor counts the parcel with the operator). Not reversible: a wrong
receipt is corrected by voiding.
"""
from __future__ import annotations

from teller.core.vouchers.blank import VoucherReceive as Receiving
from teller.transactions.context import Services, StepContext
from teller.transactions.flow import AuthNeed, Commit, CommitResult, Flow, FlowState
from teller.transactions.voucher_stock import count_of, range_page


def post_receive(state: FlowState, ctx: StepContext) -> CommitResult:
    posted = ctx.post((), memo=f"凭证入库 {state['first']}-{state['last']}",
                      attach=(Receiving(state["kind"], state["first"], state["last"]),))
    return CommitResult((posted,), (), (("count", count_of(state)),))


class VoucherReceive(Flow):
    """凭证入库 (blank voucher receipt)."""

    code = "07110"
    title = "凭证入库"
    title_en = "Blank voucher receipt"
    category = "cash"
    pages = (
        range_page(own_box=False),
        Commit("post", "入库", "Receive", execute=post_receive, reversible=False),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        return [AuthNeed("A", "重要空白凭证入库", "Blank vouchers received")]
