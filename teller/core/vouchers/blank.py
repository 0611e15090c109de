"""Important blank vouchers (重要空白凭证): stock by kind and number, and the
9001 off-balance count that moves with every change.

Life of a voucher (DOMAIN.md §2, CBUS §3.9/§4.6)::

    receive  (凭证入库)  head office → branch stock            status 'branch'
    issue    (凭证领用)  branch stock → a teller's box (尾箱)    status 'box'
    use      (凭证使用)  the teller issues the medium            status 'used'
    void     (凭证作废)  spoiled print / returned medium        status 'void'
    return   (凭证上缴)  teller's box → branch stock            status 'branch'

A teller must always use the **smallest** number of a kind in the box; any
other number is refused with the number to use instead.

The 9001 count (one off-balance internal account per holder and kind, kind
``voucher_stock`` for the branch, ``voucher_box`` for a teller, the voucher kind
in ``medium_kind``; the *amount* of a leg is a count of vouchers, 1 = one
voucher). 9001 is debit-natured, so 收 = D and 付 = C::

    receive n   D branch stock n                      (收: single-entry, off-balance)
    issue n     D teller box n     C branch stock n   (a transfer between holders)
    use 1       C teller box 1                        (付, next to the caller's legs)
    void 1      C teller box 1                        (付; a returned *used* medium moves no count)
    return n    D branch stock n   C teller box n

The posting engine leaves off-balance legs out of the debit = credit check, so
the single-entry legs post as they are; the box/stock accounts have an
overdraft limit of 0, so a count can never go below zero.

Worked example (see tests/core/test_blank_vouchers.py)::

    v = BlankVoucherService(engine, posting)
    v.receive(req("S001"), kind="passbook", first="00000101", last="00000110")
    v.issue(req("S001"), kind="passbook", first="00000101", last="00000105", to_teller="T001")
    v.use_next("0101", "T001", "passbook")            # '00000101'
    v.use(req("T001"), kind="passbook", number="00000103")   # refused: use 00000101
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.operators.models import User
from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.accounts import open_account
from teller.core.vouchers.models import Voucher, VoucherKind, VoucherMovement
from teller.core.ledger.engine import PostingEngine, entry_digest, register_reversal_hook
from teller.core.ledger.records import EntryRequest, Leg, PostedEntry, PostingRefused
from teller.core.vouchers.stock import COUNT_SUBJECT, StockLine, stock_lines

vouchers_t = Voucher.__table__
kinds_t = VoucherKind.__table__
moves_t = VoucherMovement.__table__
accounts_t = m.Account.__table__
users_t = User.__table__
branches_t = m.Branch.__table__
entries_t = m.JournalEntry.__table__

MAX_RANGE = 10_000  # one receive/issue/return; a bigger batch is several steps
DEFAULT_KINDS = (  # code, name, number length
    ("passbook", "存折", 8),
    ("debit_card", "借记卡", 8),
    ("deposit_slip", "存单", 8),
    ("certificate", "存款证实书", 8),
)
VOID_REASONS = {
    "spoiled": ("印制错误或损坏", "Spoiled print or damaged"),
    "returned_medium": ("收回客户介质", "Medium returned by the customer"),
}


@dataclass(frozen=True)
class VoucherInfo:
    kind: str
    number: str
    branch: str
    teller: str | None
    status: str
    account: str | None
    void_reason: str | None


def _refuse(code: str, zh: str, en: str) -> PostingRefused:
    return PostingRefused(code, zh, en)


# -- configuration -----------------------------------------------------------
def define_kind(conn: Connection, code: str, name: str, number_length: int) -> None:
    """Add a voucher kind (configuration, e.g. by an administrator or the demo)."""
    if conn.execute(select(kinds_t.c.code).where(kinds_t.c.code == code)).first() is None:
        conn.execute(insert(kinds_t).values(code=code, name=name, number_length=number_length,
                                            active=True))


def ensure_default_kinds(conn: Connection) -> None:
    for code, name, length in DEFAULT_KINDS:
        define_kind(conn, code, name, length)


def _kind(conn: Connection, kind: str):
    row = conn.execute(select(kinds_t).where(kinds_t.c.code == kind)).first()
    if row is None or not row.active:
        raise _refuse("voucher_kind", f"凭证种类 {kind} 不存在或已停用",
                      f"Unknown or inactive voucher kind {kind}")
    return row


def _numbers(kind_row, first: str, last: str) -> list[str]:
    width = int(kind_row.number_length)
    for n in (first, last):
        if not (isinstance(n, str) and n.isascii() and n.isdigit() and len(n) == width):
            raise _refuse("voucher_number", f"{kind_row.name}号码应为 {width} 位数字：{n}",
                          f"A {kind_row.code} number has {width} digits: {n}")
    lo, hi = int(first), int(last)
    if hi < lo:
        raise _refuse("voucher_range", "起始号码不能大于终止号码",
                      "The first number is after the last")
    if hi - lo + 1 > MAX_RANGE:
        raise _refuse("voucher_range", f"一次最多处理 {MAX_RANGE} 张凭证",
                      f"At most {MAX_RANGE} vouchers per step")
    return [str(n).zfill(width) for n in range(lo, hi + 1)]


def count_account(conn: Connection, branch: str, kind: str, teller: str | None = None) -> str:
    """The 9001 count account of the branch stock (``teller`` None) or a teller's
    box for ``kind``; opened on first need."""
    acct_kind = "voucher_box" if teller else "voucher_stock"
    q = select(accounts_t.c.number).where(
        accounts_t.c.branch_code == branch, accounts_t.c.kind == acct_kind,
        accounts_t.c.subject_code == COUNT_SUBJECT, accounts_t.c.medium_kind == kind)
    q = q.where(accounts_t.c.owner_user == teller) if teller else q
    number = conn.execute(q.order_by(accounts_t.c.number)).scalars().first()
    if number is not None:
        return number
    bdate = conn.execute(select(branches_t.c.business_date)
                         .where(branches_t.c.code == branch)).scalar_one()
    holder = f"{teller}尾箱" if teller else "网点库存"
    return open_account(conn, branch=branch, subject=COUNT_SUBJECT, kind=acct_kind,
                        title=f"重要空白凭证-{kind}-{holder}"[:80], opened_on=bdate,
                        owner_user=teller, medium_kind=kind, overdraft_limit=0)


# -- inside a transaction ------------------------------------------------------
def _move(conn: Connection, req: EntryRequest, bdate: dt.date, at: dt.datetime, action: str,
          kind: str, numbers: list[str], teller: str | None, reason: str = "") -> None:
    conn.execute(insert(moves_t).values(
        branch_code=req.branch, business_date=bdate, at=at, action=action, kind=kind,
        first_number=numbers[0], last_number=numbers[-1], count=len(numbers),
        operator=req.teller, teller_code=teller, entry_key=req.key, reason=reason[:80]))


def _held(conn: Connection, branch: str, kind: str, status: str, teller: str | None,
          numbers: list[str]) -> list[str]:
    cond = [vouchers_t.c.branch_code == branch, vouchers_t.c.kind == kind,
            vouchers_t.c.status == status, vouchers_t.c.number >= numbers[0],
            vouchers_t.c.number <= numbers[-1]]
    cond.append(vouchers_t.c.teller_code == teller if teller else vouchers_t.c.teller_code.is_(None))
    return list(conn.execute(select(vouchers_t.c.number).where(*cond)
                             .order_by(vouchers_t.c.number).with_for_update()).scalars())


def _require_held(conn: Connection, branch: str, k, teller: str | None,
                  numbers: list[str]) -> None:
    """Lock ``numbers`` of kind ``k`` in the branch stock (``teller`` None) or in
    ``teller``'s box; refuse naming the first one that is not there."""
    where = "box" if teller else "branch"
    held = _held(conn, branch, k.code, where, teller, numbers)
    if len(held) == len(numbers):
        return
    missing = sorted(set(numbers) - set(held))
    if teller:
        raise _refuse("voucher_not_in_box",
                      f"{k.name} {missing[0]} 等 {len(missing)} 张不在本柜员尾箱中",
                      f"{len(missing)} numbers (first {missing[0]}) are not in your box")
    raise _refuse("voucher_not_in_stock",
                  f"{k.name} {missing[0]} 等 {len(missing)} 张不在网点库存中",
                  f"{len(missing)} numbers (first {missing[0]}) are not in stock")


