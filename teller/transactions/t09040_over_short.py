"""09040 长短款处理 — resolve an open item of the over/short register, always
with a level-A supervisor's authorization:

- shortage (短款): ``made_good`` — the teller pays the cash in (debit the box,
  credit 2241 待处理短款); ``write_off`` — to 6711 营业外支出;
- overage (长款): ``refund`` — paid back in cash to the customer (debit 2241
  待处理长款, credit the box); ``income`` — to 6301 营业外收入.
Irreversible.
"""
from __future__ import annotations

from teller.core.cash.counts import OverShortResolution as Resolution
from teller.core.ledger.records import Leg, PostingRefused
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.common import cash_counts
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import ChoiceField, DenominationCountField, TextField
from teller.transactions.flow import AuthNeed, Commit, CommitResult, Flow, FlowState, Page

HOW = (("made_good", "短款赔补（现金）", "Shortage made good in cash"),
       ("write_off", "短款核销", "Shortage written off"),
       ("refund", "长款退还客户（现金）", "Overage refunded in cash"),
       ("income", "长款转收入", "Overage taken to income"))
FITS = {"short": ("made_good", "write_off"), "over": ("refund", "income")}
CASH_WAYS = ("made_good", "refund")


def item(state: FlowState, services: Services):
    text = (state["item_id"] or "").strip()
    if not text.isdigit():
        return None
    return next((i for i in services.core.cash.over_short(services.branch, status=None)
                 if i.id == int(text)), None)


def page_rules(state: FlowState, services: Services) -> list[Problem]:
    it = item(state, services)
    if it is None:
        return [Problem("item_id", "长短款登记不存在", "No such over/short item")]
    if it.status != "open":
        return [Problem("item_id", "该长短款已处理", "Already resolved")]
    if state["how"] not in FITS[it.kind]:
        return [Problem("how", "处理方式不适用于该" + ("短款" if it.kind == "short" else "长款"),
                        "That resolution does not fit the item")]
    if state["how"] in CASH_WAYS and services.core.cash_box(services.branch,
                                                            services.teller) is None:
        return [Problem("how", "现金处理须先领用尾箱", "Cash needs a drawn box")]
    notes = state["notes"]
    if notes is not None and notes.total_fen != it.amount:
        return [Problem("notes", "券别合计与长短款金额不符", "The count differs from the amount")]
    return []


def summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    it = item(state, services)
    if it is None:
        return ()
    return (("类别", "Kind", "长款" if it.kind == "over" else "短款"),
            ("金额", "Amount", Money(it.amount).format()), ("柜员", "Teller", it.teller),
            ("日期", "Date", f"{it.business_date:%Y-%m-%d}"))


def post_resolution(state: FlowState, ctx: StepContext) -> CommitResult:
    s = ctx.services
    it = item(state, s)
    if it is None:
        raise PostingRefused("no_over_short", "长短款登记不存在", "No such item")
    how = state["how"]
    suspense = s.core.cash.internal(s.branch, "suspense_short" if it.kind == "short"
                                    else "suspense_over")
    memo = state.get("memo") or dict((h, z) for h, z, _ in HOW)[how]
    cash = ()
    if how in CASH_WAYS:
        other = s.core.cash_box(s.branch, s.teller)
        if other is None:
            raise PostingRefused("no_cash_box", "现金处理须先领用尾箱", "Cash needs a drawn box")
        # cash_counts reads amount/notes/change from the state
        cash = cash_counts(_AmountView(state, it.amount), ctx, other,
                           "in" if how == "made_good" else "out")
    else:
        other = s.core.cash.internal(s.branch, "over_short_expense" if it.kind == "short"
                                     else "over_short_income")
    if other is None or suspense is None:
        raise PostingRefused("no_account", "网点缺少长短款处理账户", "Missing internal account")
    legs = ((Leg(other, "D", it.amount, memo), Leg(suspense, "C", it.amount, memo))
            if it.kind == "short" else
            (Leg(suspense, "D", it.amount, memo), Leg(other, "C", it.amount, memo)))
    posted = ctx.post(legs, memo=memo, attach=cash + (Resolution(it.id, how),))
    return CommitResult((posted,))


class _AmountView:
    """The state as cash_counts reads it, with the item's amount."""

    def __init__(self, state: FlowState, amount: int) -> None:
        self._values = {"amount": Money(amount), "notes": state["notes"], "change": None}

    def __getitem__(self, name: str):
        return self._values.get(name)


class OverShortResolution(Flow):
    """长短款处理."""

    code = "09040"
    title = "长短款处理"
    title_en = "Resolve overage/shortage"
    category = "cash"
    pages = (
        Page("item", "长短款", "Item", rules=page_rules, summary=summary,
             fields=(TextField("item_id", "登记编号", "Register number", max_len=12),
                     ChoiceField("how", "处理方式", "Resolution", choices=HOW),
                     DenominationCountField("notes", "券别明细", "Notes", required=False),
                     TextField("memo", "说明", "Remark", required=False, max_len=60))),
        Commit("resolve", "处理", "Resolve", execute=post_resolution, reversible=False),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        return [AuthNeed("A", "长短款处理须主管授权", "Resolving over/short needs a supervisor")]
