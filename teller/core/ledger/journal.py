"""The electronic journal's write side (电子流水): a teller's journal head, the
next journal number (流水号) and the chained entry row.

Every entry of the bank is written here — by the kernel for each posting and
by the day-end batch for its set-wise interest entries — so numbering and the
hash chain exist once. The head row is locked first in every transaction that
writes an entry (the deadlock-avoidance order is head → accounts by number).

    head = lock_head(conn, "T001", business_date)
    entry_id = append_entry(conn, head, {...entry fields...}, legs)
    save_head(conn, head)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from teller.core.ledger.chain import GENESIS_HASH, entry_hash
from teller.core.ledger.models import JournalEntry, Posting, TellerJournalHead

heads_t = TellerJournalHead.__table__
entries_t = JournalEntry.__table__
postings_t = Posting.__table__

_LOCK_HEAD = select(heads_t.c.business_date, heads_t.c.last_sequence, heads_t.c.last_hash) \
    .where(heads_t.c.teller_code == bindparam("teller")).with_for_update()
_NEW_HEAD = insert(heads_t)
_SAVE_HEAD = update(heads_t).where(heads_t.c.teller_code == bindparam("t")).values(
    business_date=bindparam("d"), last_sequence=bindparam("s"), last_entry_id=bindparam("e"),
    last_hash=bindparam("h"))
_INSERT_ENTRY = insert(entries_t).returning(entries_t.c.id)
_INSERT_POSTINGS = insert(postings_t)


@dataclass
class Head:
    """One teller's journal head, locked for the transaction. ``sequence`` and
    ``last_hash`` move on with every :func:`append_entry`."""

    teller: str
    business_date: dt.date
    sequence: int
    last_hash: str
    last_entry_id: int | None = None


def lock_head(conn: Connection, teller: str, business_date: dt.date) -> Head:
    """Lock ``teller``'s head (made on the teller's first entry ever) and set it
    to ``business_date``: the journal number starts again at 1 each day, the
    chain goes on. Two first entries of a new teller race on the insert; the
    loser's IntegrityError is retried by the kernel's transaction wrapper."""
    row = conn.execute(_LOCK_HEAD, {"teller": teller}).first()
    if row is None:
        conn.execute(_NEW_HEAD, {"teller_code": teller, "business_date": business_date,
                                 "last_sequence": 0, "last_hash": GENESIS_HASH})
        return Head(teller, business_date, 0, GENESIS_HASH)
    sequence = int(row.last_sequence) if row.business_date == business_date else 0
    return Head(teller, business_date, sequence, row.last_hash)


def append_entry(conn: Connection, head: Head, entry: dict, legs: list[dict], *,
                 write_postings: bool = True) -> int:
    """Write one entry as the next of ``head``: its journal sequence, its place in
    the chain, the row, and (unless the caller writes them set-wise) its postings.
    ``entry`` holds every column but the sequence, the teller, the business date
    and the hashes; ``legs`` are the postings' rows without ``entry_id``."""
    head.sequence += 1
    entry = dict(entry, journal_sequence=head.sequence, teller_code=head.teller,
                 business_date=head.business_date, prev_hash=head.last_hash)
    entry["entry_hash"] = entry_hash(head.last_hash, entry, legs)
    entry_id = conn.execute(_INSERT_ENTRY, entry).scalar_one()
    if legs and write_postings:
        conn.execute(_INSERT_POSTINGS, [dict(leg, entry_id=entry_id) for leg in legs])
    head.last_hash, head.last_entry_id = entry["entry_hash"], entry_id
    return entry_id


def save_head(conn: Connection, head: Head) -> None:
    conn.execute(_SAVE_HEAD, {"t": head.teller, "d": head.business_date, "s": head.sequence,
                              "e": head.last_entry_id, "h": head.last_hash})
