"""Cash boxes and the vault by denomination (尾箱与金库券别管理) — the cash
posting rules.

The GL figure of a box is its account's balance on subject 1001; the same money
is held by denomination in ``cash_holdings``. Every entry with a leg on a cash
account carries its count (:class:`CashCount`), and :class:`CashRule` checks and
writes it in the posting's own transaction, after the kernel has locked the
box's account row::

    ledger.post(EntryRequest(key="T01-1", branch="0101", teller="T001", terminal="T01",
                             txn_code="10020", step="post",
                             legs=(Leg(box, "D", 25000), Leg(customer, "C", 25000)),
                             attachments=(CashCount(box, received=((10000, 3),),
                                                    paid=((5000, 1),)),)))   # 找零 50

Rules (refusals are :class:`PostingRefused`, nothing is written):
- every leg on a cash account (kinds ``vault`` and ``cash_box``) carries a
  count whose ``received - paid`` equals the leg's net amount;
- no box ever holds fewer than zero pieces of any denomination;
- a teller's box is used only by the teller who has drawn it today (签到领用);
  the vault, and a box kept in it (not drawn), only by a supervisor or
  administrator;
- the cash workflow's steps are attachments checked in the same transaction:
  :class:`CashTransferOut` (调出, cash to the 2241 in-transit account),
  :class:`CashTransferConfirm` (调入确认, the receiver's count must equal the
  sender's; the sender confirming into the giving box takes it back, 退回),
  :class:`CashBalancing` (轧账 with a difference: the box is set to the blind
  count, the difference goes to 2241 待处理长款/短款 under a supervisor's
  authorization and into the over/short register), :class:`OverShortResolution`
  (长短款处理: made_good / write_off for a shortage, refund / income for an
  overage);
- a reversal (冲正) moves the original counts back;
- :class:`CashAuthorizationRule`: cash paid out to a customer above the
  branch's limits needs a level-A / level-B supervisor (授权限额).

``teller.core.cash.service`` is the flows' facade: reads, proposals, transfers.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import String, bindparam, case, cast, func, insert, literal, select, update
from sqlalchemy.engine import Connection

from teller.core.cash.models import (
    CashBalancing, CashBox, CashDenomination, CashHolding, CashMovement, CashTransfer,
    OverShortItem,
)
from teller.core.ledger.accounts import internal_account
from teller.core.ledger.integrity import Violation
from teller.core.ledger.models import Account, Branch
from teller.core.ledger.prepared import Prepared, PreparedByCount
from teller.core.ledger.records import Attachment, PostedEntry, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.core.operators.models import User
from teller.core.operators.rules import OPERATOR_ROLE
from teller.domain import cash as dc
from teller.domain.money import Money

accounts_t = Account.__table__
users_t = User.__table__
branches_t = Branch.__table__
denoms_t = CashDenomination.__table__
boxes_t = CashBox.__table__
holdings_t = CashHolding.__table__
moves_t = CashMovement.__table__
transfers_t = CashTransfer.__table__
balancings_t = CashBalancing.__table__
items_t = OverShortItem.__table__

#: Account kinds that hold cash (subject 1001) -> cash box kind.
CASH_KINDS = {"vault": "vault", "cash_box": "teller"}
IN_TRANSIT_KIND = "cash_in_transit"  # 2241 现金在途
SUSPENSE = {"over": "suspense_over", "short": "suspense_short"}
WRITE_OFF = {"over": "over_short_income", "short": "over_short_expense"}  # 6301 / 6711
RESOLUTIONS = {"short": ("made_good", "write_off"), "over": ("refund", "income")}
VAULT_ROLES = ("supervisor", "administrator")


def refuse(code: str, zh: str, en: str, account: str | None = None) -> None:
    raise PostingRefused(code, zh, en, account=account)


def fmt(fen: int) -> str:
    return Money(fen).format()


# -- inside a transaction -----------------------------------------------------
def active_denominations(conn: Connection) -> dict[int, str]:
    return {int(r.value_fen): r.name for r in conn.execute(
        select(denoms_t.c.value_fen, denoms_t.c.name).where(denoms_t.c.active.is_(True))
        .order_by(denoms_t.c.value_fen.desc()))}


def ensure_box(conn: Connection, account: str) -> dict:
    """The ``cash_boxes`` row of a vault/cash-box account, made on first use."""
    row = conn.execute(select(boxes_t).where(boxes_t.c.account_number == account)).first()
    if row is not None:
        return dict(row._mapping)
    acct = conn.execute(select(accounts_t.c.kind, accounts_t.c.branch_code)
                        .where(accounts_t.c.number == account)).first()
    if acct is None or acct.kind not in CASH_KINDS:
        refuse("not_cash_box", f"{account} 不是尾箱或金库账户", "Not a cash box", account)
    values = {"account_number": account, "branch_code": acct.branch_code,
              "kind": CASH_KINDS[acct.kind], "holder_user": None, "status": "stored",
              "limit_fen": None, "drawn_on": None}
    conn.execute(insert(boxes_t).values(**values))
    return values


def read_holdings(conn: Connection, account: str, *, lock: bool = False) -> dict[int, int]:
    q = select(holdings_t.c.value_fen, holdings_t.c.pieces).where(
        holdings_t.c.account_number == account)
    if lock:
        q = q.with_for_update()
    return {int(r.value_fen): int(r.pieces) for r in conn.execute(q)}


def last_movement_id(conn: Connection, account: str) -> int | None:
    return conn.execute(select(func.max(moves_t.c.id))
                        .where(moves_t.c.account_number == account)).scalar()


# The changed denominations of a box in one UPDATE, the new ones in one INSERT.
_SET_PIECES = PreparedByCount(lambda n: update(holdings_t).where(
    holdings_t.c.account_number == bindparam("a"),
    holdings_t.c.value_fen.in_([bindparam(f"d{i}") for i in range(n)])).values(pieces=case(
        *[(holdings_t.c.value_fen == bindparam(f"d{i}"),
           bindparam(f"n{i}", type_=holdings_t.c.pieces.type)) for i in range(n)])))
_NEW_PIECES = PreparedByCount(lambda n: insert(holdings_t).values(
    [{"account_number": bindparam("a"), "value_fen": bindparam(f"d{i}"),
      "pieces": bindparam(f"n{i}")} for i in range(n)]))
_MOVEMENT_VALUES = dict(entry_id=bindparam("e"), account_number=bindparam("a"),
                       received=bindparam("r"), paid=bindparam("p"))
_MOVEMENT = Prepared(insert(moves_t).values(_MOVEMENT_VALUES))
# PostgreSQL: the box's new pieces and its movement row in one statement.
_PIECES_AND_MOVEMENT = PreparedByCount(lambda n: insert(moves_t).values(_MOVEMENT_VALUES)
                                       .add_cte(_SET_PIECES.build(n).cte("pieces")))


def _by_denomination(account: str, pieces: list[tuple[int, int]]) -> dict:
    given: dict = {"a": account}
    for i, (d, n) in enumerate(pieces):
        given[f"d{i}"], given[f"n{i}"] = d, n
    return given


def apply_movement(conn: Connection, entry_id: int, account: str, received: dict[int, int],
                   paid: dict[int, int], names: dict[int, str], held: dict[int, int]) -> None:
    """Move pieces into/out of a box that holds ``held`` (read with its account
    row locked) and record them; refuse any negative count."""
    for d, n in list(received.items()) + list(paid.items()):
        if d not in names:
            refuse("bad_denomination", f"券别 {d} 分不是可用券别", f"Unknown denomination {d}",
                   account)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            refuse("bad_pieces", "张数须为非负整数", "Counts must be whole numbers", account)
    new = dict(held)
    for d, n in received.items():
        new[d] = new.get(d, 0) + n
    for d, n in paid.items():
        new[d] = new.get(d, 0) - n
    short = sorted((d for d, n in new.items() if n < 0), reverse=True)
    if short:
        d = short[0]
        refuse("cash_insufficient_notes",
               f"尾箱{names[d]}不足：现有 {held.get(d, 0)} 张，须付出 "
               f"{paid.get(d, 0) - received.get(d, 0)} 张",
               f"Not enough {names[d]} in the box", account)
    changed = [(d, n) for d, n in new.items() if d in held and n != held[d]]
    added = [(d, n) for d, n in new.items() if d not in held and n]
    if added:
        _NEW_PIECES(len(added)).run(conn, _by_denomination(account, added))
    movement = {"e": entry_id, "a": account, "r": counts_json(received),
                "p": counts_json(paid)} if dc.clean(received) or dc.clean(paid) else None
    if changed and movement and conn.dialect.name == "postgresql":
        _PIECES_AND_MOVEMENT(len(changed)).run(
            conn, dict(_by_denomination(account, changed), **movement))
        return
    if changed:
        _SET_PIECES(len(changed)).run(conn, _by_denomination(account, changed))
    if movement:
        _MOVEMENT.run(conn, movement)


def parse_holdings(text: str | None) -> dict[int, int]:
    """A box's holdings as :class:`CashRule` reads them with the account row:
    ``parse_holdings('10000:3,5000:1')`` → ``{10000: 3, 5000: 1}``."""
    if not text:
        return {}
    return {int(d): int(n) for d, n in (pair.split(":") for pair in text.split(","))}


def counts_json(counts) -> str:
    """A count as ``cash_movements`` and ``cash_transfers`` keep it:
    ``counts_json({5000: 1, 10000: 3})`` → ``'[[10000, 3], [5000, 1]]'``."""
    return json.dumps(dc.pairs(counts))


def parse_counts(text: str) -> dict[int, int]:
    """The other way: ``parse_counts('[[10000, 3], [5000, 1]]')`` → ``{10000: 3, 5000: 1}``."""
    return {int(d): int(n) for d, n in json.loads(text)}


def movement_counts(row) -> tuple[dict[int, int], dict[int, int]]:
    """(received, paid) of one ``cash_movements`` row."""
    return parse_counts(row.received), parse_counts(row.paid)


@dataclass(frozen=True)
class CashCount(Attachment, wire_name="cash.count"):
    """券别明细 of one cash account (尾箱/金库, 1001) in one entry: the pieces
    taken in and handed out per denomination (fen). Change given back (找零) is
    ``paid`` on a deposit, so ``received - paid`` always equals the account's
    net cash movement in the entry."""

    account: str
    received: tuple[tuple[int, int], ...] = ()
    paid: tuple[tuple[int, int], ...] = ()

    @property
    def net_fen(self) -> int:
        return sum(d * n for d, n in self.received) - sum(d * n for d, n in self.paid)


@dataclass(frozen=True)
class CashTransferOut(Attachment, wire_name="cash.transfer_out"):
    """现金调出 to teller ``to``, or to the vault (``to`` = "vault")."""

    to: str


@dataclass(frozen=True)
class CashTransferConfirm(Attachment, wire_name="cash.transfer_confirm"):
    """调入确认 of transfer ``transfer_id`` (or 退回 by its sender)."""

    transfer_id: int


@dataclass(frozen=True)
class CashBalancing(Attachment, wire_name="cash.balancing"):
    """轧账: the entry's :class:`CashCount` of the box is the full blind count.
    A count that agrees is an entry without legs; a difference is posted
    against over/short suspense."""


@dataclass(frozen=True)
class OverShortResolution(Attachment, wire_name="cash.over_short_resolution"):
    """长短款处理 of register item ``item_id``: made_good / write_off (short),
    refund / income (over)."""

    item_id: int
    how: str


ACTIONS = (CashTransferOut, CashTransferConfirm, CashBalancing, OverShortResolution)


def made_up_count(conn: Connection, box: str, amount: int, direction: str) -> CashCount:
    """券别 of a cash amount the core works out itself: the make-up largest first
    (配款建议), a payout only from the notes ``box`` holds. ``direction`` 'in'
    (received) or 'out' (paid)."""
    names = active_denominations(conn)
    held = read_holdings(conn, box) if direction == "out" else None
    notes = dc.propose(amount, list(names), held)
    if notes is None:
        refuse("cash_no_makeup", "尾箱券别不足以配款", "The box cannot make up the amount", box)
    assert notes is not None
    pairs = dc.pairs(notes)
    return CashCount(box, received=pairs) if direction == "in" else CashCount(box, paid=pairs)


BOX_STATUS, BOX_HOLDER, HOLDINGS = "box_status", "box_holder", "box_holdings"  # account columns


def _may_use(kind: str, status: str | None, holder: str | None, teller: str,
             role: str | None) -> tuple[str, str, str] | None:
    """Why ``teller`` (of ``role``) may not move a box's notes, or None."""
    if kind == "cash_box":
        kept = (status or "stored") == "stored" and role in VAULT_ROLES
        if not kept and (status != "drawn" or holder != teller):
            return ("no_cash_box", "柜员未签到领用该尾箱，不能办理现金业务",
                    "The teller has not drawn this cash box")
    elif role not in VAULT_ROLES:
        return ("vault_role", "金库现金只能由主管收付", "Only a supervisor handles the vault")
    return None