def _branch_date(conn: Connection, branch: str) -> dt.date:
    bdate = conn.execute(select(branches_t.c.business_date)
                         .where(branches_t.c.code == branch)).scalar()
    if bdate is None:
        raise _refuse("no_branch", "网点不存在", "No such branch")
    return bdate


def smallest_in_box(conn: Connection, branch: str, teller: str, kind: str,
                    lock: bool = False) -> str | None:
    q = (select(vouchers_t.c.number).where(
        vouchers_t.c.branch_code == branch, vouchers_t.c.kind == kind,
        vouchers_t.c.status == "box", vouchers_t.c.teller_code == teller)
        .order_by(vouchers_t.c.number).limit(1))
    return conn.execute(q.with_for_update() if lock else q).scalar()


def use_in(conn: Connection, *, branch: str, teller: str, kind: str, number: str | None,
           entry_key: str, account: str | None = None, at: dt.datetime | None = None) -> Leg:
    """Mark the teller's voucher used inside the caller's transaction and return
    the 9001 leg (C teller box, 1) to add to the caller's entry.

    ``number`` None takes the smallest; any other number than the smallest is
    refused (使用凭证须为尾箱最小号). Post the entry with key ``entry_key`` in the
    same transaction (``PostingEngine.post_in``)."""
    k = _kind(conn, kind)
    smallest = smallest_in_box(conn, branch, teller, kind, lock=True)
    if smallest is None:
        raise _refuse("voucher_none", f"尾箱中没有{k.name}，请先领用",
                      f"No {kind} in the teller's box; draw some first")
    if number is not None and number != smallest:
        raise _refuse("voucher_not_smallest",
                      f"必须使用尾箱中最小号码的{k.name}：{smallest}（输入的是 {number}）",
                      f"Use the smallest {kind} number in the box: {smallest} (not {number})")
    bdate = _branch_date(conn, branch)
    conn.execute(update(vouchers_t).where(vouchers_t.c.kind == kind,
                                          vouchers_t.c.number == smallest)
                 .values(status="used", changed_on=bdate, account_number=account,
                         entry_key=entry_key))
    req = EntryRequest(key=entry_key, branch=branch, teller=teller, terminal="", txn_code="",
                       step="", legs=())
    _move(conn, req, bdate, at or dt.datetime.now(), "use", kind, [smallest], teller,
          account or "")
    return Leg(count_account(conn, branch, kind, teller), "C", 1, f"{k.name} {smallest}")


