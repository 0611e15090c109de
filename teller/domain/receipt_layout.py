"""Teller receipt (客户回单) layout for narrow ESC/POS printers — pure, so both the
receipt driver (devices) and the voucher (transactions) use it without crossing layers.

Widths are display columns: a CJK ideograph or full-width sign takes two columns on
a receipt printer (a 12×24 half-width cell vs a 24×24 full-width one), so a 58 mm
printer's 32 columns hold 16 Chinese characters.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

WIDTH_58MM = 32
WIDTH_80MM = 48


@dataclass(frozen=True)
class Receipt:
    bank: str
    branch: str
    txn_name: str
    txn_code: str
    account: str
    amount_fen: int
    amount_capital: str  # 大写, e.g. from teller.domain.money.to_chinese_capital
    journal_no: str
    teller: str
    time: datetime | str
    offline: bool = False
    extra_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReceiptLine:
    text: str
    align: str = "left"  # left | center | right
    bold: bool = False
    double: bool = False  # double width and height (titles)


def char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Break ``text`` at display ``width``; continuation lines get ``indent``."""
    lines, cur, cur_w = [], "", 0
    for ch in text:
        w = char_width(ch)
        if cur_w + w > width and cur:
            lines.append(cur)
            cur, cur_w = indent, display_width(indent)
        cur += ch
        cur_w += w
    if cur or not lines:
        lines.append(cur)
    return lines


def two_columns(left: str, right: str, width: int) -> list[str]:
    """``left`` flush left and ``right`` flush right on one line if they fit."""
    gap = width - display_width(left) - display_width(right)
    if gap >= 1:
        return [left + " " * gap + right]
    return wrap(left, width) + wrap(right, width)


def mask_account(account: str) -> str:
    """First 6 + **** + last 4 (e.g. 622202****0018); short numbers keep only the last 4."""
    account = account.strip()
    if len(account) > 10:
        return f"{account[:6]}****{account[-4:]}"
    if len(account) > 4:
        return "****" + account[-4:]
    return account


def format_amount(fen: int) -> str:
    """￥1,234.56 — the full-width yuan sign is in GB2312, the half-width one is not."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}￥{yuan:,}.{cents:02d}"


def _time_text(t: datetime | str) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S") if isinstance(t, datetime) else str(t)


def receipt_lines(r: Receipt, width: int = WIDTH_58MM) -> list[ReceiptLine]:
    """The receipt as lines no wider than ``width`` display columns."""
    rule = "-" * width
    out: list[ReceiptLine] = []

    def field(label: str, value: str, bold: bool = False) -> None:
        indent = " " * display_width(label)
        out.extend(ReceiptLine(line, bold=bold) for line in wrap(label + value, width, indent))

    title_width = width // 2  # double-width characters take twice the columns
    out.extend(ReceiptLine(t, "center", bold=True, double=True) for t in wrap(r.bank, title_width))
    out.append(ReceiptLine("客户回单", "center", bold=True))
    if r.offline:
        out.append(ReceiptLine("*** 脱机交易 ***", "center", bold=True))
    out.append(ReceiptLine(rule))
    field("网点：", r.branch)
    field("交易：", f"{r.txn_name}({r.txn_code})")
    field("账号：", mask_account(r.account))
    field("金额：", format_amount(r.amount_fen), bold=True)
    field("大写：", "人民币" + r.amount_capital)
    out.extend(ReceiptLine(line) for line in two_columns(f"流水号：{r.journal_no}", f"柜员：{r.teller}", width))
    field("时间：", _time_text(r.time))
    if r.offline:
        field("", "脱机交易，待联机后以主机记账为准")
    for extra in r.extra_lines:
        field("", extra)
    out.append(ReceiptLine(rule))
    out.append(ReceiptLine("客户签名："))
    out.append(ReceiptLine(""))
    out.append(ReceiptLine("请核对回单，妥善保管", "center"))
    return out


def receipt_text(r: Receipt, width: int = WIDTH_58MM) -> str:
    """Plain text of the receipt, lines padded for alignment (previews, journal copy)."""
    rows = []
    for line in receipt_lines(r, width):
        cols = width // 2 if line.double else width
        pad = max(0, cols - display_width(line.text))
        if line.align == "center":
            rows.append(" " * (pad // 2) + line.text)
        elif line.align == "right":
            rows.append(" " * pad + line.text)
        else:
            rows.append(line.text)
    return "\n".join(rows)
