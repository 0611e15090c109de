"""PostgreSQL posting path (服务端记账): one call of ``teller_post(...)`` per entry.

The Python engine (``posting.PostingEngine._post_in``) is the reference and
the implementation on SQLite; on PostgreSQL the same transaction — key and
digest lookup, branch date, head lock then account locks by number, status
and control rules, balances, journal number, entry and postings, the
authorization record and the teller's SHA-256 chain — runs inside the server
as the PL/pgSQL function created by migration ``0010_pg_posting``. The client
sends one prepared statement instead of several SQLAlchemy round trips.

Worked example (the engine chooses this path by itself on PostgreSQL)::

    engine = PostingEngine(make_engine("postgresql://…/core"))
    engine.post(request).journal_number   # posted by teller_post(...) in one call

Two implementations of the same rules are kept honest by
``tests/core/test_posting_pg.py`` (random sequences through both, compared
outcome by outcome, hash by hash) and, for the rule table, by
:func:`rules_match`: while the function's ``teller_posting_rules()`` rows differ
from the Python engine's tables, this module does not use the function and
posts through the Python engine instead (correct, only slower).

Rules that live only in the Python engine (transaction limits, deductions,
reversal hooks, time-deposit kinds, service-only steps, class balance
ceilings, core effects, cash actions such as transfers and balancing) never
run in the function: a request that could meet one is posted by the Python
engine (:func:`python_only_reason` decides from the request; the function
decides from the locked accounts, with the kinds and classes this module
passes it, and answers SQLSTATE ``TLR02`` before it writes anything).
:data:`RULE_COVERAGE` names every rule of posting.py and how this path keeps
it; a test fails when posting.py grows a rule this table does not name.

Cash counts (券别) of an ordinary cash entry are kept by the function: the
teller's own drawn box (or the vault, posted by a supervisor), counts adding
up to the cash legs, no denomination below zero, the holdings and
``cash_movements`` written as ``cashbox.record_counts`` writes them. Any other
cash case is handed over, so its refusal is worded in one place (a denomination
not in use or a box short of a note shows only while the notes are written:
the call's statement is then rolled back whole before it is handed over).
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from typing import TYPE_CHECKING

import psycopg
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from teller.core.ledger.records import EntryRequest, PostedEntry, PostedLeg, PostingRefused
from teller.domain import cash as dc

from teller.core.ledger import engine as _posting

if TYPE_CHECKING:
    from teller.core.ledger.engine import PostingEngine

log = logging.getLogger(__name__)

REFUSAL_SQLSTATE = "TLR01"  # raised by teller_refuse() in the function
PYTHON_PATH_SQLSTATE = "TLR02"  # an account under a Python-only rule: nothing written
FUNCTION = ("teller_post(text, text, text, text, text, text, text, text, text, boolean, "
            "boolean, bigint, timestamp, text[], text[], bigint[], text[], text, text, text, "
            "text, text, text[], text[], text[], bigint[], text[], bigint[])")
# The call goes to libpq directly (psycopg's ``pgconn``) as a statement
# prepared once per connection, its parameters and results in text: psycopg's
# Python-level adaptation (lists element by element, the cursor and result
# machinery) cost the client more than the rest of a posting. The arrays travel
# as array literals (:func:`array_literal`) and come back joined by commas;
# dates are formatted by the server, so no DateStyle setting can change them.
TYPES = ("text", "text", "text", "text", "text", "text", "text", "text", "text", "boolean",
         "boolean", "bigint", "timestamp", "text[]", "text[]", "bigint[]", "text[]", "text",
         "text", "text", "text", "text", "text[]", "text[]", "text[]", "bigint[]", "text[]",
         "bigint[]")
CALL = ("SELECT o_entry_id, to_char(o_business_date, 'YYYY-MM-DD'), o_sequence, "
        "to_char(o_created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), o_teller, o_txn, o_step, "
        "o_reverses, o_replayed, array_to_string(o_accounts, ','), "
        "array_to_string(o_directions, ','), array_to_string(o_amounts, ','), "
        "array_to_string(o_balances, ',') FROM teller_post("
        + ", ".join(f"${i}::{t}" for i, t in enumerate(TYPES, 1)) + ")")
STATEMENT = b"teller_post_call"  # its name on every connection that has prepared it

#: Every rule table and rule hook of posting.py, and how the function keeps it:
#: ``table`` — teller_posting_rules() holds the same rows (see :func:`rules_match`);
#: ``request`` — :func:`python_only_reason` sends such requests to the Python engine;
#: ``account`` — the function sends requests touching such accounts to it (TLR02).
#: tests/core/test_posting_pg.py reads posting.py and fails on a rule not named here.
RULE_COVERAGE = {
    "STATUS_BLOCKS_ALL": "table", "OUTFLOW_BLOCKS": "table", "INFLOW_BLOCKS": "table",
    "KIND_TXN_CODES": "request+account",     # the steps by txn code, the accounts by kind
    "SERVICE_TXN_CODES": "request",
    "CLASS_BALANCE_CEILINGS": "account",      # accounts.account_class
    "EFFECTS": "request", "register_effect": "request",   # req.effect
    "teller.core.accounts.personal": "request",        # registers account.* / customer.* effects
    "REVERSAL_HOOKS": "request", "register_reversal_hook": "request",  # reversals
    "DEDUCTION_PURPOSES": "request", "apply_posting_effects": "request",  # purpose != normal
    "enforce_limits": "account",              # an active limit_rules row
    "post_counts": "request+account",         # cash actions by request; counts on a
                                              # drawn teller box kept by the function
    "HOLD_APPLICATION_EFFECT": "request", "hold_application_effect": "request",  # req.effect
    "debit_block": "table",                   # the same status/control tables
}


@functools.cache
def python_only_txn_codes() -> frozenset[str]:
    """Steps posted only by the Python engine: service-only steps and the
    transactions that may move a kind-restricted account."""
    codes = set(_posting.SERVICE_TXN_CODES)
    for only, _zh, _en in _posting.KIND_TXN_CODES.values():
        codes |= only
    return frozenset(codes)


def python_only_kinds() -> list[str]:
    """Account kinds only the Python engine posts to (KIND_TXN_CODES)."""
    return sorted(_posting.KIND_TXN_CODES)


def python_only_classes() -> list[str]:
    """Account classes only the Python engine posts to (CLASS_BALANCE_CEILINGS)."""
    return sorted(_posting.CLASS_BALANCE_CEILINGS)


@functools.cache
def _python_only_literals() -> tuple[str, str]:
    # posting.py's tables are constants: the two literals are the same on every call
    return array_literal(python_only_kinds()), array_literal(python_only_classes())


def array_literal(items) -> str:
    """A PostgreSQL array literal of ``items`` (str or int), every text element
    quoted: ``array_literal(["a,b", 'say "hi"'])`` → ``{"a,b","say \\"hi\\""}``."""
    return "{" + ",".join(
        str(x) if isinstance(x, int) else
        '"' + x.replace("\\", "\\\\").replace('"', '\\"') + '"' for x in items) + "}"


def _split(joined: str) -> list[str]:
    """A comma-joined array back (``array_to_string`` gives '' for no elements)."""
    return joined.split(",") if joined else []


def _text(value, encoding: str) -> bytes | None:
    """A parameter in PostgreSQL's text form."""
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, dt.datetime):
        return value.isoformat().encode()
    return str(value).encode(encoding)