class CashRule(PostingRule):
    """Cash by denomination with every entry on a cash account, and the cash
    workflow's steps (transfer, confirmation, balancing, over/short)."""

    name = "cash.counts"

    def __init__(self) -> None:
        self._names: tuple[object, dict[int, str]] = (None, {})

    def account_columns(self, business_date):
        box = boxes_t.c.account_number == accounts_t.c.number
        held = holdings_t.c.account_number == accounts_t.c.number
        return {BOX_STATUS: select(boxes_t.c.status).where(box).scalar_subquery(),
                BOX_HOLDER: select(boxes_t.c.holder_user).where(box).scalar_subquery(),
                HOLDINGS: select(func.aggregate_strings(
                    cast(holdings_t.c.value_fen, String) + literal(":")
                    + cast(holdings_t.c.pieces, String), ",")).where(held).scalar_subquery()}

    def prepare(self, p: Posting) -> None:
        if not p.legs and p.request.one(CashBalancing) is not None:
            for c in p.request.all(CashCount):  # an agreeing blind count: the box, no leg
                p.lock(c.account)

    def denominations(self, p: Posting) -> dict[int, str]:
        """The active denominations, read once per business date: they are master
        data, changed only between business days (docs/operations.md)."""
        day, names = self._names
        if day != p.business_date:
            names = active_denominations(p.conn)
            self._names = (p.business_date, names)
        return names

    def check(self, p: Posting) -> None:
        req = p.request
        cash_accts = sorted(n for n, a in p.accounts.items() if a.kind in CASH_KINDS)
        counts = req.all(CashCount)
        actions = [a for a in req.attachments if isinstance(a, ACTIONS)]
        if not cash_accts and not counts and not actions:
            return
        if p.is_reversal:
            if counts or actions:
                refuse("cash_on_reversal", "冲正按原交易券别退回，不能另录券别",
                       "A reversal moves the original counts back; it takes no counts")
            return  # the original's notes go back: :meth:`undo`
        by_account = {c.account: c for c in counts}
        if len(by_account) != len(counts):
            refuse("cash_count_twice", "同一现金账户的券别明细重复", "Two counts for one box")
        for a in by_account:
            if a not in cash_accts:
                refuse("cash_count_not_cash", "券别明细只能用于现金（尾箱/金库）分录",
                       "Counts are only for cash legs", a)
        if len(actions) > 1:
            refuse("bad_cash_action", "一笔分录只能办理一项现金业务",
                   "One cash workflow step per entry")
        role = getattr(p.start, OPERATOR_ROLE)
        for a in cash_accts:
            acct = p.accounts[a]
            problem = _may_use(acct.kind, getattr(acct, BOX_STATUS), getattr(acct, BOX_HOLDER),
                               req.teller, role)
            if problem:
                refuse(*problem, account=a)
        action = actions[0] if actions else None
        if isinstance(action, (CashBalancing, OverShortResolution)) and p.legs:
            p.require("A", "长短款挂账与处理须主管授权",
                      "Over/short entries need a supervisor's authorization")
        if isinstance(action, CashBalancing):
            return  # the blind count is the whole box, not a movement: checked in write
        for a in cash_accts:
            c = by_account.get(a)
            if c is None:
                refuse("cash_count_missing", "现金交易须录入券别明细",
                       "A cash entry needs the count by denomination", a)
            assert c is not None
            if c.net_fen != p.net(a):
                refuse("cash_count_mismatch",
                       f"券别合计 {fmt(c.net_fen)} 与现金金额 {fmt(p.net(a))} 不符（含找零）",
                       "The count does not add up to the cash amount", a)

    def write(self, p: Posting) -> None:
        req = p.request
        cash_accts = sorted(n for n, a in p.accounts.items() if a.kind in CASH_KINDS)
        action = next((a for a in req.attachments if isinstance(a, ACTIONS)), None)
        if not cash_accts and action is None:
            return
        assert p.posted is not None and p.entry_id is not None
        for a in cash_accts:
            if getattr(p.accounts[a], BOX_STATUS) is None:
                ensure_box(p.conn, a)
        counts = {c.account: c for c in req.all(CashCount)}
        kinds = {n: a.kind for n, a in p.accounts.items()}
        names = self.denominations(p)
        if isinstance(action, CashBalancing):
            _balance(p, cash_accts, counts, kinds, names)
            return
        for a in cash_accts:
            c = counts[a]
            apply_movement(p.conn, p.entry_id, a, dc.clean(c.received), dc.clean(c.paid), names,
                           held_in(p, a))
        if isinstance(action, CashTransferOut):
            _send(p, action.to, cash_accts, counts, kinds)
        elif isinstance(action, CashTransferConfirm):
            _confirm(p, action.transfer_id, cash_accts, counts, kinds)
        elif isinstance(action, OverShortResolution):
            _resolve(p, action, kinds)

    def undo(self, p: Posting) -> None:
        reverse_counts(p, self.denominations(p))

    def verify(self, conn: Connection):
        """Every cash movement names known denominations with positive pieces
        (its counts are JSON: no database can declare that key)."""
        known = set(conn.execute(select(denoms_t.c.value_fen)).scalars())
        q = select(moves_t.c.id, moves_t.c.entry_id, moves_t.c.received, moves_t.c.paid) \
            .order_by(moves_t.c.id)
        for row in conn.execute(q.execution_options(yield_per=5000)):
            try:
                counts = json.loads(row.received) + json.loads(row.paid)
                unknown = sorted({int(d) for d, n in counts if int(n) <= 0 or int(d) not in known})
            except (ValueError, TypeError):
                unknown = ["unreadable"]
            if unknown:
                yield Violation("reference", f"entry {row.entry_id} movement {row.id}",
                                f"no denomination {', '.join(map(str, unknown))}")


