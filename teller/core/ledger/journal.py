"""The electronic journal's write side (电子流水): a teller's journal head, the
next journal number (流水号) and the chained entry row.

Every entry of the bank is written here — by the kernel for each posting and
by the day-end batch for its set-wise interest entries — so numbering and the
hash chain exist once. The head row is locked first in every transaction that
writes an entry (the deadlock-avoidance order is head → accounts by number).

    head = lock_head(conn, "T001", business_date)
    entry_id = append_entry(conn, head, {...entry fields...}, legs)
    save_head(conn, head)

The kernel writes a posting with :func:`write_entry`: the entry, its postings,
the head and the new balances of its accounts — on PostgreSQL one statement
(data-modifying CTEs, so one round trip instead of four), elsewhere the same
four statements one after the other.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, case, insert, select, update
from sqlalchemy.engine import Connection

from teller.core.ledger.chain import GENESIS_HASH, entry_hash
from teller.core.ledger.models import Account, JournalEntry, Posting, TellerJournalHead
from teller.core.ledger.prepared import Prepared, PreparedByCount

heads_t = TellerJournalHead.__table__
accounts_t = Account.__table__
entries_t = JournalEntry.__table__
postings_t = Posting.__table__

ENTRY_COLUMNS = ("idempotency_key", "request_digest", "journal_sequence", "branch_code",
                 "teller_code", "terminal_code", "business_date", "created_at", "txn_code",
                 "step", "purpose", "memo", "reversible", "offline", "reverses_entry_id",
                 "prev_hash", "entry_hash")
POSTING_COLUMNS = ("entry_id", "leg", "account_number", "subject_code", "direction", "amount",
                   "balance_after", "memo")

_LOCK_HEAD = Prepared(
    select(heads_t.c.business_date, heads_t.c.last_sequence, heads_t.c.last_hash)
    .where(heads_t.c.teller_code == bindparam("teller")).with_for_update())
_NEW_HEAD = insert(heads_t)
_SAVE_HEAD = Prepared(update(heads_t).where(heads_t.c.teller_code == bindparam("t")).values(
    business_date=bindparam("d"), last_sequence=bindparam("s"), last_entry_id=bindparam("e"),
    last_hash=bindparam("h")))
_INSERT_ENTRY = Prepared(insert(entries_t).values({c: bindparam(c) for c in ENTRY_COLUMNS})
                         .returning(entries_t.c.id))
# One INSERT for all the legs of an entry.
_INSERT_POSTINGS = PreparedByCount(lambda n: insert(postings_t).values(
    [{c: bindparam(f"{c}_{i}") for c in POSTING_COLUMNS} for i in range(n)]))


def _numbers(n: int) -> list:
    return [bindparam(f"n{i}") for i in range(n)]


# One UPDATE for the new balances of an entry's accounts.
_SAVE_BALANCES = PreparedByCount(lambda n: update(accounts_t).where(
    accounts_t.c.number.in_(_numbers(n))).values(balance=case(
        *[(accounts_t.c.number == bindparam(f"n{i}"),
           bindparam(f"b{i}", type_=accounts_t.c.balance.type)) for i in range(n)])))


def _write_all(legs: int, balances: int):
    """PostgreSQL: the entry (returning its id), its postings, the head and the
    balances in one statement. Every part sees the entry's id through the CTE;
    the foreign keys are checked at the end of the statement."""
    e = insert(entries_t).values({c: bindparam(c) for c in ENTRY_COLUMNS}) \
        .returning(entries_t.c.id).cte("e")
    entry_id = select(e.c.id).scalar_subquery()
    parts = [update(heads_t).where(heads_t.c.teller_code == bindparam("t")).values(
        business_date=bindparam("d"), last_sequence=bindparam("s"), last_entry_id=entry_id,
        last_hash=bindparam("h")).cte("h")]
    if legs:
        parts.append(insert(postings_t).values(
            [{c: entry_id if c == "entry_id" else bindparam(f"{c}_{i}") for c in POSTING_COLUMNS}
             for i in range(legs)]).cte("p"))
    if balances:
        parts.append(_SAVE_BALANCES.build(balances).cte("b"))
    return select(e.c.id).add_cte(*parts)


_WRITE_ALL: dict[tuple[int, int], Prepared] = {}


@dataclass
class Head:
    """One teller's journal head, locked for the transaction. ``sequence`` and
    ``last_hash`` move on with every :func:`append_entry`."""

    teller: str
    business_date: dt.date
    sequence: int
    last_hash: str
    last_entry_id: int | None = None


def locked_head():
    """The head of the teller bound as ``teller``, locked, as a subquery of
    columns ``head_date``, ``head_sequence`` and ``head_hash``: the kernel's
    first statement reads it with the branch (a round trip saved) and hands
    the row to :func:`head_from`."""
    return select(heads_t.c.business_date.label("head_date"),
                  heads_t.c.last_sequence.label("head_sequence"),
                  heads_t.c.last_hash.label("head_hash")) \
        .where(heads_t.c.teller_code == bindparam("teller")).with_for_update().subquery("head")


def head_from(conn: Connection, teller: str, business_date: dt.date, row) -> Head:
    """The head :func:`locked_head` read (``row``), or — the teller's first entry
    ever — the one :func:`lock_head` makes."""
    if row.head_hash is None:
        return lock_head(conn, teller, business_date)
    sequence = int(row.head_sequence) if row.head_date == business_date else 0
    return Head(teller, business_date, sequence, row.head_hash)


def lock_head(conn: Connection, teller: str, business_date: dt.date) -> Head:
    """Lock ``teller``'s head (made on the teller's first entry ever) and set it
    to ``business_date``: the journal number starts again at 1 each day, the
    chain goes on. Two first entries of a new teller race on the insert; the
    loser's IntegrityError is retried by the kernel's transaction wrapper."""
    row = _LOCK_HEAD.first(conn, {"teller": teller})
    if row is None:
        conn.execute(_NEW_HEAD, {"teller_code": teller, "business_date": business_date,
                                 "last_sequence": 0, "last_hash": GENESIS_HASH})
        return Head(teller, business_date, 0, GENESIS_HASH)
    sequence = int(row.last_sequence) if row.business_date == business_date else 0
    return Head(teller, business_date, sequence, row.last_hash)


def _chain(head: Head, entry: dict, legs: list[dict]) -> dict:
    """The entry's row as the next of ``head``: its journal sequence and its
    place in the chain (the head moves on)."""
    head.sequence += 1
    entry = dict(entry, journal_sequence=head.sequence, teller_code=head.teller,
                 business_date=head.business_date, prev_hash=head.last_hash)
    entry["entry_hash"] = entry_hash(head.last_hash, entry, legs)
    head.last_hash = entry["entry_hash"]
    return entry


def write_entry(conn: Connection, head: Head, entry: dict, legs: list[dict],
                balances: list[tuple[str, int]]) -> int:
    """Write a posting: the entry as the next of ``head``, its postings, the
    accounts' new ``balances`` (number, balance) and the head. Returns the
    entry's id."""
    if conn.dialect.name != "postgresql":
        entry_id = append_entry(conn, head, entry, legs)
        if balances:
            _SAVE_BALANCES(len(balances)).run(conn, _balance_params(balances))
        save_head(conn, head)
        return entry_id
    row = _chain(head, entry, legs)
    shape = (len(legs), len(balances))
    statement = _WRITE_ALL.get(shape)
    if statement is None:
        statement = _WRITE_ALL[shape] = Prepared(_write_all(*shape))
    params = dict(row, t=head.teller, d=head.business_date, s=head.sequence, h=head.last_hash)
    params.update(_balance_params(balances))
    params.update({f"{c}_{i}": leg[c] for i, leg in enumerate(legs)
                   for c in POSTING_COLUMNS if c != "entry_id"})
    head.last_entry_id = statement.first(conn, params).id
    return head.last_entry_id


def _balance_params(balances: list[tuple[str, int]]) -> dict:
    params = {}
    for i, (number, balance) in enumerate(balances):
        params[f"n{i}"], params[f"b{i}"] = number, balance
    return params


def append_entry(conn: Connection, head: Head, entry: dict, legs: list[dict], *,
                 write_postings: bool = True) -> int:
    """Write one entry as the next of ``head``: its journal sequence, its place in
    the chain, the row, and (unless the caller writes them set-wise) its postings.
    ``entry`` holds every column but the sequence, the teller, the business date
    and the hashes; ``legs`` are the postings' rows without ``entry_id``."""
    entry = _chain(head, entry, legs)
    entry_id = _INSERT_ENTRY.first(conn, entry).id
    if legs and write_postings:
        _INSERT_POSTINGS(len(legs)).run(conn, {
            f"{c}_{i}": entry_id if c == "entry_id" else leg[c]
            for i, leg in enumerate(legs) for c in POSTING_COLUMNS})
    head.last_entry_id = entry_id
    return entry_id


def save_head(conn: Connection, head: Head) -> None:
    _SAVE_HEAD.run(conn, {"t": head.teller, "d": head.business_date, "s": head.sequence,
                          "e": head.last_entry_id, "h": head.last_hash})
