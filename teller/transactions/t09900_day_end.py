"""09900 日终 — the branch's day end from the counter. The page lists what
still blocks it (tellers signed on, boxes not balanced in, cash in transit,
over/short items, incomplete quick freezes, blank vouchers that do not tie
out); with nothing in the way the commit runs the batch (积数, 结息, 睡眠,
到期转存, then the next business date opens with the expiries of 挂失/冻结).

Only a supervisor or an administrator may run it — the core's rule checks the
role and the blockers on the step's own entry (``DayEndRequest``, the request
in the operator's journal), then the batch runs (it posts as ``EOD<branch>``).
The CBUS manual has no code for the branch's day end; 09900 sits with the other
cash-day codes (09010…09050). Not reversible.
"""
from __future__ import annotations

from teller.core.day.service import DayEndRequest
from teller.core.ledger.records import PostingRefused
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.context import Services, StepContext
from teller.transactions.flow import Commit, CommitResult, Flow, FlowState, Page, ResultTable


def blockers_table(state: FlowState, services: Services) -> ResultTable:
    rows = tuple((p.field, p.message) for p in services.core.day_end.blockers(services.branch))
    return ResultTable((("项目", "Item"), ("待处理事项", "Blocker")), rows,
                       note=f"共 {len(rows)} 项" if rows else "无待处理事项，可以日终")


def page_rules(state: FlowState, services: Services) -> list[Problem]:
    denied = services.core.day_end.may_run(services.teller, services.branch)
    if denied is not None:
        return [denied]
    return list(services.core.day_end.blockers(services.branch))


def summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    return (("网点", "Branch", services.branch),
            ("营业日期", "Business date", f"{services.business_date:%Y-%m-%d}"))


def run_batch(state: FlowState, ctx: StepContext) -> CommitResult:
    s = ctx.services
    ctx.post((), memo="日终申请", attach=(DayEndRequest(),))
    r = s.core.day_end.run(s.branch, operator=s.teller)
    if r is None:  # pragma: no cover - run() raises instead
        raise PostingRefused("day_end_refused", "日终未完成", "Day end did not finish")
    return CommitResult(values=(
        ("business_date", f"{r.business_date:%Y-%m-%d}"),
        ("next_business_date", f"{r.next_business_date:%Y-%m-%d}"),
        ("accrued_accounts", r.accrued_accounts), ("settled_accounts", r.settled_accounts),
        ("interest_total", Money(r.interest_total).format()),
        ("dormant_marked", r.dormant_marked),
        ("rolled_over", len(r.hooks.get("time_deposit_maturities", {}).get("rolled_over", []))),
        ("loss_expired", len(r.hooks.get("loss_expiries", []))),
        ("controls_changed", len(r.hooks.get("control_expiries", [])))))


class DayEnd(Flow):
    """网点日终."""

    code = "09900"
    title = "日终"
    title_en = "Branch day end"
    category = "cash"
    pages = (
        Page("check", "日终检查", "Day-end check", rules=page_rules, summary=summary,
             table=blockers_table),
        Commit("run", "日终批处理", "Run the day end", execute=run_batch, reversible=False),
    )