def held_in(p: Posting, account: str) -> dict[int, int]:
    """What the locked box ``account`` holds, by denomination."""
    return parse_holdings(getattr(p.accounts[account], HOLDINGS))


def _leg_of_kind(posted: PostedEntry, kinds: dict[str, str], kind: str, direction: str):
    return [leg for leg in posted.legs
            if kinds.get(leg.account) == kind and leg.direction == direction]


def _send(p: Posting, to: str, cash_accts, counts, kinds) -> None:
    conn, req, posted = p.conn, p.request, p.posted
    assert posted is not None
    out = [leg for leg in posted.legs if leg.account in cash_accts and leg.direction == "C"]
    transit = _leg_of_kind(posted, kinds, IN_TRANSIT_KIND, "D")
    if len(out) != 1 or len(transit) != 1 or len(posted.legs) != 2 \
            or out[0].amount != transit[0].amount:
        refuse("bad_transfer", "现金调出须为一个现金账户贷方、现金在途借方",
               "A cash transfer is one cash credit and one in-transit debit")
    source = out[0].account
    from_kind = CASH_KINDS[kinds[source]]
    c = counts[source]
    if c.received:
        refuse("bad_transfer", "调出只能付出现金", "A transfer only pays out")
    if to == "vault":
        if from_kind == "vault":
            refuse("vault_to_vault", "金库不能调拨给金库", "Vault to vault makes no sense")
        branch = p.accounts[source].branch_code
        to_account, to_user, kind = internal_account(conn, branch, "vault"), None, "hand_in"
        if to_account is None:
            refuse("no_vault", "网点没有金库账户", "The branch has no vault")
    else:
        user = conn.execute(select(users_t).where(users_t.c.code == to)).first()
        if user is None or user.role != "teller" or user.status != "active":
            refuse("bad_receiver", f"{to} 不是本网点柜员", f"{to} is not a teller")
        if to == req.teller:
            refuse("self_transfer", "不能调拨给自己", "Cannot transfer to yourself")
        to_account, to_user = None, to
        kind = "issue" if from_kind == "vault" else "teller"
    conn.execute(insert(transfers_t).values(
        branch_code=req.branch, business_date=p.business_date, kind=kind, from_account=source,
        to_account=to_account, from_user=req.teller, to_user=to_user, amount=out[0].amount,
        counts=counts_json(dict(c.paid)), status="in_transit",
        out_entry_id=p.entry_id, in_entry_id=None, confirmed_by=None, created_at=p.now,
        confirmed_at=None))


