"""07130 凭证作废 — void one blank voucher, with a reason.

- 印制错误或损坏 (spoiled): an unused voucher of the teller's own box; 9001: C
  the box, 1.
- 收回客户介质 (returned medium): also a used medium handed back by the
  customer; it left the count when used, so only the register records it.
Level-A authorization.
"""
from __future__ import annotations

from teller.core.vouchers.blank import VoucherVoid as Voiding
from teller.domain.problems import Problem
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import ChoiceField
from teller.transactions.flow import AuthNeed, Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.voucher_stock import (
    VOID_REASON_CHOICES, kind_field, number_field, stock_summary,
)


def number_rules(state: FlowState, services: Services) -> list[Problem]:
    number = state["number"] or ""
    if not (number.isascii() and number.isdigit()):
        return [Problem("number", "凭证号码须为数字", "A voucher number is digits only")]
    info = services.core.vouchers.voucher(state["kind"], number)
    if info is None or info.branch != services.branch:
        return [Problem("number", f"凭证 {number} 不是本网点的凭证", "Not a voucher of this branch")]
    if info.status == "box" and info.teller != services.teller:
        return [Problem("number", f"凭证 {number} 不在本柜员尾箱中", "Not in your box")]
    if info.status == "used" and state["reason"] != "returned_medium":
        return [Problem("reason", "已使用的凭证只能以“收回客户介质”作废",
                        "A used voucher is voided only as a returned medium")]
    if info.status in ("void", "branch"):
        return [Problem("number", f"凭证 {number} 状态不允许作废", "This voucher cannot be voided")]
    return []


def post_void(state: FlowState, ctx: StepContext) -> CommitResult:
    posted = ctx.post((), memo=f"凭证作废 {state['number']}",
                      attach=(Voiding(state["kind"], state["number"], state["reason"]),))
    return CommitResult((posted,), (),
                        (("voided", state["number"]),))


class VoucherVoid(Flow):
    """凭证作废 (void a blank voucher)."""

    code = "07130"
    title = "凭证作废"
    title_en = "Void a blank voucher"
    category = "cash"
    pages = (
        Page("voucher", "作废凭证", "Voucher",
             fields=(kind_field(), number_field("number", "凭证号码", "Voucher number"),
                     ChoiceField("reason", "作废原因", "Reason", choices=VOID_REASON_CHOICES,
                                 default="spoiled")),
             rules=number_rules, summary=stock_summary(own_box=True)),
        Commit("post", "作废", "Void", execute=post_void, reversible=False),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        return [AuthNeed("A", "重要空白凭证作废", "Blank voucher voided")]
