"""09050 尾箱交接 — hand the box to another teller, both present.

The receiving teller types their own password at this counter (masked, never
saved with the run), counts the box by denomination, and the count must agree
with the box; the box then changes holder and the hand-over is recorded
(``cash_handovers``) by the step's entry — no money moves: it stays in the same
box. The receiver must be signed on and hold no box of their own.
"""
from __future__ import annotations

from teller.core.cash.teller_day import BoxHandover as Handover
from teller.core.ledger.records import PostingRefused
from teller.domain.problems import Problem
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import DenominationCountField, SecretField, TextField
from teller.transactions.flow import Commit, CommitResult, Flow, FlowState, Page


def page_rules(state: FlowState, services: Services) -> list[Problem]:
    if services.core.cash_box(services.branch, services.teller) is None:
        return [Problem("to_teller", "柜员未持有尾箱，无可交接", "You hold no cash box")]
    if (state["to_teller"] or "").upper() == services.teller:
        return [Problem("to_teller", "不能交接给自己", "Hand over to someone else")]
    return []


def hand_over(state: FlowState, ctx: StepContext) -> CommitResult:
    s = ctx.services
    to = state["to_teller"].upper()
    # The receiver is present: their own password, audited as a hand-over sign-on.
    present = s.core.operators.sign_on(to, state["to_password"], terminal=s.terminal,
                                       purpose="hand_over")
    if not present.ok:
        ctx.bind("to_password", to)
        raise PostingRefused("hand_over_password", present.message, present.message_en,
                             account=to)
    ctx.bind("counts", to)
    posted = ctx.post((), memo=f"尾箱交接 {s.teller}→{to}",
                      attach=(Handover(to, tuple(state["counts"].counts)),))
    return CommitResult((posted,), (), (("handed_to", to),))


class BoxHandover(Flow):
    """尾箱交接."""

    code = "09050"
    title = "尾箱交接"
    title_en = "Hand over the cash box"
    category = "cash"
    pages = (
        Page("handover", "交接", "Hand-over", rules=page_rules,
             fields=(TextField("to_teller", "接收柜员号", "Receiving teller", max_len=16),
                     SecretField("to_password", "接收柜员密码", "Receiving teller's password"),
                     DenominationCountField("counts", "接收柜员清点券别",
                                            "Counted by the receiver"))),
        Commit("hand_over", "交接", "Hand over", execute=hand_over, reversible=False),
    )