def _confirm(p: Posting, ident: int, cash_accts, counts, kinds) -> None:
    conn, req, posted = p.conn, p.request, p.posted
    assert posted is not None
    t = conn.execute(select(transfers_t).where(transfers_t.c.id == ident)
                     .with_for_update()).first()
    if t is None or t.branch_code != req.branch:
        refuse("no_transfer", f"调拨 {ident} 不存在", "No such transfer")
    if t.status != "in_transit":
        refuse("transfer_done", f"调拨 {ident} 已确认", "The transfer is already confirmed")
    into = [leg for leg in posted.legs if leg.account in cash_accts and leg.direction == "D"]
    transit = _leg_of_kind(posted, kinds, IN_TRANSIT_KIND, "C")
    if len(into) != 1 or len(transit) != 1 or len(posted.legs) != 2 \
            or into[0].amount != t.amount or transit[0].amount != t.amount:
        refuse("bad_transfer", "调入须为一个现金账户借方、现金在途贷方，金额与调出一致",
               "A confirmation is one cash debit and one in-transit credit of the same amount")
    target = into[0].account
    returned = req.teller == t.from_user and target == t.from_account  # 退回: sender takes it back
    role = getattr(p.start, OPERATOR_ROLE)
    if returned:
        pass
    elif t.to_user is None:
        if target != t.to_account or role not in VAULT_ROLES:
            refuse("not_receiver", "该调拨应由主管入金库", "A supervisor receives it into the vault")
    elif t.to_user != req.teller or kinds[target] != "cash_box":
        refuse("not_receiver", f"该调拨应由柜员 {t.to_user} 确认",
               f"Teller {t.to_user} must confirm this transfer")
    sent = parse_counts(t.counts)
    c = counts[target]
    if c.paid or dc.clean(c.received) != dc.clean(sent):
        refuse("transfer_count_mismatch", "清点券别与调出券别不符，请重新清点",
               "The count differs from what was sent; count again")
    conn.execute(update(transfers_t).where(transfers_t.c.id == t.id).values(
        status="returned" if returned else "confirmed", to_account=target,
        in_entry_id=p.entry_id, confirmed_by=req.teller, confirmed_at=p.now))