def post_using(conn: Connection, posting: PostingEngine, req: EntryRequest, *, kind: str,
               number: str | None, account: str | None = None) -> PostedEntry:
    """Post ``req`` with the 9001 leg of the teller's voucher ``number`` added —
    one transaction (the caller's ``conn``). A number other than the smallest in
    the box is refused and nothing is posted.

    The entry's request fingerprint is that of ``req`` as asked (the voucher leg
    is this service's own), so the same request resent under its key — by the
    terminal store, say — is answered with the first result, never posted
    again and never half-applied."""
    digest = entry_digest(req)
    if posting.find_in(conn, req.key) is not None:
        return posting.post_in(conn, req)
    if not req.key or len(req.key) > 64:
        raise _refuse("bad_key", "交易幂等键无效", "Invalid idempotency key")
    leg = use_in(conn, branch=req.branch, teller=req.teller, kind=kind, number=number,
                 entry_key=req.key, account=account)
    return posting._post_in(conn, dataclasses.replace(req, legs=tuple(req.legs) + (leg,)),
                            digest, via_service=True)


def use_for_leg(conn: Connection, req: EntryRequest, *, kind: str, number: str | None,
                account: str | None = None) -> str:
    """For a core action (``EntryRequest.effect``) whose request carries the 9001
    leg itself: use the teller's voucher ``number`` (the smallest, else refused)
    and check that ``req`` holds exactly its leg (C box 1). Returns the number."""
    leg = use_in(conn, branch=req.branch, teller=req.teller, kind=kind, number=number,
                 entry_key=req.key, account=account)
    mine = [x for x in req.legs if x.account == leg.account]
    if [(x.direction, x.amount) for x in mine] != [("C", 1)]:
        raise _refuse("voucher_leg", "分录中缺少重要空白凭证的表外记账",
                      "The entry lacks the voucher's 9001 leg")
    return number or conn.execute(select(vouchers_t.c.number).where(
        vouchers_t.c.kind == kind, vouchers_t.c.entry_key == req.key)).scalar_one()


