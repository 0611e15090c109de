"""JSON form of posting requests and grants — pure, no SQL.

The terminal's write-ahead journal keeps each commit step's request in this
form, so a retry after a crash sends exactly the same request (same digest)
under the same idempotency key. Secret attachments (a PIN block) are left out:
a retry without one is refused by its rule, never let through.

>>> from teller.core.ledger.records import Leg
>>> req = EntryRequest(key="k", branch="0101", teller="T001", terminal="T01",
...                    txn_code="10020", step="post", legs=(Leg("a", "D", 1), Leg("b", "C", 1)))
>>> request_from_dict(request_to_dict(req)) == req
True
"""
from __future__ import annotations

from teller.core.ledger.records import AuthGrant, Attachment, EntryRequest, Leg


def grant_to_dict(grant: AuthGrant | None) -> dict | None:
    if grant is None:
        return None
    return {"supervisor": grant.supervisor, "level": grant.level,
            "reasons": list(grant.reasons), "remark": grant.remark}


def grant_from_dict(d: dict | None) -> AuthGrant | None:
    if not d:
        return None
    return AuthGrant(d["supervisor"], d["level"], tuple(d.get("reasons", ())), d.get("remark", ""))


def request_to_dict(req: EntryRequest) -> dict:
    """JSON form of a request without its secret attachments."""
    return {"key": req.key, "branch": req.branch, "teller": req.teller,
            "terminal": req.terminal, "txn_code": req.txn_code, "step": req.step,
            "legs": [[leg.account, leg.direction, leg.amount, leg.memo] for leg in req.legs],
            "memo": req.memo, "reversible": req.reversible,
            "offline": req.offline, "required_level": req.required_level,
            "authorization": grant_to_dict(req.authorization),
            "reverses_entry_id": req.reverses_entry_id,
            **({"attachments": [a.to_wire() for a in req.attachments if not a.secret]}
               if req.attachments else {})}


def request_from_dict(d: dict) -> EntryRequest:
    """The request a dict of :func:`request_to_dict` holds; an attachment that
    fits no type raises :class:`~teller.core.ledger.records.BadAttachment`."""
    return EntryRequest(
        key=d["key"], branch=d["branch"], teller=d["teller"], terminal=d["terminal"],
        txn_code=d["txn_code"], step=d["step"],
        legs=tuple(Leg(a, dr, int(amt), memo) for a, dr, amt, memo in d["legs"]),
        memo=d.get("memo", ""), reversible=d.get("reversible", True),
        offline=d.get("offline", False), required_level=d.get("required_level"),
        authorization=grant_from_dict(d.get("authorization")),
        reverses_entry_id=d.get("reverses_entry_id"),
        attachments=tuple(Attachment.from_wire(a) for a in d.get("attachments", ())))
