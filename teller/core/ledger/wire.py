"""JSON form of posting requests and grants — pure, no SQL.

The terminal's write-ahead journal keeps each commit step's request in this
form, so a retry after a crash sends exactly the same request (same digest)
under the same idempotency key.
"""
from __future__ import annotations

from teller.core.ledger.records import AuthGrant, CashCount, EntryRequest, Leg


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
    """JSON form of a request, kept by the write-ahead journal so a retry after a
    crash sends exactly the same request (same digest) under the same key."""
    return {"key": req.key, "branch": req.branch, "teller": req.teller,
            "terminal": req.terminal, "txn_code": req.txn_code, "step": req.step,
            "legs": [[leg.account, leg.direction, leg.amount, leg.memo] for leg in req.legs],
            "memo": req.memo, "purpose": req.purpose, "reversible": req.reversible,
            "offline": req.offline, "required_level": req.required_level,
            "authorization": grant_to_dict(req.authorization),
            "reverses_entry_id": req.reverses_entry_id,
            **({"cash": [{"account": c.account, "received": [list(x) for x in c.received],
                          "paid": [list(x) for x in c.paid]} for c in req.cash]}
               if req.cash else {}),
            **({"cash_action": req.cash_action} if req.cash_action else {}),
            **({"effect": req.effect, "effect_args": req.effect_args} if req.effect else {})}


def request_from_dict(d: dict) -> EntryRequest:
    return EntryRequest(
        key=d["key"], branch=d["branch"], teller=d["teller"], terminal=d["terminal"],
        txn_code=d["txn_code"], step=d["step"],
        legs=tuple(Leg(a, dr, int(amt), memo) for a, dr, amt, memo in d["legs"]),
        memo=d.get("memo", ""), purpose=d.get("purpose", "normal"),
        reversible=d.get("reversible", True), offline=d.get("offline", False),
        required_level=d.get("required_level"),
        authorization=grant_from_dict(d.get("authorization")),
        reverses_entry_id=d.get("reverses_entry_id"),
        cash=tuple(CashCount(c["account"], tuple((int(a), int(b)) for a, b in c["received"]),
                             tuple((int(a), int(b)) for a, b in c["paid"]))
                   for c in d.get("cash", ())),
        cash_action=d.get("cash_action", ""),
        effect=d.get("effect", ""), effect_args=d.get("effect_args", ""))