def _command(raw: psycopg.Connection, sql: bytes) -> None:
    # straight to libpq too: a ROLLBACK seen by psycopg makes it DEALLOCATE ALL
    res = raw.pgconn.exec_(sql)
    if res.status != psycopg.pq.ExecStatus.COMMAND_OK:
        raise psycopg.errors.error_from_result(res, encoding=raw.info.encoding)


def _call(raw: psycopg.Connection, params: tuple, savepoint: bool) -> list[str | None]:
    """One execution of ``CALL`` on ``raw`` (inside ``SAVEPOINT teller_post``
    when ``savepoint``): the row's values as text, or the server's error raised
    as psycopg raises it (sqlstate and diagnostics)."""
    pgconn, encoding = raw.pgconn, raw.info.encoding
    values = [_text(v, encoding) for v in params]
    for attempt in range(2):
        if savepoint:
            _command(raw, b"SAVEPOINT teller_post")
        if not getattr(raw, "_teller_post_prepared", False):
            res = pgconn.prepare(STATEMENT, CALL.encode())
            if res.status != psycopg.pq.ExecStatus.COMMAND_OK:
                raise psycopg.errors.error_from_result(res, encoding=encoding)
            raw._teller_post_prepared = True  # dies with the connection, as the statement does
        res = pgconn.exec_prepared(STATEMENT, values)
        # psycopg deallocates every prepared statement of the session when it
        # resets its own cache (after a rollback or DDL): prepare ours again
        if attempt or res.error_field(psycopg.pq.DiagnosticField.SQLSTATE) != b"26000":
            break
        raw._teller_post_prepared = False
        if savepoint:
            _command(raw, b"ROLLBACK TO SAVEPOINT teller_post")
    if res.status != psycopg.pq.ExecStatus.TUPLES_OK:
        raise psycopg.errors.error_from_result(res, encoding=encoding)
    return [None if (v := res.get_value(0, i)) is None else v.decode(encoding)
            for i in range(res.nfields)]


