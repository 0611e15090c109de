"""Electronic voucher (无纸化凭证) as a one-page PDF.

Every posted step's voucher is kept as a PDF the way a paperless branch keeps
its scanned paper: bank and branch, transaction name and code, journal number
(流水号), business date and time, account and name, amount in figures and in
大写, teller and authorizer, and a signature area for the customer and teller.

The input is anything shaped like ``teller.transactions.voucher.Voucher``
(printing sits below transactions, so it reads the fields by name)::

    pdf_bytes = render_voucher(voucher)      # b'%PDF-…', A5 landscape
"""
from __future__ import annotations

from typing import Any

from teller.domain.money import Money
from teller.printing.pdf import Canvas, clip

MODE_NAMES = {"cash": "现金", "transfer": "转账"}

# Geometry in millimetres on A5 landscape (210 × 148).
_LEFT, _RIGHT = 14.0, 196.0
_LABEL_W = 30.0
_ROW_H = 8.0


def _rows(v: Any) -> list[tuple[str, str]]:
    rows = [("交易名称", f"{v.txn_code}  {v.txn_name}"),
            ("账号/卡号", v.account_masked),
            ("户名", v.account_name or "")]
    if v.mode:
        rows.append(("交易方式", MODE_NAMES.get(v.mode, v.mode)))
    if v.counter_account_masked:
        rows.append(("对方账号", v.counter_account_masked))
    rows += [("金额（小写）", Money(v.amount_fen).format()),
             ("金额（大写）", f"人民币{v.amount_capital}")]
    if v.balance_after is not None:
        rows.append(("交易后余额", Money(v.balance_after).format()))
    if v.memo:
        rows.append(("摘要", v.memo))
    return rows


def render_voucher(v: Any) -> bytes:
    pdf = Canvas(title=f"{v.txn_name} {v.journal_number}", author=v.bank)
    mid = (_LEFT + _RIGHT) / 2
    pdf.text(mid, 16, v.bank, align="center", size=16)
    pdf.text(mid, 24, f"{v.txn_name}凭证", align="center", size=12)
    if v.offline:
        pdf.stamp(_RIGHT - 24, 10, "脱机")

    pdf.font(9)
    pdf.text(_LEFT, 33, clip(f"网点：{v.branch} {v.branch_name}", 9, 80))
    pdf.text(_LEFT + 84, 33, f"业务日期：{v.business_date:%Y-%m-%d}")
    pdf.text(_RIGHT, 33, f"交易时间：{v.time:%Y-%m-%d %H:%M:%S}", align="right")
    pdf.text(_LEFT, 39, f"流水号：{v.journal_number}")

    rows = _rows(v)
    top = 42.0
    pdf.rect(_LEFT, top, _RIGHT - _LEFT, _ROW_H * len(rows))
    pdf.line(_LEFT + _LABEL_W, top, _LEFT + _LABEL_W, top + _ROW_H * len(rows), width=0.4)
    pdf.font(10)
    for i, (label, value) in enumerate(rows):
        y = top + _ROW_H * i
        if i:
            pdf.line(_LEFT, y, _RIGHT, y, width=0.4)
        pdf.text(_LEFT + 2, y + 5.6, label)
        pdf.text(_LEFT + _LABEL_W + 3, y + 5.6,
                 clip(value, 10, _RIGHT - _LEFT - _LABEL_W - 6))

    sig_top = top + _ROW_H * len(rows) + 6
    sig_h = max(min(148 - 10 - sig_top, 22.0), 14.0)
    third = (_RIGHT - _LEFT) / 3
    pdf.rect(_LEFT, sig_top, _RIGHT - _LEFT, sig_h)
    pdf.font(9)
    for i, label in enumerate(("客户签名", f"柜员：{v.teller}",
                               f"授权：{v.authorizer}" if v.authorizer else "授权：")):
        x = _LEFT + third * i
        if i:
            pdf.line(x, sig_top, x, sig_top + sig_h, width=0.4)
        pdf.text(x + 2, sig_top + 5, label)
    return pdf.finish()
