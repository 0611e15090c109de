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

from teller.core.ledger.accounts import open_account
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.models import Account, Branch
from teller.core.ledger.records import Attachment, EntryRequest, Leg, PostedEntry, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.core.operators.models import User
from teller.core.vouchers.models import Voucher, VoucherKind, VoucherMovement
from teller.core.vouchers.stock import COUNT_SUBJECT, StockLine, stock_lines

vouchers_t = Voucher.__table__
kinds_t = VoucherKind.__table__
moves_t = VoucherMovement.__table__
accounts_t = Account.__table__
users_t = User.__table__
branches_t = Branch.__table__

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


# -- the steps ---------------------------------------------------------------------
@dataclass(frozen=True)
class VoucherReceive(Attachment, wire_name="vouchers.receive"):
    """凭证入库: the branch receives ``first``–``last`` into its stock."""

    kind: str
    first: str
    last: str


@dataclass(frozen=True)
class VoucherIssue(Attachment, wire_name="vouchers.issue"):
    """凭证领用: branch stock → ``to_teller``'s box; every number must be in stock."""

    kind: str
    first: str
    last: str
    to_teller: str


@dataclass(frozen=True)
class VoucherReturn(Attachment, wire_name="vouchers.return"):
    """凭证上缴: the operator's box → branch stock."""

    kind: str
    first: str
    last: str


@dataclass(frozen=True)
class VoucherVoid(Attachment, wire_name="vouchers.void"):
    """凭证作废 with a reason: an unused voucher of the operator's box (C box 1),
    or — reason ``returned_medium`` only — a used medium handed back, which left
    the count when it was used (no leg; the register records it)."""

    kind: str
    number: str
    reason: str


@dataclass(frozen=True)
class VoucherUse(Attachment, wire_name="vouchers.use"):
    """The step hands out a medium: the smallest voucher of ``kind`` in the
    operator's box (``number``, when given, must be it), issued to ``account``;
    its 9001 leg (C box 1) rides in the step's own entry."""

    kind: str
    number: str | None = None
    account: str | None = None


@dataclass(frozen=True)
class MediumReturned(Attachment, wire_name="vouchers.medium_returned"):
    """收回介质作废: the *used* voucher(s) of ``kind`` — by ``number``, or every one
    issued to ``account`` — become void. A used medium already left the 9001
    count, so no leg; one the stock never knew is left alone."""

    kind: str
    number: str | None = None
    account: str | None = None


STEPS = (VoucherReceive, VoucherIssue, VoucherReturn, VoucherVoid, VoucherUse, MediumReturned)


class BlankVoucherRule(PostingRule):
    """Every change of the blank-voucher stock, in the entry that moves its 9001
    count: the voucher rows, the register and the count legs (which this rule
    adds to the entry) commit together. A reversal of an entry that used a
    voucher puts it back into the box."""

    name = "vouchers.blank"

    def applies(self, request) -> bool:
        return request.reverses_entry_id is not None or any(
            isinstance(a, STEPS) for a in request.attachments)

    def prepare(self, p: Posting) -> None:
        # A medium taken back is voided before a new one is issued to the account.
        ordered = sorted(p.request.attachments, key=lambda a: not isinstance(a, MediumReturned))
        for a in ordered:
            if isinstance(a, (VoucherReceive, VoucherIssue, VoucherReturn, VoucherVoid)) \
                    and p.request.reversible:
                raise _refuse("voucher_irreversible", "凭证出入库、领用、上缴和作废不能冲正",
                              "Voucher stock steps cannot be reversed")
            if isinstance(a, VoucherReceive):
                _receive(p, a)
            elif isinstance(a, VoucherIssue):
                _issue(p, a)
            elif isinstance(a, VoucherReturn):
                _return(p, a)
            elif isinstance(a, VoucherVoid):
                _void(p, a)
            elif isinstance(a, VoucherUse):
                p.add_leg(use_in(p, a))
            elif isinstance(a, MediumReturned):
                void_returned(p, a)

    def undo(self, p: Posting) -> None:
        assert p.original is not None
        _undo_use(p.conn, p.original.idempotency_key, p.business_date, p.now)


def use_in(p: Posting, a: VoucherUse) -> Leg:
    """Mark the operator's voucher used and return its 9001 leg (C box 1)."""
    conn, req = p.conn, p.request
    k = _kind(conn, a.kind)
    smallest = smallest_in_box(conn, req.branch, req.teller, a.kind, lock=True)
    if smallest is None:
        raise _refuse("voucher_none", f"尾箱中没有{k.name}，请先领用",
                      f"No {a.kind} in the teller's box; draw some first")
    if a.number is not None and a.number != smallest:
        raise _refuse("voucher_not_smallest",
                      f"必须使用尾箱中最小号码的{k.name}：{smallest}（输入的是 {a.number}）",
                      f"Use the smallest {a.kind} number in the box: {smallest} (not {a.number})")
    conn.execute(update(vouchers_t).where(vouchers_t.c.kind == a.kind,
                                          vouchers_t.c.number == smallest)
                 .values(status="used", changed_on=p.business_date, account_number=a.account,
                         entry_key=req.key))
    _move(conn, req, p.business_date, p.now, "use", a.kind, [smallest], req.teller,
          a.account or "")
    p.fact(f"{a.kind}_number", smallest)
    return Leg(count_account(conn, req.branch, a.kind, req.teller), "C", 1,
               f"{k.name} {smallest}")