def python_only_reason(req: EntryRequest) -> str | None:
    """Why ``req`` must be posted by the Python engine, or None when the
    function knows every rule it could meet (the accounts are checked by the
    function itself once they are locked)."""
    if req.effect:
        return "effect"            # a core action (register_effect)
    if not req.legs:
        return "no_legs"           # only a core action or a reversal's hooks
    if req.purpose != "normal":
        return "purpose"           # deductions (apply_posting_effects) and their exemptions
    if req.reverses_entry_id is not None:
        return "reversal"          # reversal hooks, limit usage and deductions given back
    if req.txn_code in python_only_txn_codes():
        return "txn_code"          # service-only steps, kind-restricted transactions
    if req.cash_action:
        return "cash_action"       # transfers, balancing, over/short (teller.core.cash.counts)
    if len({c.account for c in req.cash}) != len(req.cash) or any(
            isinstance(n, bool) or not isinstance(n, int) or n < 0
            for c in req.cash for _, n in c.received + c.paid):
        return "cash_shape"        # counts the Python engine refuses with its own words
    return None


def cash_arrays(req: EntryRequest) -> tuple[list[str], list[int], list[str], list[int]]:
    """The counts of ``req`` as the function's four parallel arrays: by box
    number, then the pieces received and the pieces paid, largest denomination
    first (the function writes one ``cash_movements`` row per box from them)."""
    rows: tuple[list, list, list, list] = ([], [], [], [])
    for count in sorted(req.cash, key=lambda c: c.account):
        for direction, pieces in (("in", count.received), ("out", count.paid)):
            for value, n in dc.clean(pieces).items():
                for column, item in zip(rows, (count.account, value, direction, n)):
                    column.append(item)
    return rows

# Limits on withdrawals that the Python engine hard-codes in _check_leg:
# (control kind, purpose that may pass it).
REDUCING_CONTROLS = (("hold", "hold_deduction"), ("freeze_partial", "judicial_deduction"))


def expected_rules() -> set[tuple]:
    """The rule table the function must hold, read off the Python engine."""
    from teller.core.ledger.engine import INFLOW_BLOCKS, OUTFLOW_BLOCKS, STATUS_BLOCKS_ALL
    rows = {("status", k, "any", "block", (), zh, en) for k, (zh, en) in STATUS_BLOCKS_ALL.items()}
    rows.add(("status", "dormant", "out", "block", (), "账户为睡眠户，请先办理激活",
              "The account is dormant; reactivate it first"))
    rows |= {("control", k, "out", "block", tuple(sorted(allowed)), zh, en)
             for k, (zh, en, allowed) in OUTFLOW_BLOCKS.items()}
    rows |= {("control", k, "in", "block", (), zh, en) for k, (zh, en) in INFLOW_BLOCKS.items()}
    rows |= {("control", k, "out", "reduce", (purpose,), "", "")
             for k, purpose in REDUCING_CONTROLS}
    return rows