def used_number(conn: Connection, kind: str, entry_key: str) -> str | None:
    """The voucher of ``kind`` the entry with ``entry_key`` used, if any."""
    return conn.execute(select(vouchers_t.c.number).where(
        vouchers_t.c.kind == kind, vouchers_t.c.entry_key == entry_key)).scalar()


def void_returned_in(conn: Connection, *, branch: str, operator: str, entry_key: str,
                     kind: str, number: str | None = None, account: str | None = None,
                     at: dt.datetime | None = None) -> int:
    """收回介质作废 inside the caller's transaction: the *used* voucher(s) of
    ``kind`` — by ``number``, or every one issued to ``account`` — become void
    (reason ``returned_medium``). A used medium already left the 9001 count, so
    no leg. A medium the stock never knew (issued before the box existed, or a
    card by its PAN) is left alone; returns how many were voided."""
    cond = [vouchers_t.c.branch_code == branch, vouchers_t.c.kind == kind,
            vouchers_t.c.status == "used"]
    if number is not None:
        cond.append(vouchers_t.c.number == number)
    if account is not None:
        cond.append(vouchers_t.c.account_number == account)
    if number is None and account is None:
        return 0
    rows = conn.execute(select(vouchers_t.c.id, vouchers_t.c.number, vouchers_t.c.teller_code)
                        .where(*cond).order_by(vouchers_t.c.number).with_for_update()).all()
    if not rows:
        return 0
    bdate = _branch_date(conn, branch)
    req = EntryRequest(key=entry_key, branch=branch, teller=operator, terminal="", txn_code="",
                       step="", legs=())
    for r in rows:
        conn.execute(update(vouchers_t).where(vouchers_t.c.id == r.id).values(
            status="void", void_reason="returned_medium", changed_on=bdate))
        _move(conn, req, bdate, at or dt.datetime.now(), "void", kind, [r.number],
              r.teller_code, "returned_medium")
    return len(rows)


