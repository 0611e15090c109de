"""Statements the kernel runs on every posting, compiled once and run on the
driver's cursor (预编译语句).

A posting is a handful of small statements; through SQLAlchemy's execution
layer each one costs more client CPU than the server spends on it (building
the execution context, the result metadata, psycopg's column descriptions).
:class:`Prepared` keeps SQLAlchemy for what it is good at — the SQL text of a
Core statement for each dialect, its bind and result type processing — and
does the rest once per dialect: the SQL string, the order of the parameters,
the processors, and a row type with the statement's labels. psycopg prepares
the statement on the server after a few executions; sqlite3 caches it.

    LOCK_HEAD = Prepared(select(heads_t.c.last_sequence)
                         .where(heads_t.c.teller_code == bindparam("teller"))
                         .with_for_update())
    row = LOCK_HEAD.first(conn, {"teller": "T001"})     # row.last_sequence
    SAVE = Prepared(update(...).values(balance=bindparam("b")))
    SAVE.run_many(conn, [{"n": "…", "b": 100}, ...])

Parameters are given by bind name and must all be given (no Python-side
column defaults are applied: an insert names every column it writes). Errors
come back as SQLAlchemy's exceptions (``IntegrityError``, ``OperationalError``
…) with a dropped link invalidated, so the retry wrapper treats them as it
treats any other. Cursor events (``before_cursor_execute``) do not see these
statements.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement


_REQUIRED = object()  # a parameter the caller must give


class _Form:
    """One statement compiled for one dialect."""

    __slots__ = ("sql", "positional", "binds", "row", "results", "labels", "_types")

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        # Post-compile parameters (string_agg's separator, a literal IN list) are
        # rendered into the text, which is compiled once and must be whole; that
        # needs a value for every parameter, so the caller's get a stand-in.
        compiled = statement.compile(dialect=dialect)
        required: list[str] = []
        if compiled.literal_execute_params or compiled.post_compile_params:
            required = [b.key for b in compiled.binds.values() if b.required]
            compiled = statement.params({k: None for k in required}).compile(
                dialect=dialect, compile_kwargs={"render_postcompile": True})
        self.sql = compiled.string
        self.positional = compiled.positional
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        names = list(compiled.positiontup or ()) if self.positional else list(by_name)
        processors = compiled._bind_processors  # noqa: SLF001 - SQLAlchemy's own processors
        escaped = compiled.escaped_bind_names or {}
        # (name the caller gives, name in the SQL, processor, the statement's own
        # value for a literal it carries, e.g. ``active IS true``)
        self.binds: tuple[tuple[str, str, Callable | None, Any], ...] = tuple(
            (n, escaped.get(n, n), processors.get(n),
             _REQUIRED if by_name[n].key in required or by_name[n].required
             else by_name[n].value) for n in names)
        columns = getattr(compiled, "_result_columns", None) or ()
        self.labels = tuple(c.keyname for c in columns)
        self.row = namedtuple("Row", self.labels) if self.labels else None  # type: ignore[misc]
        self.results: tuple[Callable | None, ...] | None = None  # made on first fetch
        self._types = tuple(c.type for c in columns)  # type: ignore[attr-defined]

    def params(self, given: dict[str, Any]):
        values = ((e, p, given[k] if k in given or v is _REQUIRED else v)
                  for k, e, p, v in self.binds)
        if self.positional:
            return tuple(p(v) if p else v for _, p, v in values)
        return {e: (p(v) if p else v) for e, p, v in values}

    def rows(self, cursor, dialect: Dialect) -> list:
        raw = cursor.fetchall()
        if self.results is None:
            codes = [d[1] for d in cursor.description or ()]
            self.results = tuple(t._cached_result_processor(dialect, c)  # noqa: SLF001
                                 for t, c in zip(self._types, codes))
        procs = self.results
        make = self.row
        if not any(procs):
            return [make._make(r) for r in raw]
        return [make._make(p(v) if p else v for p, v in zip(procs, r)) for r in raw]


class Prepared:
    """A Core statement run on the driver's cursor of a SQLAlchemy connection."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._forms: dict[str, _Form] = {}

    def _form(self, dialect: Dialect) -> _Form:
        form = self._forms.get(dialect.name)
        if form is None:
            form = self._forms[dialect.name] = _Form(self.statement, dialect)
        return form

    def all(self, conn: Connection, params: dict[str, Any] | None = None) -> list:
        """The rows (a named tuple each), for a statement that returns rows."""
        dialect = conn.dialect
        form = self._form(dialect)
        cursor = _cursor(conn)
        args = form.params(params or {})
        _run(conn, cursor, form.sql, args, many=False)
        return form.rows(cursor, dialect)

    def first(self, conn: Connection, params: dict[str, Any] | None = None):
        rows = self.all(conn, params)
        return rows[0] if rows else None

    def run(self, conn: Connection, params: dict[str, Any] | None = None) -> None:
        """Execute once, for a statement whose rows (if any) are not wanted."""
        form = self._form(conn.dialect)
        _run(conn, _cursor(conn), form.sql, form.params(params or {}), many=False)

    def run_many(self, conn: Connection, params: Iterable[dict[str, Any]]) -> None:
        """Execute once per parameter set (the driver batches them)."""
        form = self._form(conn.dialect)
        batch = [form.params(p) for p in params]
        if batch:
            _run(conn, _cursor(conn), form.sql, batch, many=True)


class PreparedByCount:
    """One :class:`Prepared` per number of rows a statement handles (the legs of
    an entry, its accounts), built by ``build(count)`` on first use — a
    statement for two rows rather than two statements.

        SAVE = PreparedByCount(lambda n: update(...).where(number.in_(
            [bindparam(f"n{i}") for i in range(n)])) ...)
        SAVE(2).run(conn, {"n0": ..., "n1": ...})
    """

    def __init__(self, build: Callable[[int], ClauseElement]) -> None:
        self.build = build
        self._by_count: dict[int, Prepared] = {}

    def __call__(self, count: int) -> Prepared:
        found = self._by_count.get(count)
        if found is None:
            found = self._by_count[count] = Prepared(self.build(count))
        return found


def _cursor(conn: Connection):
    """The driver connection's cursor for these statements, made once per
    connection (a cursor is cheap to keep and not free to make)."""
    pooled = conn.connection
    driver = pooled.driver_connection
    kept = pooled.info.get(_CURSOR)
    if kept is None or kept[0] is not driver:  # first use, or reconnected
        kept = pooled.info[_CURSOR] = (driver, driver.cursor())
    return kept[1]


_CURSOR = "teller.prepared_cursor"


def _run(conn: Connection, cursor, sql: str, args: Any | Sequence[Any], *, many: bool) -> None:
    dialect = conn.dialect
    dbapi_error = dialect.loaded_dbapi.Error
    try:
        if many:
            cursor.executemany(sql, args)
        else:
            cursor.execute(sql, args)
    except dbapi_error as exc:
        invalid = dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)
        if invalid and not conn.invalidated:
            conn.invalidate(exc)
        raise DBAPIError.instance(sql, args, exc, dbapi_error, connection_invalidated=invalid,
                                  dialect=dialect) from exc


__all__ = ["Prepared", "PreparedByCount"]
