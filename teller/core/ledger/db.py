"""Engine factory and the one retry wrapper for the core database.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL`` and
foreign keys on, and every transaction starts with ``BEGIN IMMEDIATE`` so two
writers never both read and then fail to upgrade their lock (the SQLAlchemy
recipe for pysqlite: turn off the driver's own BEGIN, emit ours).
PostgreSQL is reached through psycopg 3.

``run_in_transaction(engine, fn)`` is the only place that retries: on a
serialization failure or deadlock (SQLSTATE 40001 / 40P01), a lost connection,
or a busy SQLite file, it backs off with jitter and calls ``fn`` again in a
fresh transaction, up to a bound.  ``fn`` must have no effects outside the
transaction — which is why posting carries an idempotency key.
"""
from __future__ import annotations

import logging
import random
import time
from contextvars import ContextVar
from pathlib import Path
from typing import Callable, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


class CoreUnavailable(Exception):
    """The core database cannot be reached (核心数据库不可用)."""

    def __init__(self, detail: str = "") -> None:
        self.message = "无法连接核心数据库，请检查网络或联系科技部门"
        self.message_en = "The core database cannot be reached"
        super().__init__(f"{self.message} ({detail})" if detail else self.message)


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and make SQLAlchemy use psycopg 3 for it."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, pool_size: int = 5, echo: bool = False,
                connect_args: dict | None = None) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo,
                               connect_args={"timeout": 30, **(connect_args or {})})
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size,
                           connect_args=dict(connect_args or {}))
    _configure_pre_ping(engine)
    return engine


# Set while run_in_transaction checks a connection out (see _configure_pre_ping).
_retrying_checkout: ContextVar[bool] = ContextVar("_retrying_checkout", default=False)


def _configure_pre_ping(engine: Engine) -> None:
    """Ping a connection when it leaves the pool — except for the retry wrapper.

    The ping costs a round trip per checkout; it spares plain reads (which do
    not go through the retry wrapper) a dead connection after a failover. The
    wrapper needs no ping: a dead connection fails its first statement, is
    invalidated and the work goes round again — and a posting is one round
    trip on PostgreSQL, so the ping would double it. (SQLAlchemy's
    ``pool_pre_ping`` cannot tell the two callers apart; this is its
    documented checkout-event form.)
    """
    @event.listens_for(engine.pool, "checkout")
    def _ping(dbapi_conn, _record, _proxy):  # noqa: ANN001 - DBAPI types
        if _retrying_checkout.get():
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # noqa: BLE001 - any failure means "reconnect"
            raise DisconnectionError(str(exc)) from exc


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001 - DBAPI types
        # Let us emit BEGIN ourselves (pysqlite would otherwise defer it).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Readers (see ``reader``) begin DEFERRED so they never queue for the
        # write lock; everything else takes it up front.
        conn.exec_driver_sql("BEGIN " + conn.get_execution_options().get("sqlite_begin",
                                                                          "IMMEDIATE"))


def reader(engine: Engine) -> Connection:
    """A connection for reading only: on SQLite it does not take the write lock."""
    return engine.connect().execution_options(sqlite_begin="DEFERRED")


def sqlstate_of(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def is_connection_failure(exc: DBAPIError) -> bool:
    """The link to the server broke (killed backend, network, a pipeline left
    half-sent): the connection is unusable, but a retry by key is safe."""
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    state = getattr(orig, "sqlstate", "absent")
    if isinstance(exc, OperationalError) and state is None:
        return True  # psycopg: an error raised by the client library, not the server
    if isinstance(state, str) and (state.startswith("08") or state in ("57P01", "57P02")):
        return True  # connection exception / admin shutdown / crash shutdown
    text = str(orig).lower()
    return any(s in text for s in ("server closed the connection", "terminating connection",
                                   "connection lost", "consuming input failed",
                                   "connection is closed", "sending query failed"))


def is_retryable(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    if sqlstate_of(exc) in RETRYABLE_SQLSTATES or is_connection_failure(exc):
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig).lower()


def run_in_transaction(engine: Engine, fn: Callable[[Connection], T], *,
                       attempts: int = 12, base_delay: float = 0.005,
                       max_delay: float = 0.5) -> T:
    """Run ``fn(conn)`` in one transaction, retrying transient failures.

    Business refusals raised by ``fn`` roll back and propagate at once; only
    transient database faults are retried. A connection that failed is
    invalidated so the pool never hands it out again.
    """
    last: BaseException | None = None
    for attempt in range(attempts):
        token = _retrying_checkout.set(True)
        try:
            conn = engine.connect()
        finally:
            _retrying_checkout.reset(token)
        try:
            with conn.begin():
                return fn(conn)
        except DBAPIError as exc:
            if not is_retryable(exc):
                raise
            if is_connection_failure(exc) and not conn.invalidated:
                conn.invalidate()
            last = exc
            delay = min(max_delay, base_delay * (2 ** attempt))
            delay = random.uniform(delay / 2, delay)  # full jitter on the upper half
            log.info("retrying core transaction after %s (attempt %d)", sqlstate_of(exc)
                     or type(exc.orig).__name__, attempt + 1)
            time.sleep(delay)
        finally:
            conn.close()
    assert last is not None
    raise CoreUnavailable(str(last.orig) if isinstance(last, DBAPIError) else str(last)) from last
