"""07140 凭证上缴 — the teller returns unused blank vouchers to the branch stock.

Every number of the range must be in the teller's own box. 9001: D the branch
stock, C the teller's box. Level-A authorization.
"""
from __future__ import annotations

from teller.core.vouchers.blank import VoucherReturn as Returning
from teller.transactions.context import Services, StepContext
from teller.transactions.flow import AuthNeed, Commit, CommitResult, Flow, FlowState
from teller.transactions.voucher_stock import count_of, range_page


def post_return(state: FlowState, ctx: StepContext) -> CommitResult:
    posted = ctx.post((), memo=f"凭证上缴 {state['first']}-{state['last']}",
                      attach=(Returning(state["kind"], state["first"], state["last"]),))
    return CommitResult((posted,), (), (("count", count_of(state)),))


class VoucherReturn(Flow):
    """凭证上缴 (return blank vouchers to the branch)."""

    code = "07140"
    title = "凭证上缴"
    title_en = "Return blank vouchers"
    category = "cash"
    pages = (
        range_page(own_box=True),
        Commit("post", "上缴", "Return", execute=post_return, reversible=False),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        return [AuthNeed("A", "重要空白凭证上缴", "Blank vouchers returned")]
