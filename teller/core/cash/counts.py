"""Cash boxes and the vault by denomination (尾箱与金库券别管理).

The GL figure of a box is its account's balance on subject 1001; the same money
is held by denomination in ``cash_holdings``. The posting engine's cash hook
(:func:`post_counts`) writes every cash entry's counts (``cash_movements``) in
the posting's own transaction, after the engine has locked the box's account
row; the flows post through ``teller.core.cash.service.CashService``:

    cash = CashService(engine, PostingEngine(engine))
    cash.post(EntryRequest(key="T01-1", branch="0101", teller="T001", terminal="T01",
                           txn_code="10020", step="post",
                           legs=(Leg(box, "D", 25000), Leg(customer, "C", 25000)),
                           cash=(CashCount(box, received=((10000, 3),),
                                           paid=((5000, 1),)),)))   # 找零 50

Rules (refusals are :class:`PostingRefused`, nothing is written):
- every leg on a cash account (kinds ``vault`` and ``cash_box``) carries a
  count whose ``received - paid`` equals the leg's net amount;
- no box ever holds fewer than zero pieces of any denomination;
- a teller's box is used only by the teller who has drawn it today (签到领用);
  the vault, and a box kept in it (not drawn), only by a supervisor or
  administrator;
- ``cash_action`` ties an entry to the cash workflow in the same transaction:
  ``send:<teller|vault>`` (调出, cash to the 2241 in-transit account),
  ``confirm:<transfer id>`` (调入确认, the receiver's count must equal the
  sender's; the sender confirming into the giving box takes it back, 退回),
  ``balance`` (轧账 with a difference: the box is set to the blind count,
  the difference goes to 2241 待处理长款/短款 under a supervisor's
  authorization and into the over/short register), ``resolve:<id>:<how>``
  (长短款处理: made_good / write_off for a shortage, refund / income for an
  overage);
- a reversal (冲正) moves the original counts back.

The rules are part of the posting engine itself (:func:`post_counts` is its
cash hook, run in every Python-path posting's transaction — ``post``,
``post_in`` of the core services such as time deposits and loss fees, and
reversals), so no path can move GL 1001 without moving the box's notes.
``teller.core.cash.service`` is the flows' facade: reads, proposals, transfers.
"""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from teller.core.cash.models import CashBalancing, CashBox, CashDenomination, CashHolding, CashMovement, CashTransfer, OverShortItem
from teller.core.operators.models import User
from teller.core.ledger import models as m
from teller.core.ledger.accounts import internal_account
from teller.core.ledger.records import CashCount, EntryRequest, PostedEntry, PostingRefused
from teller.domain import cash as dc
from teller.domain.money import Money

accounts_t = m.Account.__table__
users_t = User.__table__
branches_t = m.Branch.__table__
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


def apply_movement(conn: Connection, entry_id: int, account: str, received: dict[int, int],
                   paid: dict[int, int], names: dict[int, str]) -> None:
    """Move pieces into/out of a box and record them; refuse any negative count."""
    for d, n in list(received.items()) + list(paid.items()):
        if d not in names:
            refuse("bad_denomination", f"券别 {d} 分不是可用券别", f"Unknown denomination {d}",
                   account)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            refuse("bad_pieces", "张数须为非负整数", "Counts must be whole numbers", account)
    held = read_holdings(conn, account, lock=True)
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
    for d, n in new.items():
        if d in held:
            if n != held[d]:
                conn.execute(update(holdings_t).where(holdings_t.c.account_number == account,
                                                      holdings_t.c.value_fen == d)
                             .values(pieces=n))
        elif n:
            conn.execute(insert(holdings_t).values(account_number=account, value_fen=d, pieces=n))
    if dc.clean(received) or dc.clean(paid):
        conn.execute(insert(moves_t).values(
            entry_id=entry_id, account_number=account, received=counts_json(received),
            paid=counts_json(paid)))


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


