"""Branch reports' data (网点报表): cash position by denomination (现金头寸表),
blank-voucher stock (重要空白凭证库存表) and the over/short register
(长短款登记簿) — each with its tie-out against the ledger, a Problem when it
does not tie (printed, never "adjusted").

    pos = cash_position(engine, "0101")
    pos.branch_counts        # {10000: 4980, 5000: 200, …} pieces over vault and boxes
    pos.ties                 # counts' value == GL 1001 balances of the cash accounts
    stock = voucher_stock(engine, "0101")      # lines + 9001 tie-out
    reg = over_short_register(engine, "0101")  # every item, open ones first

The printers are in :mod:`teller.printing.branch_reports_pdf`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from teller.core.cash.models import CashBox, CashHolding, OverShortItem
from teller.core.ledger import models as m
from teller.core.vouchers.stock import StockLine, stock_lines
from teller.core.cash.counts import CASH_KINDS, active_denominations
from teller.core.ledger.db import reader
from teller.domain import cash as dc
from teller.domain.money import Money
from teller.domain.problems import Problem

accounts_t = m.Account.__table__
branches_t = m.Branch.__table__
boxes_t = CashBox.__table__
holdings_t = CashHolding.__table__
items_t = OverShortItem.__table__
CASH_SUBJECT = "1001"


@dataclass(frozen=True)
class BranchHeader:
    branch: str
    branch_name: str
    bank_name: str
    business_date: dt.date


@dataclass(frozen=True)
class BoxPosition:
    account: str
    kind: str            # 'vault' | 'teller'
    holder: str | None   # the teller holding it (drawn) or its owner
    status: str
    counts: tuple[tuple[int, int], ...]   # (value_fen, pieces), largest first
    gl_balance: int

    @property
    def total(self) -> int:
        return dc.total(dict(self.counts))


@dataclass(frozen=True)
class CashPosition:
    header: BranchHeader
    denominations: tuple[tuple[int, str], ...]
    boxes: tuple[BoxPosition, ...]
    gl_1001: int                 # the branch's GL 1001 total (every cash account)
    problems: tuple[Problem, ...]

    def counts(self, kind: str | None = None) -> dict[int, int]:
        out: dict[int, int] = {}
        for b in self.boxes:
            if kind is None or b.kind == kind:
                for value, n in b.counts:
                    out[value] = out.get(value, 0) + n
        return out

    @property
    def branch_counts(self) -> dict[int, int]:
        return self.counts()

    @property
    def ties(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class VoucherStock:
    header: BranchHeader
    lines: tuple[StockLine, ...]
    problems: tuple[Problem, ...]

    @property
    def ties(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class OverShortLine:
    id: int
    business_date: dt.date
    teller: str
    kind: str
    amount: int
    status: str
    authorized_by: str
    resolution: str | None
    resolved_by: str | None


@dataclass(frozen=True)
class OverShortRegister:
    header: BranchHeader
    lines: tuple[OverShortLine, ...]
    suspense: dict[str, int]     # 2241 待处理长款/短款 balances: {'over': …, 'short': …}
    problems: tuple[Problem, ...]

    def open_total(self, kind: str) -> int:
        return sum(x.amount for x in self.lines if x.kind == kind and x.status == "open")

    @property
    def ties(self) -> bool:
        return not self.problems


def _header(conn, branch: str) -> BranchHeader:
    b = conn.execute(select(branches_t).where(branches_t.c.code == branch)).first()
    if b is None:
        raise LookupError(f"no branch {branch}")
    return BranchHeader(branch, b.name, getattr(b, "bank_name", "") or "", b.business_date)


def cash_position(engine: Engine, branch: str) -> CashPosition:
    """现金头寸: each cash account's counts by denomination and GL balance; ties
    when each box's counts equal its balance and all of them equal GL 1001."""
    with reader(engine) as conn:
        header = _header(conn, branch)
        denoms = tuple(active_denominations(conn).items())
        accts = conn.execute(select(accounts_t.c.number, accounts_t.c.kind, accounts_t.c.balance,
                                    accounts_t.c.owner_user)
                             .where(accounts_t.c.branch_code == branch,
                                    accounts_t.c.kind.in_(tuple(CASH_KINDS)))
                             .order_by(accounts_t.c.kind.desc(), accounts_t.c.number)).all()
        boxes = {r.account_number: r for r in conn.execute(
            select(boxes_t).where(boxes_t.c.branch_code == branch))}
        held: dict[str, dict[int, int]] = {}
        for r in conn.execute(select(holdings_t).where(
                holdings_t.c.account_number.in_([a.number for a in accts]))):
            if r.pieces:
                held.setdefault(r.account_number, {})[int(r.value_fen)] = int(r.pieces)
        gl = int(conn.execute(select(func.coalesce(func.sum(accounts_t.c.balance), 0)).where(
            accounts_t.c.branch_code == branch,
            accounts_t.c.subject_code == CASH_SUBJECT)).scalar_one())
    out, problems = [], []
    for a in accts:
        box = boxes.get(a.number)
        counts = tuple(sorted(held.get(a.number, {}).items(), reverse=True))
        pos = BoxPosition(a.number, CASH_KINDS[a.kind],
                          (box.holder_user if box is not None and box.holder_user else
                           a.owner_user), box.status if box is not None else "stored",
                          counts, int(a.balance))
        out.append(pos)
        if pos.total != pos.gl_balance:
            problems.append(Problem(f"box:{a.number}",
                                    f"{a.number} 券别合计 {Money(pos.total).format()} 与账面 "
                                    f"{Money(pos.gl_balance).format()} 不符",
                                    f"{a.number}: counts do not equal the balance"))
    counted = sum(b.total for b in out)
    if counted != gl:
        problems.append(Problem("gl:1001", f"全部券别合计 {Money(counted).format()} 与 1001 "
                                           f"库存现金 {Money(gl).format()} 不符",
                                f"Counts {counted} do not equal GL 1001 {gl}"))
    return CashPosition(header, denoms, tuple(out), gl, tuple(problems))


