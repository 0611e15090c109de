"""Branch day-end summary (网点日终科目汇总表) as a PDF.

Input is shaped like ``teller.core.day.summary.DaySummary``: one row per GL
subject (opening, debit, credit, closing), on-balance and off-balance
subjects totalled apart, and the tie-out verdict printed at the foot — a
summary that does not tie says so in red rather than looking finished::

    pdf = render_day_summary(summary, printed_at=datetime(2026, 11, 23, 18, 5))
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from teller.domain.money import Money
from teller.printing.pdf import PAGE_A4, Canvas, clip

_COLS = (("科目", 12, "left"), ("科目名称", 26, "left"), ("方向", 70, "left"),
         ("上日余额", 104, "right"), ("借方发生额", 132, "right"), ("贷方发生额", 160, "right"),
         ("本日余额", 188, "right"), ("笔数", 198, "right"))
_ROW_H = 6.0


def _amount(fen: int) -> str:
    return Money(fen).format().lstrip("¥")


def render_day_summary(summary: Any, *, printed_at: dt.datetime) -> bytes:
    title = f"{summary.bank_name} 网点日终科目汇总表"
    pdf = Canvas(PAGE_A4, title=title, author=summary.bank_name)
    pdf.text(105, 16, title, align="center", size=14)
    pdf.font(9)
    pdf.text(12, 24, f"网点：{summary.branch} {summary.branch_name}    "
                     f"业务日期：{summary.business_date:%Y-%m-%d}    交易笔数：{summary.entries}")
    pdf.text(198, 24, f"打印时间：{printed_at:%Y-%m-%d %H:%M}", align="right")
    y = 32.0
    for on_sheet, heading in ((True, "表内科目（单位：元）"), (False, "表外科目（单位：份）")):
        fmt = _amount if on_sheet else str
        rows = [r for r in summary.subjects if r.on_balance_sheet == on_sheet]
        if not rows:
            continue
        pdf.text(12, y, heading, size=10)
        y += 5
        pdf.font(8)
        for name, x, align in _COLS:
            pdf.text(x, y, name, align=align)
        pdf.line(12, y + 1.5, 198, y + 1.5, width=0.4)
        y += _ROW_H
        for r in rows:
            cells = (r.subject, clip(r.name, 8, 43), "借" if r.side == "D" else "贷",
                     fmt(r.opening), fmt(r.debit), fmt(r.credit), fmt(r.closing),
                     str(r.postings))
            for (_, x, align), cell in zip(_COLS, cells):
                pdf.text(x, y, cell, align=align, size=8)
            y += _ROW_H
            if y > 270:
                pdf.new_page()
                y = 20.0
        pdf.line(12, y - 4, 198, y - 4, width=0.4)
        pdf.text(12, y, "合计", size=8)
        pdf.text(132, y, fmt(sum(r.debit for r in rows)), align="right")
        pdf.text(160, y, fmt(sum(r.credit for r in rows)), align="right")
        y += _ROW_H * 2
    if summary.problems:
        for p in summary.problems:
            pdf.stamp(12, y, "不平")
            pdf.text(40, y + 6, clip(p.message, 9, 155), size=9)
            y += 12
    else:
        pdf.text(12, y, "核对结果：借贷平衡，分户账与总账相符。", size=9)
        y += _ROW_H * 2
    pdf.text(12, min(y + 6, 285), "会计主管：", size=9)
    pdf.text(110, min(y + 6, 285), "网点负责人：", size=9)
    return pdf.finish()
