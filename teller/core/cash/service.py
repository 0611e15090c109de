"""The cash service (尾箱与金库服务): the flows' facade over cash by denomination.

Posting with counts goes through the kernel, whose cash rule
(:class:`teller.core.cash.counts.CashRule`) checks and writes the notes; this
module holds what the flows read — a box as the teller sees it, transfers in
transit, the over/short register — and the few set-ups around it (limits,
the in-transit account)::

    cash = CashService(engine)
    cash.box(box)            # BoxInfo: GL balance, holdings, limit (尾箱限额)
    cash.transfers("0101")   # 现金在途: TransferInfo still waiting for the receiver
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.cash.counts import (
    CASH_KINDS, IN_TRANSIT_KIND, VAULT_ROLES, accounts_t, active_denominations, boxes_t,
    branches_t, ensure_box, items_t, movement_counts, moves_t, parse_counts, read_holdings,
    transfers_t, users_t,
)
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.accounts import internal_account, open_account
from teller.domain import cash as dc


@dataclass(frozen=True)
class BoxInfo:
    """A box as the teller sees it: GL balance, counts, limit (尾箱限额)."""

    account: str
    branch: str
    kind: str
    holder: str | None
    status: str
    limit_fen: int | None
    balance: int
    holdings: tuple[tuple[int, int], ...]

    @property
    def total(self) -> int:
        return dc.total(self.holdings)

    @property
    def over_limit(self) -> bool:
        return self.limit_fen is not None and self.balance > self.limit_fen


@dataclass(frozen=True)
class TransferInfo:
    """现金调拨 between boxes; ``to_user`` None means the vault."""

    id: int
    kind: str
    business_date: dt.date
    from_account: str
    from_user: str
    to_account: str | None
    to_user: str | None
    amount: int
    counts: tuple[tuple[int, int], ...]
    status: str
    out_entry_id: int
    in_entry_id: int | None


@dataclass(frozen=True)
class OverShortInfo:
    """A line of the over/short register (长短款登记簿)."""

    id: int
    business_date: dt.date
    teller: str
    box_account: str
    kind: str
    amount: int
    status: str
    authorized_by: str
    resolution: str | None
    entry_id: int


class CashService:
    """Posting with counts, and the reads the flows need. One per core engine."""

    def __init__(self, engine: Engine, *,
                 clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.engine = engine
        self.clock = clock

    def _now(self) -> dt.datetime:
        return self.clock().replace(tzinfo=None)

    # -- reads ---------------------------------------------------------------
    def denominations(self) -> tuple[tuple[int, str], ...]:
        with reader(self.engine) as conn:
            return tuple(active_denominations(conn).items())

    def held_box(self, branch: str, teller: str) -> str | None:
        """The box ``teller`` has drawn today (签到领用), or None."""
        with reader(self.engine) as conn:
            return conn.execute(select(boxes_t.c.account_number).where(
                boxes_t.c.branch_code == branch, boxes_t.c.holder_user == teller,
                boxes_t.c.status == "drawn").order_by(boxes_t.c.account_number)).scalar()

    def box(self, account: str) -> BoxInfo | None:
        with reader(self.engine) as conn:
            acct = conn.execute(select(accounts_t.c.kind, accounts_t.c.balance,
                                       accounts_t.c.branch_code)
                                .where(accounts_t.c.number == account)).first()
            if acct is None or acct.kind not in CASH_KINDS:
                return None
            row = conn.execute(select(boxes_t).where(boxes_t.c.account_number == account)).first()
            held = read_holdings(conn, account)
        return BoxInfo(account, acct.branch_code, CASH_KINDS[acct.kind],
                       row.holder_user if row else None, row.status if row else "stored",
                       row.limit_fen if row else None, int(acct.balance), dc.pairs(held))

    def vault(self, branch: str) -> str | None:
        with reader(self.engine) as conn:
            return internal_account(conn, branch, "vault")

    def set_limit(self, account: str, limit_fen: int | None) -> None:
        """尾箱限额: above it the teller is told to hand cash in (None: no limit)."""
        def work(conn: Connection) -> None:
            ensure_box(conn, account)
            conn.execute(update(boxes_t).where(boxes_t.c.account_number == account)
                         .values(limit_fen=limit_fen))
        run_in_transaction(self.engine, work)

    def in_transit_account(self, branch: str) -> str:
        """The branch's 2241 现金在途 account, opened on first use."""
        with reader(self.engine) as conn:
            found = internal_account(conn, branch, IN_TRANSIT_KIND)
        if found:
            return found

        def work(conn: Connection) -> str:
            again = internal_account(conn, branch, IN_TRANSIT_KIND)
            if again:
                return again
            bdate = conn.execute(select(branches_t.c.business_date)
                                 .where(branches_t.c.code == branch)).scalar_one()
            return open_account(conn, branch=branch, subject="2241", title="现金在途",
                                kind=IN_TRANSIT_KIND, opened_on=bdate, overdraft_limit=None)
        return run_in_transaction(self.engine, work)

    def transfers(self, branch: str, *, status: str | None = "in_transit",
                  user: str | None = None) -> tuple[TransferInfo, ...]:
        """Transfers of the branch; with ``user``, those they sent or are to receive."""
        q = select(transfers_t).where(transfers_t.c.branch_code == branch)
        if status:
            q = q.where(transfers_t.c.status == status)
        if user:
            q = q.where((transfers_t.c.from_user == user) | (transfers_t.c.to_user == user))
        with reader(self.engine) as conn:
            rows = conn.execute(q.order_by(transfers_t.c.id)).all()
        return tuple(_transfer(r) for r in rows)

    def transfer(self, ident: int) -> TransferInfo | None:
        with reader(self.engine) as conn:
            r = conn.execute(select(transfers_t).where(transfers_t.c.id == ident)).first()
        return _transfer(r) if r is not None else None

    def over_short(self, branch: str, *, status: str | None = "open"
                   ) -> tuple[OverShortInfo, ...]:
        q = select(items_t).where(items_t.c.branch_code == branch)
        if status:
            q = q.where(items_t.c.status == status)
        with reader(self.engine) as conn:
            rows = conn.execute(q.order_by(items_t.c.id)).all()
        return tuple(OverShortInfo(r.id, r.business_date, r.teller_code, r.box_account, r.kind,
                                   int(r.amount), r.status, r.authorized_by, r.resolution,
                                   r.entry_id) for r in rows)

    def movements(self, entry_id: int) -> tuple[tuple[str, int, str, int], ...]:
        """(account, denomination, 'in'|'out', pieces) of one entry."""
        with reader(self.engine) as conn:
            rows = conn.execute(select(moves_t).where(moves_t.c.entry_id == entry_id)
                                .order_by(moves_t.c.id)).all()
        out = []
        for r in rows:
            received, paid = movement_counts(r)
            out += [(r.account_number, d, "in", n) for d, n in received.items()]
            out += [(r.account_number, d, "out", n) for d, n in paid.items()]
        return tuple(out)

    def can_use_vault(self, user: str) -> bool:
        with reader(self.engine) as conn:
            role = conn.execute(select(users_t.c.role).where(users_t.c.code == user)).scalar()
        return role in VAULT_ROLES

    def internal(self, branch: str, kind: str) -> str | None:
        with reader(self.engine) as conn:
            return internal_account(conn, branch, kind)


def _transfer(r) -> TransferInfo:
    return TransferInfo(r.id, r.kind, r.business_date, r.from_account, r.from_user,
                        r.to_account, r.to_user, int(r.amount),
                        tuple(parse_counts(r.counts).items()), r.status,
                        r.out_entry_id, r.in_entry_id)


__all__ = ["CashService", "BoxInfo", "TransferInfo", "OverShortInfo"]