def made_up_count(conn: Connection, box: str, amount: int, direction: str) -> CashCount:
    """券别 of a cash amount a core service works out itself (a loss-report fee,
    a closure's payout): the make-up largest first (配款建议), a payout only from
    the notes ``box`` holds. ``direction`` 'in' (received) or 'out' (paid)."""
    names = active_denominations(conn)
    held = read_holdings(conn, box) if direction == "out" else None
    notes = dc.propose(amount, list(names), held)
    if notes is None:
        refuse("cash_no_makeup", "尾箱券别不足以配款", "The box cannot make up the amount", box)
    assert notes is not None
    pairs = dc.pairs(notes)
    return CashCount(box, received=pairs) if direction == "in" else CashCount(box, paid=pairs)


def load_opening_counts(conn: Connection, account: str, counts: dict[int, int]) -> None:
    """尾箱券别初始化: give a box that holds no counts yet its opening count; it
    must add up to the account's GL balance (a box taken over from an older
    system, the demo). Refused once the box has counts."""
    ensure_box(conn, account)
    if read_holdings(conn, account, lock=True):
        refuse("counts_exist", "尾箱已有券别，不能初始化", "The box already has counts", account)
    balance = conn.execute(select(accounts_t.c.balance)
                           .where(accounts_t.c.number == account)).scalar_one()
    clean = dc.clean(counts)
    names = active_denominations(conn)
    if any(d not in names or n < 0 for d, n in clean.items()) or dc.total(clean) != balance:
        refuse("opening_count_mismatch",
               f"券别合计 {fmt(dc.total(clean))} 与账户余额 {fmt(int(balance))} 不符",
               "The opening count must equal the GL balance", account)
    if clean:
        conn.execute(insert(holdings_t), [{"account_number": account, "value_fen": d,
                                           "pieces": n} for d, n in clean.items()])


def record_counts(conn: Connection, req: EntryRequest, posted: PostedEntry,
                  now: dt.datetime) -> None:
    """The posting hook: check and write the counts of ``posted`` (see module doc)."""
    numbers = sorted({leg.account for leg in posted.legs})
    kinds = {r.number: r.kind for r in conn.execute(
        select(accounts_t.c.number, accounts_t.c.kind).where(accounts_t.c.number.in_(numbers)))}
    cash_accts = [n for n in numbers if kinds.get(n) in CASH_KINDS]
    counts = {c.account: c for c in req.cash}
    if len(counts) != len(req.cash):
        refuse("cash_count_twice", "同一现金账户的券别明细重复", "Two counts for one box")
    for a in counts:
        if a not in cash_accts:
            refuse("cash_count_not_cash", "券别明细只能用于现金（尾箱/金库）分录",
                   "Counts are only for cash legs", a)
    action = req.cash_action
    if not cash_accts and not action:
        return
    role = conn.execute(select(users_t.c.role).where(users_t.c.code == req.teller)).scalar()
    net: dict[str, int] = {a: 0 for a in cash_accts}
    for leg in posted.legs:
        if leg.account in net:  # 1001 is debit-natured: a debit brings cash in
            net[leg.account] += leg.amount if leg.direction == "D" else -leg.amount
    for a in cash_accts:
        box = ensure_box(conn, a)
        if box["kind"] == "teller":
            # A box kept in the vault (not drawn) is the vault's keepers' to fill.
            kept = box["status"] == "stored" and role in VAULT_ROLES
            if not kept and (box["status"] != "drawn" or box["holder_user"] != req.teller):
                refuse("no_cash_box", "柜员未签到领用该尾箱，不能办理现金业务",
                       "The teller has not drawn this cash box", a)
        elif role not in VAULT_ROLES:
            refuse("vault_role", "金库现金只能由主管收付", "Only a supervisor handles the vault", a)
    names = active_denominations(conn)
    if action == "balance":
        _balance(conn, req, posted, cash_accts, counts, kinds, names, now)
        return
    for a in cash_accts:
        c = counts.get(a)
        if c is None:
            refuse("cash_count_missing", "现金交易须录入券别明细",
                   "A cash entry needs the count by denomination", a)
        assert c is not None
        if c.net_fen != net[a]:
            refuse("cash_count_mismatch",
                   f"券别合计 {fmt(c.net_fen)} 与现金金额 {fmt(net[a])} 不符（含找零）",
                   "The count does not add up to the cash amount", a)
        apply_movement(conn, posted.entry_id, a, dc.clean(c.received), dc.clean(c.paid), names)
    if action.startswith("send:"):
        _send(conn, req, posted, action[5:], cash_accts, counts, kinds, now)
    elif action.startswith("confirm:"):
        _confirm(conn, req, posted, action[8:], cash_accts, counts, kinds, role, now)
    elif action.startswith("resolve:"):
        _resolve(conn, req, posted, action[8:], kinds, now)
    elif action:
        refuse("bad_cash_action", f"未知现金操作 {action}", f"Unknown cash action {action}")


