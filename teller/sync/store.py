"""The terminal's own store (终端本地库): a write-ahead journal of commit steps and
the saved state of unfinished flow runs, in SQLite (WAL, ``synchronous=FULL``).

Write-ahead protocol (one commit step)::

    begin_step(key, request)    # durable row, status 'pending', BEFORE the core sees it
    core.post(request)          # idempotent by key
    finish_step(key, posted)    # status 'done', journal number kept
    fail_step(key, reason)      # the core refused: nothing posted, status 'failed'

After a crash a 'pending' step is in doubt. ``settle(core)`` (run at start-up)
asks the core by key: posted -> 'done'; absent -> 'unposted', offered to the
teller by ``pending_steps()`` for ``retry(key, core)`` (re-sends the stored
request under the same key — exactly once, whatever happened) or
``discard(key)``.

Runs: ``save_run(snapshot, teller=, terminal=)`` keeps a flow run's values
(never a PIN block or password — ``FlowRun.snapshot`` leaves them out) and its
committed steps, so an interrupted flow can be resumed or abandoned
(``open_runs``, ``run``, ``finish_run``).

Schema: made by :func:`migrate`, this store's own small migration function,
versioned with SQLite's ``PRAGMA user_version`` — the store is one file per
terminal, never shared, so Alembic's machinery would buy nothing here.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import (
    Column, Integer, MetaData, String, Table, Text, create_engine, event, insert, select, update,
)
from sqlalchemy.engine import Connection, Engine

from teller.core.ledger.records import BadAttachment, PostedEntry, PostingRefused
from teller.core.ledger.wire import grant_from_dict, request_from_dict

metadata = MetaData()
steps_t = Table(
    "steps", metadata,
    Column("key", String(64), primary_key=True),
    Column("run_id", String(40), nullable=False, index=True),
    Column("code", String(8), nullable=False),
    Column("step", String(32), nullable=False),
    Column("step_index", Integer, nullable=False),
    Column("teller", String(16), nullable=False),
    Column("request", Text, nullable=False),
    Column("status", String(12), nullable=False),  # pending unposted done failed discarded
    Column("reason", String(200), nullable=False, default=""),
    Column("journal_number", String(40)),
    Column("entry_id", Integer),
    Column("created_at", String(32), nullable=False),
    Column("settled_at", String(32)),
)
runs_t = Table(
    "runs", metadata,
    Column("run_id", String(40), primary_key=True),
    Column("code", String(8), nullable=False),
    Column("teller", String(16), nullable=False),
    Column("terminal", String(16), nullable=False),
    Column("snapshot", Text, nullable=False),
    Column("status", String(12), nullable=False),  # open done abandoned
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
)
SCHEMA_VERSION = 1


class CoreLink(Protocol):
    def find(self, key: str) -> PostedEntry | None: ...
    def post(self, req: Any) -> PostedEntry: ...
    def reverse(self, entry_id: int, **kw: Any) -> PostedEntry: ...


@dataclass(frozen=True)
class PendingStep:
    """A step whose outcome the terminal does not know, or knows was not posted."""

    key: str
    run_id: str
    code: str
    step: str
    step_index: int
    teller: str
    status: str  # 'pending' (not yet settled) | 'unposted' (the core has no such entry)
    created_at: str
    amount: int  # the request's debit total, fen (0 for a reversal)


@dataclass(frozen=True)
class StepRecord:
    key: str
    run_id: str
    step_index: int
    status: str
    journal_number: str | None
    entry_id: int | None


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    code: str
    teller: str
    terminal: str
    status: str
    snapshot: dict
    updated_at: str


@dataclass(frozen=True)
class SettleReport:
    done: tuple[str, ...]
    unposted: tuple[str, ...]


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="microseconds")


def migrate(engine: Engine) -> None:
    """Bring the store's schema to :data:`SCHEMA_VERSION` (create on first use)."""
    with engine.begin() as conn:
        version = conn.exec_driver_sql("PRAGMA user_version").scalar() or 0
        if version < 1:
            metadata.create_all(conn)
            conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _engine(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")  # a step written ahead survives power loss
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class LocalStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.engine = _engine(self.path)
        migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- write-ahead (teller.transactions.context.StepJournal) ---------------
    def begin_step(self, *, key: str, run_id: str, code: str, step: str, step_index: int,
                   teller: str, request: dict) -> None:
        with self.engine.begin() as conn:
            row = conn.execute(select(steps_t.c.status).where(steps_t.c.key == key)).first()
            if row is None:
                conn.execute(insert(steps_t).values(
                    key=key, run_id=run_id, code=code, step=step, step_index=step_index,
                    teller=teller, request=json.dumps(request, ensure_ascii=False),
                    status="pending", reason="", created_at=_now()))
            elif row.status in ("unposted", "discarded"):
                # The same request goes out again under the same key.
                conn.execute(update(steps_t).where(steps_t.c.key == key)
                             .values(status="pending", settled_at=None))

    def finish_step(self, key: str, posted: PostedEntry) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(steps_t).where(steps_t.c.key == key).values(
                status="done", journal_number=posted.journal_number,
                entry_id=posted.entry_id, settled_at=_now()))

    def fail_step(self, key: str, reason: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(steps_t).where(steps_t.c.key == key, steps_t.c.status == "pending")
                         .values(status="failed", reason=reason[:200], settled_at=_now()))

    # -- settlement ---------------------------------------------------------
    def settle(self, core: CoreLink) -> SettleReport:
        """Ask the core about every in-doubt step (start-up, or when the link returns)."""
        with self.engine.connect() as conn:
            keys = conn.execute(select(steps_t.c.key).where(steps_t.c.status == "pending")
                                .order_by(steps_t.c.created_at)).scalars().all()
        done, unposted = [], []
        for key in keys:
            posted = core.find(key)
            if posted is not None:
                self.finish_step(key, posted)
                done.append(key)
            else:
                with self.engine.begin() as conn:
                    conn.execute(update(steps_t).where(steps_t.c.key == key,
                                                       steps_t.c.status == "pending")
                                 .values(status="unposted", settled_at=_now()))
                unposted.append(key)
        return SettleReport(tuple(done), tuple(unposted))

    def pending_steps(self, teller: str | None = None) -> tuple[PendingStep, ...]:
        q = select(steps_t).where(steps_t.c.status.in_(("pending", "unposted")))
        if teller:
            q = q.where(steps_t.c.teller == teller)
        with self.engine.connect() as conn:
            rows = conn.execute(q.order_by(steps_t.c.created_at)).all()
        out = []
        for r in rows:
            req = json.loads(r.request)
            amount = sum(int(leg[2]) for leg in req.get("legs", []) if leg[1] == "D")
            out.append(PendingStep(r.key, r.run_id, r.code, r.step, r.step_index, r.teller,
                                   r.status, r.created_at, amount))
        return tuple(out)

    def retry(self, key: str, core: CoreLink) -> PostedEntry:
        """Send the stored request again under its key; the core posts it at most once.
        Raises ``PostingRefused`` (step marked failed) when a rule now says no."""
        with self.engine.connect() as conn:
            row = conn.execute(select(steps_t).where(steps_t.c.key == key)).first()
        if row is None:
            raise KeyError(key)
        if row.status == "done":
            found = core.find(key)
            assert found is not None, f"step {key} marked done but unknown to the core"
            return found
        self.begin_step(key=key, run_id=row.run_id, code=row.code, step=row.step,
                        step_index=row.step_index, teller=row.teller,
                        request=json.loads(row.request))
        req = json.loads(row.request)
        try:
            if "reverse" in req:
                posted = core.reverse(int(req["reverse"]), key=key, teller=req["teller"],
                                      terminal=req["terminal"],
                                      authorization=grant_from_dict(req.get("authorization")),
                                      required_level=req.get("required_level"),
                                      memo=req.get("memo", ""))
            else:  # every rule runs again; a PIN (never stored) is asked for, not skipped
                try:
                    request = request_from_dict(req)
                except (BadAttachment, KeyError, TypeError, ValueError) as exc:
                    raise PostingRefused("bad_request", "保存的交易请求无法识别，不能重发",
                                         f"The stored request is not readable: {exc}") from None
                posted = core.post(request)
        except PostingRefused as exc:
            self.fail_step(key, exc.code)
            raise
        self.finish_step(key, posted)
        return posted

    def discard(self, key: str) -> bool:
        """The teller gives up an unposted step. Refused (False) while still in doubt:
        only a step the core confirmed absent may be discarded."""
        with self.engine.begin() as conn:
            n = conn.execute(update(steps_t).where(steps_t.c.key == key,
                                                   steps_t.c.status == "unposted")
                             .values(status="discarded", settled_at=_now())).rowcount
        return n == 1

    def steps_of(self, run_id: str) -> tuple[StepRecord, ...]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(steps_t).where(steps_t.c.run_id == run_id)
                                .order_by(steps_t.c.step_index, steps_t.c.created_at)).all()
        return tuple(StepRecord(r.key, r.run_id, r.step_index, r.status, r.journal_number,
                                r.entry_id) for r in rows)

    def step(self, key: str) -> StepRecord | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(steps_t).where(steps_t.c.key == key)).first()
        return StepRecord(r.key, r.run_id, r.step_index, r.status, r.journal_number,
                          r.entry_id) if r else None

    # -- runs ---------------------------------------------------------------
    def save_run(self, snapshot: dict, *, teller: str, terminal: str,
                 status: str = "open") -> None:
        now = _now()
        body = json.dumps(snapshot, ensure_ascii=False)
        with self.engine.begin() as conn:
            exists = conn.execute(select(runs_t.c.run_id)
                                  .where(runs_t.c.run_id == snapshot["run_id"])).first()
            if exists:
                conn.execute(update(runs_t).where(runs_t.c.run_id == snapshot["run_id"])
                             .values(snapshot=body, status=status, updated_at=now))
            else:
                conn.execute(insert(runs_t).values(
                    run_id=snapshot["run_id"], code=snapshot["code"], teller=teller,
                    terminal=terminal, snapshot=body, status=status, created_at=now,
                    updated_at=now))

    def finish_run(self, run_id: str, status: str = "done") -> None:
        with self.engine.begin() as conn:
            conn.execute(update(runs_t).where(runs_t.c.run_id == run_id)
                         .values(status=status, updated_at=_now()))

    def run(self, run_id: str) -> RunRecord | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(runs_t).where(runs_t.c.run_id == run_id)).first()
        return self._run(r) if r else None

    def open_runs(self, teller: str | None = None) -> tuple[RunRecord, ...]:
        q = select(runs_t).where(runs_t.c.status == "open")
        if teller:
            q = q.where(runs_t.c.teller == teller)
        with self.engine.connect() as conn:
            return tuple(self._run(r) for r in conn.execute(q.order_by(runs_t.c.updated_at)))

    @staticmethod
    def _run(r) -> RunRecord:
        return RunRecord(r.run_id, r.code, r.teller, r.terminal, r.status,
                         json.loads(r.snapshot), r.updated_at)