def void_returned(p: Posting, a: MediumReturned) -> int:
    """收回介质作废 (see :class:`MediumReturned`); returns how many were voided."""
    conn, req = p.conn, p.request
    if a.number is None and a.account is None:
        return 0
    cond = [vouchers_t.c.branch_code == req.branch, vouchers_t.c.kind == a.kind,
            vouchers_t.c.status == "used"]
    if a.number is not None:
        cond.append(vouchers_t.c.number == a.number)
    if a.account is not None:
        cond.append(vouchers_t.c.account_number == a.account)
    rows = conn.execute(select(vouchers_t.c.id, vouchers_t.c.number, vouchers_t.c.teller_code)
                        .where(*cond).order_by(vouchers_t.c.number).with_for_update()).all()
    for r in rows:
        conn.execute(update(vouchers_t).where(vouchers_t.c.id == r.id).values(
            status="void", void_reason="returned_medium", changed_on=p.business_date))
        _move(conn, req, p.business_date, p.now, "void", a.kind, [r.number], r.teller_code,
              "returned_medium")
    return len(rows)


def _receive(p: Posting, a: VoucherReceive) -> None:
    conn, req = p.conn, p.request
    k = _kind(conn, a.kind)
    numbers = _numbers(k, a.first, a.last)
    taken = conn.execute(select(func.count()).select_from(vouchers_t).where(
        vouchers_t.c.kind == a.kind, vouchers_t.c.number >= numbers[0],
        vouchers_t.c.number <= numbers[-1])).scalar_one()
    if taken:
        raise _refuse("voucher_exists", f"{k.name}号段 {a.first}-{a.last} 中已有 {taken} 张入库",
                      f"{taken} of these numbers are already in stock")
    bdate = p.business_date
    conn.execute(insert(vouchers_t), [
        {"kind": a.kind, "number": n, "branch_code": req.branch, "teller_code": None,
         "status": "branch", "received_on": bdate, "changed_on": bdate} for n in numbers])
    _move(conn, req, bdate, p.now, "receive", a.kind, numbers, None)
    p.add_leg(Leg(count_account(conn, req.branch, a.kind), "D", len(numbers),
                  f"{k.name} {a.first}-{a.last}"))


def _issue(p: Posting, a: VoucherIssue) -> None:
    conn, req = p.conn, p.request
    k = _kind(conn, a.kind)
    numbers = _numbers(k, a.first, a.last)
    user = conn.execute(select(users_t).where(users_t.c.code == a.to_teller)).first()
    if user is None or user.role != "teller" or user.branch_code != req.branch:
        raise _refuse("voucher_teller", f"{a.to_teller} 不是本网点柜员",
                      f"{a.to_teller} is not a teller of this branch")
    _require_held(conn, req.branch, k, None, numbers)
    conn.execute(update(vouchers_t).where(
        vouchers_t.c.kind == a.kind, vouchers_t.c.number.in_(numbers))
        .values(status="box", teller_code=a.to_teller, changed_on=p.business_date))
    _move(conn, req, p.business_date, p.now, "issue", a.kind, numbers, a.to_teller)
    n, memo = len(numbers), f"{k.name} {a.first}-{a.last}"
    p.add_leg(Leg(count_account(conn, req.branch, a.kind, a.to_teller), "D", n, memo))
    p.add_leg(Leg(count_account(conn, req.branch, a.kind), "C", n, memo))


def _return(p: Posting, a: VoucherReturn) -> None:
    conn, req = p.conn, p.request
    k = _kind(conn, a.kind)
    numbers = _numbers(k, a.first, a.last)
    _require_held(conn, req.branch, k, req.teller, numbers)
    conn.execute(update(vouchers_t).where(
        vouchers_t.c.kind == a.kind, vouchers_t.c.number.in_(numbers))
        .values(status="branch", teller_code=None, changed_on=p.business_date))
    _move(conn, req, p.business_date, p.now, "return", a.kind, numbers, req.teller)
    n, memo = len(numbers), f"{k.name} {a.first}-{a.last}"
    p.add_leg(Leg(count_account(conn, req.branch, a.kind), "D", n, memo))
    p.add_leg(Leg(count_account(conn, req.branch, a.kind, req.teller), "C", n, memo))