def _balance(p: Posting, cash_accts, counts, kinds, names) -> None:
    conn, req, posted = p.conn, p.request, p.posted
    assert posted is not None and p.entry_id is not None
    if len(cash_accts) != 1 or kinds[cash_accts[0]] != "cash_box" \
            or len(posted.legs) not in (0, 2):
        refuse("bad_balancing", "轧账分录须为本人尾箱与待处理长短款",
               "Balancing posts the box against over/short suspense")
    box = cash_accts[0]
    c = counts.get(box)
    if c is None or c.paid:
        refuse("cash_count_missing", "轧账须录入尾箱全部券别", "Enter the full blind count")
    assert c is not None
    counted = dc.clean(c.received)
    system = held_in(p, box)
    diff = dc.total(counted) - dc.total(system)
    if not posted.legs:  # 轧账相符: recorded, nothing moves
        if diff or counted != dc.clean(system):
            what = "长款" if diff > 0 else "短款" if diff < 0 else "券别不符"
            refuse("balancing_differs",
                   f"轧账不符：{what} {fmt(abs(diff))}，请重新清点或经主管授权挂账",
                   f"The count differs by {fmt(diff)}", box)
        _record_balancing(p, box, counted, system, 0)
        return
    box_leg = next(leg for leg in posted.legs if leg.account == box)
    other = next(leg for leg in posted.legs if leg.account != box)
    kind = "over" if diff > 0 else "short"
    booked = box_leg.amount if box_leg.direction == "D" else -box_leg.amount
    if diff == 0 or booked != diff or kinds.get(other.account) != SUSPENSE[kind]:
        refuse("balancing_changed", "尾箱在轧账期间发生变动或挂账金额不符，请重新轧账",
               "The box changed or the amount differs; balance again")
    more, fewer = dc.difference(counted, system)
    apply_movement(conn, p.entry_id, box, more, fewer, names, system)
    conn.execute(insert(items_t).values(
        branch_code=req.branch, business_date=p.business_date, teller_code=req.teller,
        box_account=box, kind=kind, amount=abs(diff), status="open", entry_id=p.entry_id,
        authorized_by=req.authorization.supervisor if req.authorization else None,
        remark=req.memo[:200]))
    _record_balancing(p, box, counted, system, diff)