def voucher_stock(engine: Engine, branch: str) -> VoucherStock:
    """重要空白凭证库存: unused vouchers by holder and kind against the 9001 counts."""
    with reader(engine) as conn:
        header = _header(conn, branch)
        lines = stock_lines(conn, branch)
    problems = tuple(Problem(f"voucher:{s.kind}:{s.holder}",
                             f"{s.kind_name} {s.holder} 实物 {s.count} 张，9001 {s.count_9001} 张",
                             f"{s.kind} {s.holder}: {s.count} held, 9001 {s.count_9001}")
                     for s in lines if s.count != s.count_9001)
    return VoucherStock(header, lines, problems)


def over_short_register(engine: Engine, branch: str, *, since: dt.date | None = None
                        ) -> OverShortRegister:
    """长短款登记簿: every item (since a date), and the tie-out: open overages
    equal the 2241 待处理长款 balance, open shortages the 待处理短款 one."""
    with reader(engine) as conn:
        header = _header(conn, branch)
        q = select(items_t).where(items_t.c.branch_code == branch)
        if since is not None:
            q = q.where(items_t.c.business_date >= since)
        rows = conn.execute(q.order_by(items_t.c.business_date, items_t.c.id)).all()
        every = conn.execute(select(items_t.c.kind, func.sum(items_t.c.amount)).where(
            items_t.c.branch_code == branch, items_t.c.status == "open")
            .group_by(items_t.c.kind)).all()
        suspense = {kind: int(conn.execute(select(func.coalesce(func.sum(accounts_t.c.balance),
                                                                 0)).where(
            accounts_t.c.branch_code == branch, accounts_t.c.kind == f"suspense_{kind}"))
            .scalar_one()) for kind in ("over", "short")}
    lines = tuple(OverShortLine(r.id, r.business_date, r.teller_code, r.kind, int(r.amount),
                                r.status, r.authorized_by, r.resolution, r.resolved_by)
                  for r in rows)
    open_by_kind = {k: int(v or 0) for k, v in every}
    # a shortage debits its credit-natured 2241 account: compare magnitudes
    suspense = {k: abs(v) for k, v in suspense.items()}
    problems = []
    for kind, zh in (("over", "长款"), ("short", "短款")):
        if open_by_kind.get(kind, 0) != suspense[kind]:
            problems.append(Problem(f"suspense:{kind}",
                                    f"未处理{zh}合计 {Money(open_by_kind.get(kind, 0)).format()} "
                                    f"与 2241 待处理{zh} {Money(suspense[kind]).format()} 不符",
                                    f"Open {kind} items do not equal the 2241 suspense"))
    return OverShortRegister(header, lines, suspense, tuple(problems))