def _undo_use(conn: Connection, original_entry_id: int, bdate: dt.date) -> None:
    """冲正 of an entry that used a voucher: its swapped 9001 leg puts the count
    back, so the voucher goes back into the box too (counts tie out). If it was
    printed on, the teller voids it as spoiled (凭证作废) — it is the box's
    smallest again, so nothing else can be issued before that is settled."""
    key = conn.execute(select(entries_t.c.idempotency_key).where(
        entries_t.c.id == original_entry_id)).scalar()
    if key is None:
        return
    rows = conn.execute(select(vouchers_t).where(
        vouchers_t.c.entry_key == key, vouchers_t.c.status == "used").with_for_update()).all()
    for r in rows:
        conn.execute(update(vouchers_t).where(vouchers_t.c.id == r.id).values(
            status="box", account_number=None, entry_key=None, changed_on=bdate))
        req = EntryRequest(key=key, branch=r.branch_code, teller=r.teller_code or "",
                           terminal="", txn_code="", step="", legs=())
        # Logged as an 'issue' into the box (the action list is fixed by the
        # schema); the reason tells it apart.
        _move(conn, req, bdate, dt.datetime.now(), "issue", r.kind, [r.number], r.teller_code,
              "冲正退回尾箱 reversal")
    # A medium the entry took back (returned_medium) is the customer's again.
    voided = conn.execute(select(moves_t.c.kind, moves_t.c.first_number).where(
        moves_t.c.entry_key == key, moves_t.c.action == "void",
        moves_t.c.reason == "returned_medium")).all()
    for kind, number in voided:
        conn.execute(update(vouchers_t).where(
            vouchers_t.c.kind == kind, vouchers_t.c.number == number,
            vouchers_t.c.status == "void").values(status="used", void_reason=None,
                                                  changed_on=bdate))


register_reversal_hook(_undo_use)


