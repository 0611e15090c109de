"""07120 凭证领用 — the signed-on teller draws blank vouchers into the box.

Every number of the range must be in the branch stock. 9001: D the teller's
box, C the branch stock. Level-A authorization (the custodian hands them
over). Not reversible: the teller returns them with 07140.
"""
from __future__ import annotations

from teller.core.vouchers.blank import VoucherIssue as Drawing
from teller.transactions.context import Services, StepContext
from teller.transactions.flow import AuthNeed, Commit, CommitResult, Flow, FlowState
from teller.transactions.voucher_stock import count_of, range_page


def post_issue(state: FlowState, ctx: StepContext) -> CommitResult:
    posted = ctx.post((), memo=f"凭证领用 {state['first']}-{state['last']}",
                      attach=(Drawing(state["kind"], state["first"], state["last"],
                                           ctx.services.teller),))
    return CommitResult((posted,), (), (("count", count_of(state)),))


class VoucherIssue(Flow):
    """凭证领用 (draw blank vouchers into the teller's box)."""

    code = "07120"
    title = "凭证领用"
    title_en = "Draw blank vouchers"
    category = "cash"
    pages = (
        range_page(own_box=False),
        Commit("post", "领用", "Draw", execute=post_issue, reversible=False),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        return [AuthNeed("A", "重要空白凭证领用", "Blank vouchers drawn")]