def installed_rules(conn: Connection) -> set[tuple] | None:
    """The function's rule table, or None when the function is not installed."""
    if conn.exec_driver_sql(f"SELECT to_regprocedure('{FUNCTION}')").scalar() is None:
        return None
    rows = conn.exec_driver_sql(
        "SELECT source, kind, applies, effect, exempt, message_zh, message_en "
        "FROM teller_posting_rules()").all()
    return {(r[0], r[1], r[2], r[3], tuple(sorted(r[4])), r[5], r[6]) for r in rows}


def rules_match(conn: Connection) -> bool:
    return installed_rules(conn) == expected_rules()


class PgPoster:
    """``post_in(conn, req, digest)`` with the contract of ``PostingEngine._post_in``."""

    def __init__(self, engine: PostingEngine) -> None:
        self.engine = engine
        self._ready: bool | None = None  # decided on first use, inside a transaction

    def post_in(self, conn: Connection, req: EntryRequest, digest: str) -> PostedEntry:
        if self._ready is None:
            self._ready = rules_match(conn)
            if not self._ready:
                log.warning("teller_post() missing or its rules differ from posting.py; "
                            "posting through the Python engine (run the migrations)")
        if not self._ready or python_only_reason(req) is not None:
            return self.engine._post_in(conn, req, digest)
        created_at = self.engine.clock().replace(tzinfo=None)
        grant = req.authorization
        params = (
            req.key, digest, req.branch, req.teller, req.terminal, req.txn_code, req.step,
            req.purpose, req.memo[:200], req.reversible, req.offline, req.reverses_entry_id,
            created_at, array_literal([leg.account for leg in req.legs]),
            array_literal([leg.direction for leg in req.legs]),
            array_literal([leg.amount for leg in req.legs]),
            array_literal([leg.memo[:120] for leg in req.legs]),
            req.required_level,
            grant.supervisor if grant else None, grant.level if grant else None,
            json.dumps(list(grant.reasons), ensure_ascii=False) if grant else None,
            grant.remark[:200] if grant else None, *_python_only_literals(),
            *map(array_literal, cash_arrays(req)))
        raw = conn.connection.driver_connection
        # The call is one statement, so on an idle connection it runs as its own
        # transaction (libpq's implicit one): no BEGIN and COMMIT round trips.
        # Atomicity is the statement's; a failure rolls all of it back.
        own_tx = raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        python_path = False
        try:
            # inside the caller's transaction a TLR02 must not abort it: a savepoint
            row = _call(raw, params, savepoint=not own_tx)
        except psycopg.Error as exc:
            if exc.sqlstate == PYTHON_PATH_SQLSTATE:
                if not own_tx:
                    _command(raw, b"ROLLBACK TO SAVEPOINT teller_post")
                python_path = True
            elif exc.sqlstate == REFUSAL_SQLSTATE:
                detail = json.loads(exc.diag.message_detail or "{}")
                raise PostingRefused(exc.diag.message_primary or "refused", detail.get("zh", ""),
                                     detail.get("en", ""), account=detail.get("account")) from None
            else:
                # Hand the retry wrapper and post()'s race check what SQLAlchemy would have.
                raise DBAPIError.instance(
                    CALL, params, exc, psycopg.Error, dialect=conn.dialect,
                    connection_invalidated=conn.dialect.is_disconnect(exc, raw, None)) from exc
        if python_path:
            # The function wrote nothing and (own_tx) its statement is over, so
            # the Python engine runs the request in a fresh transaction on this
            # connection, committed by the caller's; inside the caller's
            # transaction it runs after the rolled-back savepoint.
            return self.engine._post_in(conn, req, digest)
        if not own_tx:
            _command(raw, b"RELEASE SAVEPOINT teller_post")
        (entry_id, bdate, seq, at, teller, txn, step, reverses, replayed,
         accounts, directions, amounts, balances) = row
        return PostedEntry(
            entry_id=int(entry_id), key=req.key, teller=teller,
            business_date=dt.date.fromisoformat(bdate), journal_sequence=int(seq),
            created_at=dt.datetime.fromisoformat(at), txn_code=txn, step=step,
            replayed=replayed == "t", reverses_entry_id=None if reverses is None else int(reverses),
            legs=tuple(PostedLeg(a, d, int(m), int(b)) for a, d, m, b in zip(
                _split(accounts), _split(directions), _split(amounts), _split(balances))))
