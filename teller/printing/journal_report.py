"""Teller daily journal report (柜员日结流水清单) as a PDF.

Every entry of the teller's business day in journal-number order, then totals
by transaction: entries, reversed entries and the net amount (a reversed entry
and its 冲正 cancel, so the net is what really moved). The lines are anything
shaped like ``teller.core.views.JournalLine``::

    pdf = render_journal_report(lines, bank="示例农商银行", branch="0101",
                                branch_name="城关支行", teller="T001",
                                business_date=date(2026, 11, 23),
                                titles={"10020": "个人活期存款"},
                                printed_at=datetime(2026, 11, 23, 17, 30))

:func:`journal_totals` is the arithmetic on its own (also for tests).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from teller.domain.money import Money
from teller.printing.pdf import PAGE_A4, Canvas, clip

STATUS_NAMES = {"posted": "正常", "reversed": "已冲正", "reversal": "冲正"}


@dataclass(frozen=True)
class TxnTotal:
    """One transaction code's line in the totals: ``net`` counts reversed entries
    and their reversals as nothing."""

    txn_code: str
    entries: int
    reversed: int
    reversals: int
    amount: int
    net: int


def journal_totals(lines: Iterable[Any]) -> tuple[TxnTotal, ...]:
    acc: dict[str, list[int]] = {}
    for ln in lines:
        t = acc.setdefault(ln.txn_code, [0, 0, 0, 0, 0])
        t[0] += 1
        t[3] += ln.amount
        if ln.status == "reversed":
            t[1] += 1
        elif ln.status == "reversal":
            t[2] += 1
        else:
            t[4] += ln.amount
    return tuple(TxnTotal(code, *acc[code]) for code in sorted(acc))


_COLS = (  # (title, x in mm, width in mm, align)
    ("流水号", 12, 40, "left"), ("时间", 53, 16, "left"), ("交易", 70, 38, "left"),
    ("账号", 109, 42, "left"), ("金额", 175, 0, "right"), ("状态", 178, 20, "left"),
)
_ROWS_PER_PAGE = 48
_ROW_H = 5.2


def _header(pdf: Canvas, title: str, meta: str, page: int, pages: int) -> float:
    pdf.text(105, 16, title, align="center", size=14)
    pdf.font(9)
    pdf.text(12, 24, meta)
    pdf.text(198, 24, f"第 {page} / {pages} 页", align="right")
    pdf.line(12, 27, 198, 27)
    for name, x, _, align in _COLS:
        pdf.text(x, 32, name, align=align)
    pdf.line(12, 34, 198, 34, width=0.4)
    return 39.0


def render_journal_report(lines: Sequence[Any], *, bank: str, branch: str, branch_name: str,
                          teller: str, business_date: dt.date, titles: Mapping[str, str],
                          printed_at: dt.datetime) -> bytes:
    totals = journal_totals(lines)
    title = f"{bank} 柜员日结流水清单"
    meta = (f"网点：{branch} {branch_name}    柜员：{teller}    业务日期：{business_date:%Y-%m-%d}"
            f"    打印时间：{printed_at:%Y-%m-%d %H:%M}")
    total_rows = len(totals) + 4
    pages = max(1, -(-(len(lines) + total_rows) // _ROWS_PER_PAGE))
    pdf = Canvas(PAGE_A4, title=title, author=bank)
    page, y, used = 1, _header(pdf, title, meta, 1, pages), 0

    def room() -> None:
        nonlocal page, y, used
        if used >= _ROWS_PER_PAGE:
            pdf.new_page()
            page += 1
            y, used = _header(pdf, title, meta, page, pages), 0

    pdf.font(8)
    for ln in lines:
        room()
        name = titles.get(ln.txn_code, "")
        cells = (ln.journal_number, f"{ln.created_at:%H:%M:%S}",
                 clip(f"{ln.txn_code} {name}", 8, 37), clip(ln.account or "", 8, 41),
                 Money(ln.amount).format(), STATUS_NAMES.get(ln.status, ln.status))
        for (_, x, _, align), cell in zip(_COLS, cells):
            pdf.text(x, y, cell, align=align, size=8)
        y += _ROW_H
        used += 1
    if not lines:
        pdf.text(12, y, "本日无交易", size=9)
        y += _ROW_H
        used += 1

    for _ in range(2):
        room()
        used += 1
    pdf.line(12, y - 2, 198, y - 2, width=0.4)
    y += 2
    pdf.text(12, y, "按交易汇总", size=10)
    y += _ROW_H + 1
    pdf.font(8)
    for head, x in (("交易", 12), ("笔数", 110), ("其中已冲正", 135), ("冲正", 160),
                    ("净发生额", 198)):
        pdf.text(x, y, head, align="right" if x == 198 else "left")
    y += _ROW_H
    for t in totals:
        room()
        pdf.text(12, y, clip(f"{t.txn_code} {titles.get(t.txn_code, '')}", 8, 95))
        pdf.text(110, y, str(t.entries))
        pdf.text(135, y, str(t.reversed))
        pdf.text(160, y, str(t.reversals))
        pdf.text(198, y, Money(t.net).format(), align="right")
        y += _ROW_H
        used += 1
    room()
    pdf.line(12, y - 3.5, 198, y - 3.5, width=0.4)
    pdf.text(12, y, "合计", size=9)
    pdf.text(110, y, str(sum(t.entries for t in totals)))
    pdf.text(198, y, Money(sum(t.net for t in totals)).format(), align="right")
    y += _ROW_H * 2
    pdf.text(12, min(y, 285), "柜员签章：", size=9)
    pdf.text(110, min(y, 285), "主管签章：", size=9)
    return pdf.finish()