def _record_balancing(p: Posting, box: str, counted, system, diff: int) -> None:
    p.conn.execute(insert(balancings_t).values(
        teller_code=p.request.teller, business_date=p.business_date, box_account=box,
        counted=counts_json(counted), system=counts_json(system), difference=diff,
        entry_id=p.entry_id, last_movement_id=last_movement_id(p.conn, box), at=p.now))


def _resolve(p: Posting, a: OverShortResolution, kinds) -> None:
    conn, req, posted = p.conn, p.request, p.posted
    assert posted is not None
    item = conn.execute(select(items_t).where(items_t.c.id == a.item_id)
                        .with_for_update()).first()
    if item is None or item.branch_code != req.branch:
        refuse("no_over_short", f"长短款登记 {a.item_id} 不存在", "No such over/short item")
    if item.status != "open":
        refuse("over_short_done", "该长短款已处理", "Already resolved")
    if a.how not in RESOLUTIONS[item.kind]:
        refuse("bad_resolution", "处理方式不适用于该长短款", "That resolution does not apply")
    side = "C" if item.kind == "short" else "D"  # clearing the suspense balance
    suspense = _leg_of_kind(posted, kinds, SUSPENSE[item.kind], side)
    if len(posted.legs) != 2 or len(suspense) != 1 or suspense[0].amount != item.amount:
        what = "短款" if item.kind == "short" else "长款"
        refuse("bad_resolution", f"处理金额须为 {fmt(item.amount)}，且冲销待处理{what}",
               "The resolution must clear the whole suspense amount")
    other = next(leg for leg in posted.legs if leg is not suspense[0])
    wanted = "cash" if a.how in ("made_good", "refund") else WRITE_OFF[item.kind]
    is_cash = kinds.get(other.account) in CASH_KINDS
    if (wanted == "cash") != is_cash or (not is_cash and kinds.get(other.account) != wanted):
        refuse("bad_resolution", "处理方式与对方账户不符", "The counter account does not fit")
    conn.execute(update(items_t).where(items_t.c.id == item.id).values(
        status="resolved", resolution=a.how, resolved_entry_id=p.entry_id,
        resolved_by=req.authorization.supervisor if req.authorization else None,
        resolved_at=p.now))


