"""07150 凭证查询 — the stock of one kind: the branch's and every teller's box,
with the 9001 count next to each (a difference is shown). Posts nothing."""
from __future__ import annotations

from teller.transactions.context import Services
from teller.transactions.flow import Flow, FlowState, Page, ResultTable
from teller.transactions.voucher_stock import kind_field


def stock_lines(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    out = []
    for s in services.core.vouchers.stock(services.branch):
        if s.kind != state["kind"]:
            continue
        who = "网点库存" if s.holder == "branch" else f"{s.holder}尾箱"
        runs = ", ".join(a if a == b else f"{a}-{b}" for a, b in s.runs) or "无"
        tie = "" if s.count == s.count_9001 else f"（9001 表外 {s.count_9001}，账实不符）"
        out.append((who, s.holder, f"{s.count} 张：{runs}{tie}"))
    return tuple(out) or (("库存", "Stock", "无"),)


def stock_table(state: FlowState, services: Services) -> ResultTable:
    """The kind's stock by holder, and the number the teller's next use takes."""
    rows = tuple((who, text) for who, _, text in stock_lines(state, services))
    nxt = services.core.vouchers.use_next(services.branch, services.teller, state["kind"])
    return ResultTable((("持有人", "Holder"), ("库存", "Stock")), rows,
                       note=f"下一张使用号码 {nxt}" if nxt else "尾箱中没有该种凭证")


class VoucherQuery(Flow):
    """凭证查询 (blank voucher stock)."""

    code = "07150"
    title = "凭证查询"
    title_en = "Blank voucher stock"
    category = "cash"
    pages = (
        Page("kind", "凭证种类", "Voucher kind", fields=(kind_field(),), summary=stock_lines,
             table=stock_table),
    )