def _leg_of_kind(posted: PostedEntry, kinds: dict[str, str], kind: str, direction: str):
    return [leg for leg in posted.legs
            if kinds.get(leg.account) == kind and leg.direction == direction]


def _send(conn, req, posted, to, cash_accts, counts, kinds, now) -> None:
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
    bdate = posted.business_date
    if to == "vault":
        if from_kind == "vault":
            refuse("vault_to_vault", "金库不能调拨给金库", "Vault to vault makes no sense")
        branch = conn.execute(select(accounts_t.c.branch_code)
                              .where(accounts_t.c.number == source)).scalar_one()
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
        branch_code=req.branch, business_date=bdate, kind=kind, from_account=source,
        to_account=to_account, from_user=req.teller, to_user=to_user, amount=out[0].amount,
        counts=counts_json(dict(c.paid)), status="in_transit",
        out_entry_id=posted.entry_id, in_entry_id=None, confirmed_by=None, created_at=now,
        confirmed_at=None))


def _confirm(conn, req, posted, ident, cash_accts, counts, kinds, role, now) -> None:
    if not ident.isdigit():
        refuse("no_transfer", "调拨编号无效", "Bad transfer number")
    t = conn.execute(select(transfers_t).where(transfers_t.c.id == int(ident))
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
        in_entry_id=posted.entry_id,
        confirmed_by=req.teller, confirmed_at=now))


def _balance(conn, req, posted, cash_accts, counts, kinds, names, now) -> None:
    if len(cash_accts) != 1 or kinds[cash_accts[0]] != "cash_box" or len(posted.legs) != 2:
        refuse("bad_balancing", "轧账分录须为本人尾箱与待处理长短款",
               "Balancing posts the box against over/short suspense")
    box = cash_accts[0]
    c = counts.get(box)
    if c is None or c.paid:
        refuse("cash_count_missing", "轧账须录入尾箱全部券别", "Enter the full blind count")
    assert c is not None
    if req.authorization is None:
        refuse("needs_authorization", "长短款挂账须主管授权",
               "An overage or shortage needs a supervisor's authorization")
    counted = dc.clean(c.received)
    system = read_holdings(conn, box, lock=True)
    diff = dc.total(counted) - dc.total(system)
    box_leg = next(leg for leg in posted.legs if leg.account == box)
    other = next(leg for leg in posted.legs if leg.account != box)
    kind = "over" if diff > 0 else "short"
    booked = box_leg.amount if box_leg.direction == "D" else -box_leg.amount
    if diff == 0 or booked != diff or kinds.get(other.account) != SUSPENSE[kind]:
        refuse("balancing_changed", "尾箱在轧账期间发生变动或挂账金额不符，请重新轧账",
               "The box changed or the amount differs; balance again")
    more, fewer = dc.difference(counted, system)
    apply_movement(conn, posted.entry_id, box, more, fewer, names)
    assert req.authorization is not None
    conn.execute(insert(items_t).values(
        branch_code=req.branch, business_date=posted.business_date, teller_code=req.teller,
        box_account=box, kind=kind, amount=abs(diff), status="open", entry_id=posted.entry_id,
        authorized_by=req.authorization.supervisor, remark=req.memo[:200]))
    conn.execute(insert(balancings_t).values(
        teller_code=req.teller, business_date=posted.business_date, box_account=box,
        counted=counts_json(counted), system=counts_json(system),
        difference=diff, entry_id=posted.entry_id,
        last_movement_id=last_movement_id(conn, box), at=now))


