"""The teller's day (柜员日): sign-on draws the box, balancing, hand-over,
sign-off returns it, and the branch day-end gate.

    days = TellerDayService(engine, operators)
    days.sign_on("T001", terminal="T01")      # -> DayStart(problems=[], box='0101100100000023')
    days.difference("T001", {10000: 1500, ...})  # blind count − system, nothing shown
    days.sign_off("T001")                     # [] once balanced; the box goes back to the vault
    day_end_blockers(conn, "0101")            # [Problem, ...] while anything is open

Rules
- tellers sign on only while their branch is open (``branches.status``);
  sign-on draws the teller's own box when it is in the vault; a teller without
  a box may work, but every cash leg is refused (teller.core.cash.counts);
- balancing (轧账) is blind: the teller enters the count by denomination and is
  told only whether it agrees. Both are posted through the kernel
  (:class:`~teller.core.cash.counts.CashBalancing`): an agreeing count as an
  entry without legs, a difference against over/short suspense with a
  supervisor's authorization — see flow 09030;
- sign-off (签退) needs the box balanced since its last movement;
- hand-over (交接, :class:`BoxHandover`): the receiving teller is present (their
  password), counts the box, and the count must agree; the box changes holder.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Mapping

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.cash.counts import counts_json, ensure_box, last_movement_id, read_holdings
from teller.core.cash.models import (
    CashBalancing, CashBox, CashHandover, CashTransfer, OverShortItem, TellerDay,
)
from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.records import Attachment, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.core.operators.models import User
from teller.core.operators.service import OperatorService
from teller.domain import cash as dc
from teller.domain.money import Money
from teller.domain.problems import Problem

users_t = User.__table__
branches_t = m.Branch.__table__
accounts_t = m.Account.__table__
boxes_t = CashBox.__table__
days_t = TellerDay.__table__
balancings_t = CashBalancing.__table__
transfers_t = CashTransfer.__table__
items_t = OverShortItem.__table__
handovers_t = CashHandover.__table__


@dataclass(frozen=True)
class DayStart:
    """What sign-on did: problems (then nothing changed) and the box drawn."""

    problems: list[Problem] = field(default_factory=list)
    box: str | None = None
    note: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class TellerDayInfo:
    teller: str
    business_date: dt.date
    status: str
    box: str | None
    balanced: bool


def _branch(conn: Connection, code: str):
    return conn.execute(select(branches_t).where(branches_t.c.code == code)).first()


def lock_box(conn: Connection, box: str) -> None:
    """Lock the box's account row, as every posting on the box does: who holds
    a box changes only between its postings, never under one."""
    conn.execute(select(accounts_t.c.number).where(accounts_t.c.number == box)
                 .with_for_update()).all()


def box_balanced(conn: Connection, teller: str, bdate: dt.date, box: str) -> bool:
    """A balancing of today whose last movement is still the box's last one."""
    last = conn.execute(select(balancings_t.c.last_movement_id).where(
        balancings_t.c.teller_code == teller, balancings_t.c.business_date == bdate,
        balancings_t.c.box_account == box).order_by(balancings_t.c.id.desc())).first()
    return last is not None and last.last_movement_id == last_movement_id(conn, box)


def day_end_blockers(db: Connection | Engine, branch: str) -> list[Problem]:
    """Why the branch may not close its day (日终): tellers signed on, boxes not
    balanced back into the vault, cash in transit, over/short items waiting for
    a supervisor's resolution. Empty = nothing of the cash side blocks. ``db`` is
    the day-end batch's connection (read inside its transaction) or an engine.
    Each problem's ``field`` names the thing: 'teller:T001', 'box:<account>',
    'transfer:<id>', 'over_short:<id>'."""
    if isinstance(db, Engine):
        with reader(db) as conn:
            return day_end_blockers(conn, branch)
    conn = db
    b = _branch(conn, branch)
    if b is None:
        return [Problem("branch", f"网点 {branch} 不存在", f"No branch {branch}")]
    out: list[Problem] = []
    for r in conn.execute(select(days_t.c.teller_code).where(
            days_t.c.branch_code == branch, days_t.c.status == "signed_on")
            .order_by(days_t.c.teller_code)):
        out.append(Problem(f"teller:{r.teller_code}", f"柜员 {r.teller_code} 尚未签退",
                           f"Teller {r.teller_code} is still signed on"))
    for r in conn.execute(select(boxes_t).where(boxes_t.c.branch_code == branch,
                                                boxes_t.c.status == "drawn")
                          .order_by(boxes_t.c.account_number)):
        out.append(Problem(f"box:{r.account_number}",
                           f"尾箱 {r.account_number}（柜员 {r.holder_user}）未轧账入库",
                           f"Box {r.account_number} ({r.holder_user}) is not balanced in"))
    for r in conn.execute(select(transfers_t).where(transfers_t.c.branch_code == branch,
                                                    transfers_t.c.status == "in_transit")
                          .order_by(transfers_t.c.id)):
        to = r.to_user or "金库"
        out.append(Problem(f"transfer:{r.id}",
                           f"现金调拨 {r.id}（{r.from_user}→{to}，{Money(int(r.amount)).format()}）"
                           "在途未确认", f"Cash transfer {r.id} is in transit"))
    for r in conn.execute(select(items_t).where(items_t.c.branch_code == branch,
                                                items_t.c.status == "open")
                          .order_by(items_t.c.id)):
        kind = "长款" if r.kind == "over" else "短款"
        out.append(Problem(f"over_short:{r.id}",
                           f"{kind} {Money(int(r.amount)).format()}（柜员 {r.teller_code}）待主管处理",
                           f"{r.kind} item {r.id} waits for a supervisor"))
    return out


