"""Branch reports as PDF (A4, Chinese): 现金头寸表 by denomination, 重要空白凭证
库存表 and 长短款登记簿. Inputs are shaped like the records of
``teller.core.day.branch_reports``; each prints its tie-out verdict at the foot —
"相符 ties" or a red 不符 stamp with the reasons ("does not tie"), like the
day summary::

    pdf = render_cash_position(cash_position(engine, "0101"), printed_at=now)
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from teller.domain.money import Money
from teller.printing.pdf import PAGE_A4, Canvas, clip

_ROW_H = 6.0
KIND_NAMES = {"vault": "金库", "teller": "柜员尾箱"}


def _amount(fen: int) -> str:
    return Money(fen).format().lstrip("¥")


class _Report:
    """A4 report page with a title block, rows that flow onto new pages, a foot."""

    def __init__(self, title: str, header: Any, printed_at: dt.datetime) -> None:
        self.pdf = Canvas(PAGE_A4, title=title, author=header.bank_name)
        self.pdf.text(105, 16, f"{header.bank_name} {title}".strip(), align="center", size=14)
        self.pdf.font(9)
        self.pdf.text(12, 24, f"网点：{header.branch} {header.branch_name}    "
                              f"业务日期：{header.business_date:%Y-%m-%d}")
        self.pdf.text(198, 24, f"打印时间：{printed_at:%Y-%m-%d %H:%M}", align="right")
        self.y = 32.0

    def heading(self, text: str) -> None:
        self.space(12)
        self.pdf.text(12, self.y, text, size=10)
        self.y += 5

    def row(self, cols: tuple[tuple[str, float, str], ...], cells, *, rule: bool = False,
            size: float = 8) -> None:
        self.space(_ROW_H)
        for (_, x, align), cell in zip(cols, cells):
            self.pdf.text(x, self.y, cell, align=align, size=size)
        if rule:
            self.pdf.line(12, self.y + 1.5, 198, self.y + 1.5, width=0.4)
        self.y += _ROW_H

    def head(self, cols) -> None:
        self.row(cols, [c[0] for c in cols], rule=True)

    def space(self, need: float) -> None:
        if self.y + need > 275:
            self.pdf.new_page()
            self.y = 20.0

    def foot(self, problems, ok_text: str) -> bytes:
        self.y += _ROW_H
        if problems:
            self.space(14)
            self.pdf.stamp(12, self.y, "不符")
            self.pdf.text(34, self.y + 6, "核对结果：不符 does not tie", size=9)
            self.y += 12
            for p in problems:
                self.space(_ROW_H)
                self.pdf.text(12, self.y, clip(p.message, 9, 180), size=9)
                self.y += _ROW_H
        else:
            self.space(_ROW_H)
            self.pdf.text(12, self.y, f"核对结果：{ok_text}，相符 ties", size=9)
            self.y += _ROW_H
        self.space(12)
        self.pdf.text(12, self.y + 6, "会计主管：", size=9)
        self.pdf.text(110, self.y + 6, "网点负责人：", size=9)
        return self.pdf.finish()


def render_cash_position(pos: Any, *, printed_at: dt.datetime) -> bytes:
    """现金头寸表: pieces and amount per denomination for every box, the tellers
    together, the vault and the branch; totals against GL 1001."""
    r = _Report("现金头寸表", pos.header, printed_at)
    names = dict(pos.denominations)
    values = sorted(set(names) | set(pos.branch_counts), reverse=True)
    cols = (("券别", 12, "left"), ("柜员尾箱（张）", 80, "right"), ("金库（张）", 115, "right"),
            ("网点合计（张）", 150, "right"), ("金额（元）", 198, "right"))
    r.heading("按券别汇总")
    r.head(cols)
    tellers, vault, branch = pos.counts("teller"), pos.counts("vault"), pos.branch_counts
    for v in values:
        r.row(cols, (names.get(v, _amount(v)), str(tellers.get(v, 0)), str(vault.get(v, 0)),
                     str(branch.get(v, 0)), _amount(v * branch.get(v, 0))))
    total = sum(b.total for b in pos.boxes)
    r.row(cols, ("合计", _amount(sum(b.total for b in pos.boxes if b.kind == "teller")),
                 _amount(sum(b.total for b in pos.boxes if b.kind == "vault")), "",
                 _amount(total)), size=8)
    cols = (("账号", 12, "left"), ("类别", 60, "left"), ("持有人", 85, "left"),
            ("状态", 110, "left"), ("券别合计（元）", 160, "right"), ("账面余额（元）", 198, "right"))
    r.heading("按尾箱明细（账面余额为 1001 库存现金分户账）")
    r.head(cols)
    for b in pos.boxes:
        r.row(cols, (b.account, KIND_NAMES.get(b.kind, b.kind), b.holder or "",
                     {"drawn": "已领用", "stored": "在库"}.get(b.status, b.status),
                     _amount(b.total), _amount(b.gl_balance)))
    r.row(cols, ("合计", "", "", "", _amount(total), _amount(pos.gl_1001)))
    return r.foot(pos.problems, f"券别合计 {_amount(total)} 元 = 1001 库存现金 "
                                f"{_amount(pos.gl_1001)} 元")


def render_voucher_stock(stock: Any, *, printed_at: dt.datetime) -> bytes:
    """重要空白凭证库存表: by holder and kind, the count, number runs and 9001."""
    r = _Report("重要空白凭证库存表", stock.header, printed_at)
    cols = (("持有人", 12, "left"), ("凭证种类", 40, "left"), ("实物（张）", 90, "right"),
            ("9001（张）", 115, "right"), ("号段", 122, "left"))
    r.heading("库存明细")
    r.head(cols)
    for s in stock.lines:
        runs = ", ".join(a if a == b else f"{a}-{b}" for a, b in s.runs)
        r.row(cols, ("网点库存" if s.holder == "branch" else s.holder, s.kind_name,
                     str(s.count), str(s.count_9001), clip(runs, 8, 75)))
    held = sum(s.count for s in stock.lines)
    counted = sum(s.count_9001 for s in stock.lines)
    r.row(cols, ("合计", "", str(held), str(counted), ""))
    return r.foot(stock.problems, f"实物 {held} 张 = 9001 表外 {counted} 张")


_RESOLUTION = {"made_good": "赔补", "write_off": "核销", "refund": "退还", "income": "转收入"}


def render_over_short(reg: Any, *, printed_at: dt.datetime) -> bytes:
    """长短款登记簿: every item, its resolution, and the open totals against 2241."""
    r = _Report("长短款登记簿", reg.header, printed_at)
    cols = (("编号", 12, "left"), ("日期", 26, "left"), ("柜员", 50, "left"),
            ("类别", 66, "left"), ("金额（元）", 110, "right"), ("授权", 116, "left"),
            ("状态", 136, "left"), ("处理", 156, "left"), ("处理人", 178, "left"))
    r.heading("登记明细")
    r.head(cols)
    for x in reg.lines:
        r.row(cols, (str(x.id), f"{x.business_date:%Y-%m-%d}", x.teller,
                     "长款" if x.kind == "over" else "短款", _amount(x.amount), x.authorized_by,
                     "未处理" if x.status == "open" else "已处理",
                     _RESOLUTION.get(x.resolution or "", x.resolution or ""), x.resolved_by or ""))
    if not reg.lines:
        r.row(cols, ("（无）",))
    over, short = reg.open_total("over"), reg.open_total("short")
    r.y += 2
    r.row(cols, ("未处理长款", "", "", "", _amount(over), f"2241 待处理长款 "
                 f"{_amount(reg.suspense['over'])}"))
    r.row(cols, ("未处理短款", "", "", "", _amount(short), f"2241 待处理短款 "
                 f"{_amount(reg.suspense['short'])}"))
    return r.foot(reg.problems, "未处理长短款 = 2241 待处理长短款")
