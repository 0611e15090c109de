"""18610 账户交易明细查询 — the account's postings, filtered by date range,
direction and amount (no posting). Every filter is a typed, parsed field handed
to the core as a bound parameter, so nothing typed can break the query."""
from __future__ import annotations

from teller.domain.problems import Problem
from teller.transactions.common import resolve
from teller.transactions.context import Services
from teller.transactions.fields import AccountField, AmountField, ChoiceField, DateField
from teller.transactions.flow import Flow, FlowState, Page, ResultTable
from teller.transactions.personal_pages import money

DIRECTIONS = (("", "全部", "All"), ("C", "存入（贷）", "Credits"), ("D", "支出（借）", "Debits"))


def criteria_rules(state: FlowState, services: Services) -> list[Problem]:
    info = resolve(state, services, "account")
    if info is None or not info.is_customer:
        return [Problem("account", "账户不存在", "No such account")]
    start, end = state["start"], state["end"]
    if start and end and start > end:
        return [Problem("end", "结束日期不能早于起始日期", "The end date is before the start")]
    low, high = state["min_amount"], state["max_amount"]
    if low and high and low.fen > high.fen:
        return [Problem("max_amount", "最高金额不能小于最低金额", "Maximum below minimum")]
    return []


def history_table(state: FlowState, services: Services) -> ResultTable:
    number = resolve(state, services, "account").number
    low, high = state["min_amount"], state["max_amount"]
    lines = services.core.personal.history(
        number, start=state["start"], end=state["end"], direction=state["direction"] or None,
        min_fen=low.fen if low else None, max_fen=high.fen if high else None)
    rows = tuple((x.business_date.isoformat(), x.journal_number, x.txn_code,
                  "存入" if x.direction == "C" else "支出", money(x.amount),
                  money(x.balance_after), x.memo) for x in lines)
    return ResultTable((("日期", "Date"), ("流水号", "Journal number"), ("交易码", "Code"),
                        ("方向", "Direction"), ("金额", "Amount"), ("余额", "Balance"),
                        ("摘要", "Memo")), rows, f"共 {len(rows)} 笔")


class AccountHistory(Flow):
    """账户交易明细查询."""

    code = "18610"
    title = "账户交易明细查询"
    title_en = "Account transaction history"
    category = "query"
    pages = (
        Page("criteria", "查询条件", "Criteria", rules=criteria_rules, table=history_table,
             fields=(AccountField("account", "账号/卡号", "Account or card number"),
                     DateField("start", "起始日期", "From", required=False),
                     DateField("end", "结束日期", "Until", required=False),
                     ChoiceField("direction", "借贷方向", "Direction", required=False,
                                 choices=DIRECTIONS, default=""),
                     AmountField("min_amount", "最低金额", "Minimum amount", required=False),
                     AmountField("max_amount", "最高金额", "Maximum amount", required=False))),
    )