def _void(p: Posting, a: VoucherVoid) -> None:
    conn, req = p.conn, p.request
    if a.reason not in VOID_REASONS:
        raise _refuse("voucher_reason", "请选择作废原因", "Choose a reason for voiding")
    k = _kind(conn, a.kind)
    _numbers(k, a.number, a.number)
    row = conn.execute(select(vouchers_t).where(
        vouchers_t.c.kind == a.kind, vouchers_t.c.number == a.number)
        .with_for_update()).first()
    if row is not None and row.status == "used" and a.reason == "returned_medium" \
            and row.branch_code == req.branch:
        conn.execute(update(vouchers_t).where(vouchers_t.c.id == row.id).values(
            status="void", void_reason=a.reason, changed_on=p.business_date))
        _move(conn, req, p.business_date, p.now, "void", a.kind, [a.number], row.teller_code,
              a.reason)
        return
    if row is None or row.status != "box" or row.teller_code != req.teller \
            or row.branch_code != req.branch:
        raise _refuse("voucher_not_in_box", f"{k.name} {a.number} 不在本柜员尾箱中",
                      f"{a.kind} {a.number} is not in your box")
    conn.execute(update(vouchers_t).where(vouchers_t.c.id == row.id).values(
        status="void", void_reason=a.reason, changed_on=p.business_date))
    _move(conn, req, p.business_date, p.now, "void", a.kind, [a.number], req.teller, a.reason)
    p.add_leg(Leg(count_account(conn, req.branch, a.kind, req.teller), "C", 1,
                  f"{k.name} {a.number} {VOID_REASONS[a.reason][0]}"))


def _undo_use(conn: Connection, key: str, bdate: dt.date, now: dt.datetime) -> None:
    """冲正 of an entry that used a voucher: its swapped 9001 leg puts the count
    back, so the voucher goes back into the box too (counts tie out). If it was
    printed on, the teller voids it as spoiled (凭证作废) — it is the box's
    smallest again, so nothing else can be issued before that is settled."""
    rows = conn.execute(select(vouchers_t).where(
        vouchers_t.c.entry_key == key, vouchers_t.c.status == "used").with_for_update()).all()
    # A medium the entry handed out that has since come back and been voided
    # (凭证作废) is no longer the box's: swapping the 9001 leg would count a
    # voucher the box does not hold, so such a reversal is refused.
    handed_out = conn.execute(select(moves_t.c.kind, moves_t.c.first_number).where(
        moves_t.c.entry_key == key, moves_t.c.action == "use")).all()
    still_used = {(r.kind, r.number) for r in rows}
    for kind, number in handed_out:
        if (kind, number) not in still_used:
            raise _refuse("voucher_reversal_void",
                          f"该交易发出的凭证 {number} 已作废，不能冲正",
                          f"Voucher {number} this entry handed out has been voided since; "
                          "the entry cannot be reversed")
    for r in rows:
        conn.execute(update(vouchers_t).where(vouchers_t.c.id == r.id).values(
            status="box", account_number=None, entry_key=None, changed_on=bdate))
        req = EntryRequest(key=key, branch=r.branch_code, teller=r.teller_code or "",
                           terminal="", txn_code="", step="")
        # Logged as an 'issue' into the box (the action list is fixed by the
        # schema); the reason tells it apart.
        _move(conn, req, bdate, now, "issue", r.kind, [r.number], r.teller_code,
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


class BlankVoucherService:
    """The blank-voucher stock as flows and reports read it; :meth:`post` a
    stock step (its attachment) headless. Every change is one entry: the voucher
    rows, the register and the 9001 count commit together, and a key already
    posted returns its first result."""

    def __init__(self, engine: Engine, post: Callable[[EntryRequest], PostedEntry]) -> None:
        self.engine = engine
        self._post = post

    def post(self, req: EntryRequest, step: Attachment) -> PostedEntry:
        """Post ``req`` (key, branch, operator, terminal, code) with ``step``: an
        irreversible stock change, or a use/return of a medium in the caller's legs."""
        # A medium handed out on its own is voided, not reversed (the count would
        # come back while the customer keeps it); stock steps are never reversed.
        reversible = req.reversible and isinstance(step, MediumReturned)
        return self._post(dataclasses.replace(req, attachments=req.attachments + (step,),
                                              reversible=reversible))

    # The stock steps by name, for scripts and tests (the flows attach the same).
    def receive(self, req: EntryRequest, *, kind: str, first: str, last: str) -> PostedEntry:
        return self.post(req, VoucherReceive(kind, first, last))

    def issue(self, req: EntryRequest, *, kind: str, first: str, last: str,
              to_teller: str) -> PostedEntry:
        return self.post(req, VoucherIssue(kind, first, last, to_teller))

    def return_to_branch(self, req: EntryRequest, *, kind: str, first: str,
                         last: str) -> PostedEntry:
        return self.post(req, VoucherReturn(kind, first, last))

    def void(self, req: EntryRequest, *, kind: str, number: str, reason: str) -> PostedEntry:
        return self.post(req, VoucherVoid(kind, number, reason))

    def use(self, req: EntryRequest, *, kind: str, number: str | None = None,
            account: str | None = None) -> PostedEntry:
        return self.post(req, VoucherUse(kind, number, account))

    def box_account(self, branch: str, teller: str, kind: str) -> str:
        """The 9001 count account of ``teller``'s box for ``kind`` (opened on first need)."""
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