def reverse_counts(p: Posting, names: dict[int, str]) -> None:
    """The reversal: put the original entry's pieces back where they were."""
    orig = p.request.reverses_entry_id
    conn = p.conn
    tied = conn.execute(select(transfers_t.c.id).where(
        (transfers_t.c.out_entry_id == orig) | (transfers_t.c.in_entry_id == orig))).first() \
        or conn.execute(select(items_t.c.id).where(
            (items_t.c.entry_id == orig) | (items_t.c.resolved_entry_id == orig))).first()
    if tied is not None:
        refuse("cash_irreversible", "现金调拨、轧账和长短款处理不能冲正",
               "Transfers, balancing and over/short entries cannot be reversed")
    moves = conn.execute(select(moves_t).where(moves_t.c.entry_id == orig)
                         .order_by(moves_t.c.id)).all()
    if not moves:
        return
    assert p.entry_id is not None
    by_account: dict[str, tuple[dict[int, int], dict[int, int]]] = {}
    for mv in moves:
        back_in, back_out = by_account.setdefault(mv.account_number, ({}, {}))
        received, paid = movement_counts(mv)
        for target, counts in ((back_out, received), (back_in, paid)):
            for d, n in counts.items():
                target[d] = target.get(d, 0) + n
    role = getattr(p.start, OPERATOR_ROLE)
    for account, (back_in, back_out) in sorted(by_account.items()):
        box = ensure_box(conn, account)
        problem = _may_use("cash_box" if box["kind"] == "teller" else "vault", box["status"],
                           box["holder_user"], p.request.teller, role)
        if problem:
            code, zh, en = problem
            if code == "no_cash_box":
                zh, en = "冲正现金交易须持有原尾箱", "Reversing cash needs the box"
            refuse(code, zh, en, account)
        apply_movement(conn, p.entry_id, account, back_in, back_out, names, held_in(p, account))


