"""Blank-voucher stock as it stands (重要空白凭证库存): what each holder has of
each kind, as number runs, next to its 9001 off-balance count — and the day-end
check that the two agree (账实相符). Read-only; the movements that change the
stock are teller.core.vouchers.blank.

Worked example::

    with reader(engine) as conn:
        stock_lines(conn, "0101")        # (StockLine('passbook', '存折', 'branch', 5,
                                         #   (('00000106', '00000110'),), 5), ...)
        tie_out_problems(conn, "0101")   # [] when every holder ties out
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from teller.core.ledger import models as m
from teller.core.vouchers.models import Voucher, VoucherKind

vouchers_t = Voucher.__table__
kinds_t = VoucherKind.__table__
accounts_t = m.Account.__table__

COUNT_SUBJECT = "9001"


@dataclass(frozen=True)
class StockLine:
    """One holder's stock of one kind: the count, its number runs and the 9001 count."""

    kind: str
    kind_name: str
    holder: str  # 'branch' or a teller code
    count: int
    runs: tuple[tuple[str, str], ...]
    count_9001: int


def runs_of(numbers: list[str]) -> tuple[tuple[str, str], ...]:
    """Contiguous number runs: ['01','02','05'] → (('01','02'), ('05','05'))."""
    out: list[list[str]] = []
    for n in numbers:
        if out and int(n) == int(out[-1][1]) + 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return tuple((a, b) for a, b in out)


def stock_lines(conn: Connection, branch: str, teller: str | None = None
                ) -> tuple[StockLine, ...]:
    cond = [vouchers_t.c.branch_code == branch, vouchers_t.c.status.in_(("branch", "box"))]
    if teller:
        cond.append(vouchers_t.c.teller_code == teller)
    rows = conn.execute(select(vouchers_t.c.kind, vouchers_t.c.teller_code,
                               vouchers_t.c.number).where(*cond)
                        .order_by(vouchers_t.c.kind, vouchers_t.c.teller_code,
                                  vouchers_t.c.number)).all()
    names = {r.code: r.name for r in conn.execute(select(kinds_t))}
    held: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        held.setdefault((r.kind, r.teller_code or "branch"), []).append(r.number)
    counts = count_balances(conn, branch)
    keys = set(held) | {k for k, v in counts.items() if v and (not teller or k[1] == teller)}
    out = [StockLine(kind, names.get(kind, kind), holder, len(held.get((kind, holder), [])),
                     runs_of(held.get((kind, holder), [])), counts.get((kind, holder), 0))
           for kind, holder in keys]
    return tuple(sorted(out, key=lambda s: (s.holder != "branch", s.holder, s.kind)))


def count_balances(conn: Connection, branch: str) -> dict[tuple[str, str], int]:
    """9001 balances by (voucher kind, holder) — holder 'branch' or a teller code."""
    rows = conn.execute(select(accounts_t.c.medium_kind, accounts_t.c.owner_user,
                               accounts_t.c.kind, accounts_t.c.balance).where(
        accounts_t.c.branch_code == branch, accounts_t.c.subject_code == COUNT_SUBJECT,
        accounts_t.c.kind.in_(("voucher_stock", "voucher_box"))))
    out: dict[tuple[str, str], int] = {}
    for r in rows:
        holder = r.owner_user if r.kind == "voucher_box" else "branch"
        key = (r.medium_kind or "", holder or "")
        out[key] = out.get(key, 0) + int(r.balance)
    return out


def tie_out_problems(conn: Connection, branch: str,
                     business_date: dt.date | None = None) -> list[tuple[str, str]]:
    """Day-end blocker: every holder's unused vouchers must equal its 9001 count."""
    del business_date
    counts = count_balances(conn, branch)
    held = {(r.kind, r.teller_code or "branch"): int(r.n) for r in conn.execute(
        select(vouchers_t.c.kind, vouchers_t.c.teller_code, func.count().label("n"))
        .where(and_(vouchers_t.c.branch_code == branch,
                    vouchers_t.c.status.in_(("branch", "box"))))
        .group_by(vouchers_t.c.kind, vouchers_t.c.teller_code))}
    out = []
    for key in sorted(set(counts) | set(held)):
        if counts.get(key, 0) != held.get(key, 0):
            kind, holder = key
            out.append((f"重要空白凭证账实不符：{kind} {holder} 实物 {held.get(key, 0)} 张，"
                        f"9001 表外 {counts.get(key, 0)} 张",
                        f"Blank vouchers do not tie out: {kind} {holder} held "
                        f"{held.get(key, 0)}, 9001 count {counts.get(key, 0)}"))
    return out