class BlankVoucherService:
    """Every change is one transaction: voucher rows, the register and the 9001
    entry commit together. ``req`` carries key, branch, operator (``teller``),
    terminal, txn code and step; its legs are filled here. A key already posted
    returns the first result and changes nothing (idempotent)."""

    def __init__(self, engine: Engine, posting: PostingEngine, *,
                 clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.engine = engine
        self.posting = posting
        self.clock = clock

    def _run(self, req: EntryRequest, work: Callable[[Connection], PostedEntry]) -> PostedEntry:
        def tx(conn: Connection) -> PostedEntry:
            done = self.posting.find_in(conn, req.key)
            return done if done is not None else work(conn)
        return run_in_transaction(self.engine, tx)

    def _post(self, conn: Connection, req: EntryRequest, legs: tuple[Leg, ...],
              memo: str) -> PostedEntry:
        return self.posting.post_in(conn, dataclasses.replace(
            req, legs=legs, memo=req.memo or memo, reversible=False))

    def _now(self) -> dt.datetime:
        return self.clock().replace(tzinfo=None)

    # -- changes -------------------------------------------------------------
    def receive(self, req: EntryRequest, *, kind: str, first: str, last: str) -> PostedEntry:
        """凭证入库: the branch receives ``first``–``last`` into its stock."""
        def work(conn: Connection) -> PostedEntry:
            k = _kind(conn, kind)
            numbers = _numbers(k, first, last)
            taken = conn.execute(select(func.count()).select_from(vouchers_t).where(
                vouchers_t.c.kind == kind, vouchers_t.c.number >= numbers[0],
                vouchers_t.c.number <= numbers[-1])).scalar_one()
            if taken:
                raise _refuse("voucher_exists", f"{k.name}号段 {first}-{last} 中已有 {taken} 张入库",
                              f"{taken} of these numbers are already in stock")
            bdate = _branch_date(conn, req.branch)
            conn.execute(insert(vouchers_t), [
                {"kind": kind, "number": n, "branch_code": req.branch, "teller_code": None,
                 "status": "branch", "received_on": bdate, "changed_on": bdate}
                for n in numbers])
            _move(conn, req, bdate, self._now(), "receive", kind, numbers, None)
            stock = count_account(conn, req.branch, kind)
            return self._post(conn, req, (Leg(stock, "D", len(numbers),
                                              f"{k.name} {first}-{last}"),),
                              f"{k.name}入库 {first}-{last}")
        return self._run(req, work)

    def issue(self, req: EntryRequest, *, kind: str, first: str, last: str,
              to_teller: str) -> PostedEntry:
        """凭证领用: branch stock → ``to_teller``'s box; every number must be in stock."""
        def work(conn: Connection) -> PostedEntry:
            k = _kind(conn, kind)
            numbers = _numbers(k, first, last)
            user = conn.execute(select(users_t).where(users_t.c.code == to_teller)).first()
            if user is None or user.role != "teller" or user.branch_code != req.branch:
                raise _refuse("voucher_teller", f"{to_teller} 不是本网点柜员",
                              f"{to_teller} is not a teller of this branch")
            _require_held(conn, req.branch, k, None, numbers)
            bdate = _branch_date(conn, req.branch)
            conn.execute(update(vouchers_t).where(
                vouchers_t.c.kind == kind, vouchers_t.c.number.in_(numbers))
                .values(status="box", teller_code=to_teller, changed_on=bdate))
            _move(conn, req, bdate, self._now(), "issue", kind, numbers, to_teller)
            n, memo = len(numbers), f"{k.name} {first}-{last}"
            legs = (Leg(count_account(conn, req.branch, kind, to_teller), "D", n, memo),
                    Leg(count_account(conn, req.branch, kind), "C", n, memo))
            return self._post(conn, req, legs, f"{k.name}领用 {to_teller} {first}-{last}")
        return self._run(req, work)

    def return_to_branch(self, req: EntryRequest, *, kind: str, first: str,
                         last: str) -> PostedEntry:
        """凭证上缴: the operator's (``req.teller``) box → branch stock."""
        def work(conn: Connection) -> PostedEntry:
            k = _kind(conn, kind)
            numbers = _numbers(k, first, last)
            _require_held(conn, req.branch, k, req.teller, numbers)
            bdate = _branch_date(conn, req.branch)
            conn.execute(update(vouchers_t).where(
                vouchers_t.c.kind == kind, vouchers_t.c.number.in_(numbers))
                .values(status="branch", teller_code=None, changed_on=bdate))
            _move(conn, req, bdate, self._now(), "return", kind, numbers, req.teller)
            n, memo = len(numbers), f"{k.name} {first}-{last}"
            legs = (Leg(count_account(conn, req.branch, kind), "D", n, memo),
                    Leg(count_account(conn, req.branch, kind, req.teller), "C", n, memo))
            return self._post(conn, req, legs, f"{k.name}上缴 {first}-{last}")
        return self._run(req, work)

    def void(self, req: EntryRequest, *, kind: str, number: str,
             reason: str) -> PostedEntry | None:
        """凭证作废 with a reason: an unused voucher of the operator's box (C box 1),
        or — reason ``returned_medium`` only — a used medium handed back, which
        left the count when it was used (no entry; the register records it)."""
        if reason not in VOID_REASONS:
            raise _refuse("voucher_reason", "请选择作废原因", "Choose a reason for voiding")

        def tx(conn: Connection) -> PostedEntry | None:
            done = self.posting.find_in(conn, req.key)
            if done is not None:
                return done
            k = _kind(conn, kind)
            _numbers(k, number, number)
            row = conn.execute(select(vouchers_t).where(
                vouchers_t.c.kind == kind, vouchers_t.c.number == number)
                .with_for_update()).first()
            bdate = _branch_date(conn, req.branch)
            if row is not None and row.status == "used" and reason == "returned_medium" \
                    and row.branch_code == req.branch:
                if conn.execute(select(moves_t.c.id).where(
                        moves_t.c.entry_key == req.key)).first() is not None:
                    return None  # this key already recorded the void
                conn.execute(update(vouchers_t).where(vouchers_t.c.id == row.id).values(
                    status="void", void_reason=reason, changed_on=bdate))
                _move(conn, req, bdate, self._now(), "void", kind, [number], row.teller_code,
                      reason)
                return None
            if row is None or row.status != "box" or row.teller_code != req.teller \
                    or row.branch_code != req.branch:
                raise _refuse("voucher_not_in_box", f"{k.name} {number} 不在本柜员尾箱中",
                              f"{kind} {number} is not in your box")
            conn.execute(update(vouchers_t).where(vouchers_t.c.id == row.id).values(
                status="void", void_reason=reason, changed_on=bdate))
            _move(conn, req, bdate, self._now(), "void", kind, [number], req.teller, reason)
            legs = (Leg(count_account(conn, req.branch, kind, req.teller), "C", 1,
                        f"{k.name} {number} {VOID_REASONS[reason][0]}"),)
            return self._post(conn, req, legs, f"{k.name}作废 {number}")
        return run_in_transaction(self.engine, tx)

    def use(self, req: EntryRequest, *, kind: str, number: str | None = None,
            account: str | None = None) -> PostedEntry:
        """Use the smallest voucher of ``kind`` in ``req.teller``'s box and post
        ``req`` (the caller's legs, if any) with the 9001 leg added — one
        transaction. ``number`` other than the smallest is refused."""
        def work(conn: Connection) -> PostedEntry:
            leg = use_in(conn, branch=req.branch, teller=req.teller, kind=kind, number=number,
                         entry_key=req.key, account=account, at=self._now())
            # A medium handed out cannot be taken back by 冲正 (the voucher row
            # would stay 'used' while the count came back): void it instead.
            return self.posting.post_in(conn, dataclasses.replace(
                req, legs=tuple(req.legs) + (leg,), reversible=False))
        return self._run(req, work)

    def box_account(self, branch: str, teller: str, kind: str) -> str:
        """The 9001 count account of ``teller``'s box for ``kind`` (opened on first
        need): the account of the leg a step using a voucher through
        :func:`use_in` carries in its request."""
        return run_in_transaction(self.engine,
                                  lambda conn: count_account(conn, branch, kind, teller))

    # -- queries ---------------------------------------------------------------
    def use_next(self, branch: str, teller: str, kind: str) -> str | None:
        """The number ``use`` will take: the smallest of ``kind`` in the box (or None)."""
        with reader(self.engine) as conn:
            return smallest_in_box(conn, branch, teller, kind)

    def voucher(self, kind: str, number: str) -> VoucherInfo | None:
        with reader(self.engine) as conn:
            r = conn.execute(select(vouchers_t).where(vouchers_t.c.kind == kind,
                                                      vouchers_t.c.number == number)).first()
        return None if r is None else VoucherInfo(r.kind, r.number, r.branch_code,
                                                  r.teller_code, r.status, r.account_number,
                                                  r.void_reason)

    def kinds(self) -> tuple[tuple[str, str, int], ...]:
        with reader(self.engine) as conn:
            return tuple((r.code, r.name, int(r.number_length)) for r in conn.execute(
                select(kinds_t).where(kinds_t.c.active.is_(True)).order_by(kinds_t.c.code)))

    def stock(self, branch: str, teller: str | None = None) -> tuple[StockLine, ...]:
        """Unused vouchers by holder and kind (branch stock first, then boxes)."""
        with reader(self.engine) as conn:
            return stock_lines(conn, branch, teller)

    def movements(self, branch: str, business_date: dt.date) -> tuple[dict, ...]:
        with reader(self.engine) as conn:
            return tuple(dict(r._mapping) for r in conn.execute(
                select(moves_t).where(moves_t.c.branch_code == branch,
                                      moves_t.c.business_date == business_date)
                .order_by(moves_t.c.id)))

    def stock_report(self, branch: str) -> str:
        """重要空白凭证库存表 as printable text."""
        lines = [f"重要空白凭证库存表 Blank voucher stock — 网点 {branch}",
                 f"{'种类':<8}{'持有人':<10}{'数量':>6}{'9001':>6}  号段"]
        for s in self.stock(branch):
            holder = "网点库存" if s.holder == "branch" else s.holder
            runs = ", ".join(a if a == b else f"{a}-{b}" for a, b in s.runs)
            flag = "" if s.count == s.count_9001 else "  ≠9001!"
            lines.append(f"{s.kind_name:<8}{holder:<10}{s.count:>6}{s.count_9001:>6}  {runs}{flag}")
        return "\n".join(lines)