# -- 授权限额: large cash payouts need a supervisor ------------------------------------
def cash_payout_need(amount: int, limit_a: int, limit_b: int) -> tuple[str, str, str] | None:
    """(level, zh, en) a cash payout of ``amount`` to a customer needs under the
    branch's limits, or None — the one rule the flows' pages and the core read.

    >>> cash_payout_need(6_000_000, 5_000_000, 20_000_000)[0]
    'A'
    """
    if amount > limit_b:
        return ("B", f"现金支取超过 {fmt(limit_b)}，须B级主管授权",
                f"Cash withdrawal above {fmt(limit_b)}")
    if amount > limit_a:
        return ("A", f"现金支取超过 {fmt(limit_a)}，须A级主管授权",
                f"Cash withdrawal above {fmt(limit_a)}")
    return None


class CashAuthorizationRule(PostingRule):
    """Cash paid out of a customer's account above the branch's limits needs a
    supervisor of the level they name (授权限额, ``branches.cash_auth_limit_a/b``)."""

    name = "cash.payout_authorization"

    def check(self, p: Posting) -> None:
        if p.is_reversal:
            return
        paid = sum(mv.leg.amount for mv in p.moves
                   if mv.account.kind in CASH_KINDS and not mv.inflow)
        if not paid or not any(not mv.inflow and mv.account.customer_id is not None
                               for mv in p.moves):
            return
        need = cash_payout_need(paid, int(p.start.cash_auth_limit_a),
                                int(p.start.cash_auth_limit_b))
        if need:
            p.require(*need)


__all__ = ["CashCount", "CashTransferOut", "CashTransferConfirm", "CashBalancing",
           "OverShortResolution", "CashRule", "CashAuthorizationRule", "cash_payout_need",
           "made_up_count", "CASH_KINDS", "IN_TRANSIT_KIND"]
