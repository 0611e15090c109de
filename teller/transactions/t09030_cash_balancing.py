"""09030 尾箱轧账 — blind balancing of the teller's box before sign-off.

The teller counts the box by denomination without seeing the system figure
(the page shows none). An agreeing count is an entry without legs (the count
recorded against the box, every denomination as the system has it); a difference
is an overage (长款: debit the box, credit 2241 待处理长款) or a shortage
(短款: debit 2241 待处理短款, credit the box), posted with a level-A
supervisor's authorization and entered in the over/short register until
resolved (09040). Irreversible. Sign-off (签退) then stores the box.
"""
from __future__ import annotations

from teller.core.cash.counts import CashBalancing as BlindCount, CashCount
from teller.core.ledger.records import Leg, PostingRefused
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import DenominationCountField, TextField
from teller.transactions.flow import AuthNeed, Commit, CommitResult, Flow, FlowState, Page


def counted(state: FlowState) -> dict[int, int]:
    counts = state["counts"]
    return dict(counts.counts) if counts is not None else {}


def difference(state: FlowState, services: Services) -> int | None:
    return services.core.teller_day.difference(services.teller, counted(state))


def page_rules(state: FlowState, services: Services) -> list[Problem]:
    if services.core.cash_box(services.branch, services.teller) is None:
        return [Problem("counts", "柜员未领用尾箱，无需轧账", "You hold no cash box")]
    return []


def post_balancing(state: FlowState, ctx: StepContext) -> CommitResult:
    s = ctx.services
    box = s.core.cash_box(s.branch, s.teller)
    diff = difference(state, s)
    if box is None or diff is None:
        raise PostingRefused("no_cash_box", "柜员未领用尾箱", "You hold no cash box")
    count = CashCount(box, received=state["counts"].counts)
    if diff == 0:
        ctx.bind("counts", box)
        posted = ctx.post((), memo="轧账相符", attach=(count, BlindCount()))
        return CommitResult((posted,), (), (("difference", 0),))
    kind = "suspense_over" if diff > 0 else "suspense_short"
    suspense = s.core.cash.internal(s.branch, kind)
    if suspense is None:
        raise PostingRefused("no_suspense", "网点没有待处理长短款账户",
                             "The branch has no over/short suspense account")
    memo = state.get("memo") or ("轧账长款" if diff > 0 else "轧账短款")
    legs = ((Leg(box, "D", diff, memo), Leg(suspense, "C", diff, memo)) if diff > 0 else
            (Leg(suspense, "D", -diff, memo), Leg(box, "C", -diff, memo)))
    posted = ctx.post(legs, memo=memo, attach=(count, BlindCount()))
    return CommitResult((posted,), (), (("difference", diff),))


class CashBalancing(Flow):
    """尾箱轧账 (blind)."""

    code = "09030"
    title = "尾箱轧账"
    title_en = "Balance the cash box"
    category = "cash"
    pages = (
        Page("count", "清点尾箱", "Count the box", rules=page_rules,
             fields=(DenominationCountField("counts", "尾箱实点券别", "Counted by denomination"),
                     TextField("memo", "说明", "Remark", required=False, max_len=60))),
        Commit("balance", "轧账", "Balance", execute=post_balancing, reversible=False),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        diff = difference(state, ctx) if state["counts"] is not None else None
        if not diff:
            return []
        what = "长款" if diff > 0 else "短款"
        return [AuthNeed("A", f"轧账{what} {Money(abs(diff)).format()}，挂待处理{what}须主管授权",
                         f"Box {'over' if diff > 0 else 'short'} by {Money(abs(diff)).format()}")]
