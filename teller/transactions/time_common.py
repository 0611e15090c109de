"""Pieces shared by the time deposit and interest flows (10110, 10130, 18570, 18410)."""
from __future__ import annotations

from typing import Callable

from teller.core.time_deposits.deposits import TERMS, TimeDepositInfo, WithdrawalQuote
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.core.cash.large_cash import LARGE_CASH_FEN
from teller.transactions.common import cash_note_problems, is_cash
from teller.transactions.context import Services
from teller.transactions.fields import DenominationCountField, TextField
from teller.transactions.flow import FlowState

TERM_TEXT = {3: "三个月", 6: "六个月", 12: "一年", 24: "二年", 36: "三年", 60: "五年"}
TERM_TEXT_EN = {3: "3 months", 6: "6 months", 12: "1 year", 24: "2 years", 36: "3 years",
                60: "5 years"}
TERM_CHOICES = tuple((str(t), TERM_TEXT[t], TERM_TEXT_EN[t]) for t in TERMS)
ROLLOVER_CHOICES = (("0", "不自动转存", "No rollover"),
                    ("1", "自动转存（本息）", "Roll over principal and interest"))
QUOTE_KIND = {"maturity": "到期支取", "overdue": "逾期支取", "early": "提前支取",
              "partial": "部分提前支取"}


def money(fen: int) -> str:
    return Money(fen).format()


def deposit_of(state: FlowState, services: Services, name: str = "account"
               ) -> TimeDepositInfo | None:
    ref = state[name]
    if ref is None:
        return None
    info = services.core.resolve_account(ref.number)
    return services.core.time.deposit(info.number) if info is not None else None


def deposit_lines(d: TimeDepositInfo) -> list[tuple[str, str, str]]:
    return [("户名", "Holder", d.holder), ("账号", "Account", d.account),
            ("产品", "Product", d.product_name),
            ("本金", "Principal", money(d.principal)),
            ("利率", "Rate", f"{d.rate}"),
            ("起息日", "Start date", d.start_date.isoformat()),
            ("到期日", "Maturity date", d.maturity_date.isoformat()),
            ("转存", "Rollover", "自动转存" if d.auto_rollover else "不自动转存"),
            ("存单号", "Slip", d.slip_number or "—"),
            ("部提", "Partial used", "已部提" if d.partial_done else "未部提")]


def quote_lines(q: WithdrawalQuote) -> list[tuple[str, str, str]]:
    lines = [("支取类型", "Kind", QUOTE_KIND[q.kind]),
             ("支取本金", "Principal", money(q.amount))]
    if q.kind in ("maturity", "overdue"):
        lines.append(("定期利息", "Term interest", money(q.term_interest)))
    if q.kind == "overdue":
        lines.append(("逾期利息", "Overdue interest",
                      f"{money(q.overdue_interest)}（{q.days}天，活期 {q.current_rate}）"))
    if q.kind in ("early", "partial"):
        lines.append(("活期利息", "Interest at current rate",
                      f"{money(q.early_interest)}（{q.days}天，活期 {q.current_rate}）"))
    lines += [("利息合计", "Interest", money(q.interest)), ("本息合计", "Payout", money(q.payout))]
    if q.kind == "partial":
        lines.append(("留存金额", "Remainder", money(q.remainder)))
    return lines


def large_cash_rule(amount_of: Callable[[FlowState, Services], int | None]
                    ) -> Callable[[FlowState, Services], list[Problem]]:
    """Cash of 50,000 or more needs the source/use of funds (DOMAIN.md §4)."""
    def rules(state: FlowState, services: Services) -> list[Problem]:
        amount = amount_of(state, services)
        if is_cash(state) and amount is not None and amount >= LARGE_CASH_FEN \
                and not state["funds_source"]:
            return [Problem("funds_source", "现金5万元（含）以上须登记资金来源或用途",
                            "Cash of 50,000 or more needs the source or use of funds")]
        return []
    return rules


def cash_page_rules(amount_of: Callable[[FlowState, Services], int | None]
                    ) -> Callable[[FlowState, Services], list[Problem]]:
    """The cash page of a time-deposit flow: the box, the notes (券别) adding up
    to the cash amount, and the large-cash rule."""
    large = large_cash_rule(amount_of)

    def rules(state: FlowState, services: Services) -> list[Problem]:
        return cash_note_problems(state, services, amount_of(state, services)) \
            + large(state, services)
    return rules


def note_fields(purpose_zh: str, purpose_en: str) -> tuple:
    """券别明细 and 找零 of a cash page, and the source/use of funds."""
    return (DenominationCountField("notes", "券别明细", "Notes by denomination", required=False),
            DenominationCountField("change", "找零券别", "Change", required=False),
            TextField("funds_source", purpose_zh, purpose_en, required=False, max_len=60))
