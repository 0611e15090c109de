"""The request digest and the per-teller hash chain (防篡改链).

``request_digest`` fingerprints what was asked, so a key reused for other
content is caught; ``entry_hash`` chains each entry to the teller's previous
one over a canonical JSON of the entry and its legs, which ``teller check``
recomputes.

Why the chain is per teller and not bank-wide: a single chain head would
serialise every posting of the bank on one row; a teller's postings are
serialised anyway by the journal number, so per-teller chains cost nothing and
still make any edited, inserted or deleted entry detectable.

>>> entry_hash(GENESIS_HASH, {"idempotency_key": "k", "request_digest": "d",
...     "journal_sequence": 1, "branch_code": "0101", "teller_code": "T001",
...     "terminal_code": "T01", "business_date": dt.date(2026, 11, 23),
...     "created_at": dt.datetime(2026, 11, 23, 9, 0), "txn_code": "10020", "step": "post",
...     "purpose": "normal", "memo": "", "reversible": True, "offline": False,
...     "reverses_entry_id": None}, [])[:12]
'd6bcaf0f1b0e'
"""
from __future__ import annotations

import datetime as dt  # noqa: F401  (the doctest)
import hashlib
import json

from teller.core.ledger.records import EntryRequest

GENESIS_HASH = "0" * 64


def request_digest(req: EntryRequest) -> str:
    """SHA-256 of what was asked: who, where, which step, the legs and every
    attachment that is not secret (a PIN block is left out: asked again, never
    stored)."""
    body = {
        "branch": req.branch, "teller": req.teller, "terminal": req.terminal,
        "txn": req.txn_code, "step": req.step, "reverses": req.reverses_entry_id,
        "legs": [[leg.account, leg.direction, leg.amount] for leg in req.legs],
    }
    attached = [a.to_wire() for a in req.attachments if not a.secret]
    if attached:  # only then, so the digests of plain entries stay short and stable
        body["attachments"] = attached
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False)
                          .encode()).hexdigest()


def entry_hash(prev_hash: str, entry: dict, legs: list[dict]) -> str:
    """SHA-256 over a canonical form of the entry and its legs, chained."""
    canon = {
        "prev": prev_hash,
        "key": entry["idempotency_key"], "digest": entry["request_digest"],
        "seq": entry["journal_sequence"], "branch": entry["branch_code"],
        "teller": entry["teller_code"], "terminal": entry["terminal_code"],
        "date": entry["business_date"].isoformat(),
        "at": entry["created_at"].isoformat(timespec="microseconds"),
        "txn": entry["txn_code"], "step": entry["step"], "purpose": entry["purpose"],
        "memo": entry["memo"], "reversible": bool(entry["reversible"]),
        "offline": bool(entry["offline"]), "reverses": entry["reverses_entry_id"],
        "legs": [[p["leg"], p["account_number"], p["subject_code"], p["direction"],
                  int(p["amount"]), int(p["balance_after"]), p["memo"]] for p in legs],
    }
    data = json.dumps(canon, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()