def _resolve(conn, req, posted, spec, kinds, now) -> None:
    ident, _, how = spec.partition(":")
    item = conn.execute(select(items_t).where(items_t.c.id == int(ident) if ident.isdigit()
                                              else items_t.c.id == -1)
                        .with_for_update()).first()
    if item is None or item.branch_code != req.branch:
        refuse("no_over_short", f"长短款登记 {ident} 不存在", "No such over/short item")
    if item.status != "open":
        refuse("over_short_done", "该长短款已处理", "Already resolved")
    if how not in RESOLUTIONS[item.kind]:
        refuse("bad_resolution", "处理方式不适用于该长短款", "That resolution does not apply")
    if req.authorization is None:
        refuse("needs_authorization", "长短款处理须主管授权", "Needs a supervisor's authorization")
    side = "C" if item.kind == "short" else "D"  # clearing the suspense balance
    suspense = _leg_of_kind(posted, kinds, SUSPENSE[item.kind], side)
    if len(posted.legs) != 2 or len(suspense) != 1 or suspense[0].amount != item.amount:
        what = "短款" if item.kind == "short" else "长款"
        refuse("bad_resolution", f"处理金额须为 {fmt(item.amount)}，且冲销待处理{what}",
               "The resolution must clear the whole suspense amount")
    other = next(leg for leg in posted.legs if leg is not suspense[0])
    wanted = "cash" if how in ("made_good", "refund") else WRITE_OFF[item.kind]
    is_cash = kinds.get(other.account) in CASH_KINDS
    if (wanted == "cash") != is_cash or (not is_cash and kinds.get(other.account) != wanted):
        refuse("bad_resolution", "处理方式与对方账户不符", "The counter account does not fit")
    assert req.authorization is not None
    conn.execute(update(items_t).where(items_t.c.id == item.id).values(
        status="resolved", resolution=how, resolved_entry_id=posted.entry_id,
        resolved_by=req.authorization.supervisor, resolved_at=now))


def post_counts(conn: Connection, req: EntryRequest, posted: PostedEntry, kinds: dict,
                now: dt.datetime) -> None:
    """The posting engine's cash hook (teller.core.ledger.engine ``_post_in``), inside
    the entry's transaction: an entry with a leg on a cash account (``kinds``:
    account number -> kind of the entry's locked accounts), counts or a cash
    action must move the box's notes — a reversal moves the original's back,
    any other entry needs counts adding up to its cash legs. An entry without
    any of them costs nothing here."""
    cash_legs = any(kinds.get(leg.account) in CASH_KINDS for leg in req.legs)
    if not cash_legs and not req.cash and not req.cash_action:
        return
    if req.reverses_entry_id is not None:
        if req.cash or req.cash_action:
            refuse("cash_on_reversal", "冲正按原交易券别退回，不能另录券别",
                   "A reversal moves the original counts back; it takes no counts")
        reverse_counts(conn, posted)
        return
    record_counts(conn, req, posted, now)


def reverse_counts(conn: Connection, posted: PostedEntry) -> None:
    """The reversal hook: put the original entry's pieces back where they were."""
    orig = posted.reverses_entry_id
    if orig is None:
        return
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
    names = active_denominations(conn)
    by_account: dict[str, tuple[dict[int, int], dict[int, int]]] = {}
    for mv in moves:
        back_in, back_out = by_account.setdefault(mv.account_number, ({}, {}))
        received, paid = movement_counts(mv)
        for target, counts in ((back_out, received), (back_in, paid)):
            for d, n in counts.items():
                target[d] = target.get(d, 0) + n
    role = conn.execute(select(users_t.c.role).where(users_t.c.code == posted.teller)).scalar()
    for account, (back_in, back_out) in sorted(by_account.items()):
        box = ensure_box(conn, account)
        kept = box["status"] == "stored" and role in VAULT_ROLES
        if box["kind"] == "teller" and not kept and (box["status"] != "drawn"
                                                     or box["holder_user"] != posted.teller):
            refuse("no_cash_box", "冲正现金交易须持有原尾箱", "Reversing cash needs the box",
                   account)
        if box["kind"] == "vault" and role not in VAULT_ROLES:
            refuse("vault_role", "金库现金只能由主管收付", "Only a supervisor handles the vault")
        apply_movement(conn, posted.entry_id, account, back_in, back_out, names)




__all__ = ["CashCount", "post_counts", "record_counts", "reverse_counts", "made_up_count",
           "CASH_KINDS", "IN_TRANSIT_KIND"]