class TellerDayService:
    def __init__(self, engine: Engine, operators: OperatorService, *,
                 clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.engine = engine
        self.operators = operators
        self.clock = clock

    def _now(self) -> dt.datetime:
        return self.clock().replace(tzinfo=None)

    # -- sign-on ---------------------------------------------------------------
    def sign_on(self, teller: str, terminal: str = "") -> DayStart:
        """签到: open (or resume) the teller's day and draw their box."""
        return run_in_transaction(self.engine, lambda c: self._sign_on(c, teller, terminal))

    def _sign_on(self, conn: Connection, teller: str, terminal: str) -> DayStart:
        user = conn.execute(select(users_t).where(users_t.c.code == teller)).first()
        if user is None:
            return DayStart([Problem("user", "用户不存在", "No such user")])
        if user.role != "teller":
            return DayStart()
        b = _branch(conn, user.branch_code)
        if b.status != "open":
            return DayStart([Problem("branch", "网点营业日尚未开始（或已日终），柜员不能签到",
                                     "The branch's business day is not open")])
        bdate, now = b.business_date, self._now()
        box = conn.execute(select(boxes_t.c.account_number).where(
            boxes_t.c.holder_user == teller, boxes_t.c.status == "drawn")).scalar()
        note = note_en = ""
        if box is None:
            own = conn.execute(select(accounts_t.c.number).where(
                accounts_t.c.branch_code == b.code, accounts_t.c.kind == "cash_box",
                accounts_t.c.owner_user == teller, accounts_t.c.status == "normal")
                .order_by(accounts_t.c.number)).scalar()
            if own is not None:
                lock_box(conn, own)
                row = ensure_box(conn, own)
                if row["status"] == "stored":
                    conn.execute(update(boxes_t).where(boxes_t.c.account_number == own)
                                 .values(holder_user=teller, status="drawn", drawn_on=bdate))
                    box = own
                else:
                    note = f"尾箱 {own} 已由柜员 {row['holder_user']} 领用，本次签到无尾箱"
                    note_en = f"Box {own} is held by {row['holder_user']}; no box"
            else:
                note, note_en = "柜员没有尾箱，不能办理现金业务", "The teller has no cash box"
        day = conn.execute(select(days_t).where(days_t.c.teller_code == teller,
                                                days_t.c.business_date == bdate)).first()
        if day is None:
            conn.execute(insert(days_t).values(
                teller_code=teller, business_date=bdate, branch_code=b.code,
                terminal_code=terminal, box_account=box, status="signed_on",
                signed_on_at=now, signed_off_at=None))
        else:
            conn.execute(update(days_t).where(days_t.c.teller_code == teller,
                                              days_t.c.business_date == bdate)
                         .values(status="signed_on", box_account=box, terminal_code=terminal,
                                 signed_off_at=None))
        return DayStart([], box, note, note_en)

    # -- balancing ---------------------------------------------------------------
    def difference(self, teller: str, counted: Mapping[int, int]) -> int | None:
        """counted − system (fen) for the box ``teller`` holds; None without a box.
        Only the comparison leaves the core: the system figure itself is never shown."""
        with reader(self.engine) as conn:
            box = self._held(conn, teller)
            if box is None:
                return None
            return dc.total(dc.clean(counted)) - dc.total(read_holdings(conn, box))

    # -- sign-off ----------------------------------------------------------------
    def sign_off(self, teller: str) -> list[Problem]:
        """签退: the box must be balanced; it goes back to the vault (入库)."""
        def work(conn: Connection) -> list[Problem]:
            user = conn.execute(select(users_t).where(users_t.c.code == teller)).first()
            if user is None or user.role != "teller":
                return []
            bdate = _branch(conn, user.branch_code).business_date
            box = self._held(conn, teller)
            if box is not None:
                lock_box(conn, box)  # a cash posting in flight on it finishes first
                if not box_balanced(conn, teller, bdate, box):
                    return [Problem("box", "尾箱尚未轧账（或轧账后又有现金交易），不能签退",
                                    "Balance the cash box before signing off")]
                conn.execute(update(boxes_t).where(boxes_t.c.account_number == box)
                             .values(holder_user=None, status="stored"))
            conn.execute(update(days_t).where(days_t.c.teller_code == teller,
                                              days_t.c.status == "signed_on")
                         .values(status="signed_off", signed_off_at=self._now()))
            return []
        return run_in_transaction(self.engine, work)

    # -- reads -------------------------------------------------------------------
    def status(self, teller: str) -> TellerDayInfo | None:
        with reader(self.engine) as conn:
            user = conn.execute(select(users_t.c.branch_code)
                                .where(users_t.c.code == teller)).first()
            if user is None:
                return None
            bdate = _branch(conn, user.branch_code).business_date
            day = conn.execute(select(days_t).where(days_t.c.teller_code == teller,
                                                    days_t.c.business_date == bdate)).first()
            if day is None:
                return None
            box = self._held(conn, teller)
            return TellerDayInfo(teller, bdate, day.status, box,
                                 box is None or box_balanced(conn, teller, bdate, box))

    def day_end_blockers(self, branch: str) -> list[Problem]:
        with reader(self.engine) as conn:
            return day_end_blockers(conn, branch)

    @staticmethod
    def _held(conn: Connection, teller: str) -> str | None:
        return conn.execute(select(boxes_t.c.account_number).where(
            boxes_t.c.holder_user == teller, boxes_t.c.status == "drawn")
            .order_by(boxes_t.c.account_number)).scalar()


# -- 尾箱交接 -----------------------------------------------------------------------
@dataclass(frozen=True)
class BoxHandover(Attachment, wire_name="cash.box_handover"):
    """尾箱交接: the operator's box to ``to_teller``, who is present (signed on at
    this counter for the purpose) and counted ``counts`` — which must agree with
    the box. No money moves: the same box changes holder."""

    to_teller: str
    counts: tuple[tuple[int, int], ...]


class BoxHandoverRule(PostingRule):
    """尾箱交接: the receiver is a signed-on teller of the branch without a box,
    and their count agrees with the box; then the box changes holder."""
    name = "cash.box_handover"

    def applies(self, request) -> bool:
        return request.one(BoxHandover) is not None

    def write(self, p: Posting) -> None:
        a = p.request.one(BoxHandover)
        assert a is not None
        conn, teller = p.conn, p.request.teller
        if a.to_teller == teller:
            raise PostingRefused("hand_over_self", "不能交接给自己", "Hand over to someone else")
        box = TellerDayService._held(conn, teller)
        if box is None:
            raise PostingRefused("hand_over_no_box", "交出柜员没有尾箱", "You hold no box")
        lock_box(conn, box)
        to = conn.execute(select(users_t).where(users_t.c.code == a.to_teller)).first()
        branch = conn.execute(select(boxes_t.c.branch_code)
                              .where(boxes_t.c.account_number == box)).scalar_one()
        if to is None or to.role != "teller" or to.branch_code != branch:
            raise PostingRefused("hand_over_to", f"{a.to_teller} 不是本网点柜员",
                                 f"{a.to_teller} is not a teller of the branch")
        bdate = p.business_date
        day = conn.execute(select(days_t.c.status).where(
            days_t.c.teller_code == a.to_teller, days_t.c.business_date == bdate)).scalar()
        if day != "signed_on":
            raise PostingRefused("hand_over_to", f"接收柜员 {a.to_teller} 须先签到",
                                 "The receiving teller must be signed on")
        if TellerDayService._held(conn, a.to_teller) is not None:
            raise PostingRefused("hand_over_to", f"接收柜员 {a.to_teller} 已持有尾箱",
                                 "The receiving teller already holds a box")
        system = read_holdings(conn, box, lock=True)
        if dc.clean(dict(a.counts)) != dc.clean(system):
            raise PostingRefused("hand_over_counts", "交接清点与尾箱不符，请重新清点",
                                 "The count does not agree with the box; count again")
        conn.execute(update(boxes_t).where(boxes_t.c.account_number == box)
                     .values(holder_user=a.to_teller))
        conn.execute(update(days_t).where(days_t.c.teller_code == teller,
                                          days_t.c.business_date == bdate)
                     .values(box_account=None))
        conn.execute(update(days_t).where(days_t.c.teller_code == a.to_teller,
                                          days_t.c.business_date == bdate)
                     .values(box_account=box))
        conn.execute(insert(handovers_t).values(
            box_account=box, from_user=teller, to_user=a.to_teller, business_date=bdate,
            counts=counts_json(system), amount=dc.total(system), at=p.now))
        p.fact("handed_to", a.to_teller)
