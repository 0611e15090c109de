"""One ``cash_movements`` row per entry and box, its counts as JSON.

A cash posting used to write one movement row per denomination — nine rows
for an ordinary deposit, each with two index entries and its foreign-key
checks — and on PostgreSQL that was the largest single part of a posting's
cost on the server. The row now carries the pieces received and the pieces
paid as ``[[value_fen, pieces], ...]``, largest first: the form
``cash_transfers.counts`` already used (teller.core.cash.counts.counts_json).

Existing rows are regrouped by entry and box; each new row keeps the largest
id of its group, so ``max(id)`` per box — what a balancing remembers as
``last_movement_id`` — is unchanged, and is now found through an index on
(account_number, id) rather than by reading every movement of the bank. ``teller_post()`` is 0018's function
with only the movement insert rewritten, and keeps 0020's generic plans.

Downgrade splits the rows again (new ids; a balancing's ``last_movement_id``
is moved along to the last row of its group).

Revision ID: 0022_cash_movement_rows
Revises: 0021_pg_journal_references
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0022_cash_movement_rows"
down_revision = "0021_pg_journal_references"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CHUNK = 5000  # entries per round of the copy, so memory stays flat


def _sibling(filename: str):
    spec = importlib.util.spec_from_file_location(
        f"_rev_{filename[:4]}", Path(__file__).with_name(filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_0018 = _sibling("0018_pg_posting_rules.py")
SIGNATURE = _0018.SIGNATURE

OLD_MOVES = """             mv AS (
                INSERT INTO cash_movements (entry_id, account_number, value_fen, direction,
                                            pieces)
                SELECT v_id, x.acct, x.val, x.dir, x.pcs FROM x ORDER BY x.o
                RETURNING 1)
        SELECT (SELECT count(*) FROM c WHERE c.d <> 0) - (SELECT count(*) FROM up)
                   - (SELECT count(*) FROM ins),
               (SELECT count(*) FROM mv)"""
# json.dumps(pairs): '[[10000, 3], [5000, 1]]', duplicates summed, largest first;
# a data-modifying WITH runs whether or not the outer query reads it.
NEW_MOVES = """             per AS (
                SELECT x.acct, x.dir, x.val, sum(x.pcs) AS pcs FROM x
                 GROUP BY x.acct, x.dir, x.val HAVING sum(x.pcs) <> 0),
             mv AS (
                INSERT INTO cash_movements (entry_id, account_number, received, paid)
                SELECT v_id, per.acct,
                       '[' || coalesce(string_agg('[' || per.val || ', ' || per.pcs || ']', ', '
                                                  ORDER BY per.val DESC)
                                       FILTER (WHERE per.dir = 'in'), '') || ']',
                       '[' || coalesce(string_agg('[' || per.val || ', ' || per.pcs || ']', ', '
                                                  ORDER BY per.val DESC)
                                       FILTER (WHERE per.dir = 'out'), '') || ']'
                  FROM per GROUP BY per.acct ORDER BY per.acct COLLATE "C"
                RETURNING 1)
        SELECT (SELECT count(*) FROM c WHERE c.d <> 0) - (SELECT count(*) FROM up)
                   - (SELECT count(*) FROM ins),
               (SELECT count(*) FROM x)"""
assert _0018.POST_SQL.count(OLD_MOVES) == 1
POST_SQL = _0018.POST_SQL.replace(OLD_MOVES, NEW_MOVES).replace(
    "and the movements in\n        -- the order record_counts writes them.",
    "and one movement row\n        -- per box, as record_counts writes it.")


def _append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE TRIGGER cash_movements_append_only BEFORE UPDATE OR DELETE ON "
                   f"{table} FOR EACH ROW EXECUTE FUNCTION teller_refuse_change()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER cash_movements_no_{action.lower()} BEFORE {action} "
                       f"ON {table} BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END")


def _drop_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cash_movements_append_only ON cash_movements")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS cash_movements_no_{action}")


def _entry_chunks(bind, table: sa.Table):
    lo, hi = bind.execute(sa.select(sa.func.min(table.c.entry_id),
                                    sa.func.max(table.c.entry_id))).one()
    if lo is None:
        return
    for start in range(lo, hi + 1, CHUNK):
        yield table.c.entry_id.between(start, start + CHUNK - 1)


def _replace_table(new: str, keep_fk_to_denominations: bool, upgrading: bool) -> None:
    """Drop the old cash_movements, give ``new`` its name, indexes and triggers."""
    bind = op.get_bind()
    _drop_append_only()
    op.drop_index("ix_cash_movements_entry", table_name="cash_movements")
    if not upgrading:
        op.drop_index("ix_cash_movements_account", table_name="cash_movements")
    op.drop_table("cash_movements")
    op.rename_table(new, "cash_movements")
    if bind.dialect.name == "postgresql":
        # PostgreSQL names follow the table they were made for; give the usual ones back
        op.execute(f"ALTER INDEX {new}_pkey RENAME TO cash_movements_pkey")
        op.execute(f"ALTER SEQUENCE {new}_id_seq RENAME TO cash_movements_id_seq")
        for column in ("entry_id", "account_number") + (
                ("value_fen",) if keep_fk_to_denominations else ()):
            op.execute(f"ALTER TABLE cash_movements RENAME CONSTRAINT {new}_{column}_fkey "
                       f"TO cash_movements_{column}_fkey")
        op.execute("SELECT setval('cash_movements_id_seq', coalesce(max(id), 1), "
                   "max(id) IS NOT NULL) FROM cash_movements")
    op.create_index("ix_cash_movements_entry", "cash_movements", ["entry_id"])
    if upgrading:
        # a box's last movement was found by reading every movement of the bank
        op.create_index("ix_cash_movements_account", "cash_movements", ["account_number", "id"])
    _append_only("cash_movements")


def _function(sql: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.get_bind().exec_driver_sql(sql)
        op.execute(f"ALTER FUNCTION {SIGNATURE} SET plan_cache_mode = force_generic_plan")


def _entry_and_box() -> tuple[sa.Column, ...]:
    """The columns both shapes of the table share."""
    return (sa.Column("id", ID, autoincrement=True, nullable=False),
            sa.Column("entry_id", ID, sa.ForeignKey("journal_entries.id"), nullable=False),
            sa.Column("account_number", sa.String(32), sa.ForeignKey("accounts.number"),
                      nullable=False),
            sa.PrimaryKeyConstraint("id"))


def upgrade() -> None:
    bind = op.get_bind()
    new = op.create_table(
        "cash_movements_new", *_entry_and_box(),
        sa.Column("received", sa.Text(), nullable=False),
        sa.Column("paid", sa.Text(), nullable=False),
        sa.CheckConstraint("received <> '[]' OR paid <> '[]'", name="ck_cash_movements_counts"),
    )
    old = sa.table("cash_movements", *(sa.column(c) for c in (
        "id", "entry_id", "account_number", "value_fen", "direction", "pieces")))
    for where in _entry_chunks(bind, old):
        groups: dict[tuple[int, str], list] = {}
        for r in bind.execute(sa.select(old).where(where).order_by(old.c.id)):
            g = groups.setdefault((r.entry_id, r.account_number), [0, {}, {}])
            g[0] = max(g[0], r.id)
            side = g[1] if r.direction == "in" else g[2]
            side[int(r.value_fen)] = side.get(int(r.value_fen), 0) + int(r.pieces)
        rows = [{"id": top, "entry_id": entry, "account_number": account,
                 "received": json.dumps(sorted(received.items(), reverse=True)),
                 "paid": json.dumps(sorted(paid.items(), reverse=True))}
                for (entry, account), (top, received, paid) in groups.items()]
        if rows:
            bind.execute(sa.insert(new), rows)
    _replace_table("cash_movements_new", keep_fk_to_denominations=False, upgrading=True)
    _function(POST_SQL)


def downgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    old = op.create_table(
        "cash_movements_old", *_entry_and_box(),
        # 0021 left PostgreSQL without this key
        sa.Column("value_fen", sa.Integer(), *(() if pg else (
            sa.ForeignKey("cash_denominations.value_fen"),)), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("pieces", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("direction in ('in','out')", name="ck_cash_movements_direction"),
        sa.CheckConstraint("pieces > 0", name="ck_cash_movements_pieces"),
    )
    new = sa.table("cash_movements", *(sa.column(c) for c in (
        "id", "entry_id", "account_number", "received", "paid")))
    balancings = sa.table("cash_balancings", sa.column("id"), sa.column("last_movement_id"))
    remembered = dict(bind.execute(sa.select(balancings.c.id, balancings.c.last_movement_id)
                                   .where(balancings.c.last_movement_id.is_not(None))).all())
    wanted = set(remembered.values())
    moved: dict[int, int] = {}  # a row's id -> the id of the last row it splits into
    for where in _entry_chunks(bind, new):
        for r in bind.execute(sa.select(new).where(where).order_by(new.c.id)).all():
            bind.execute(sa.insert(old), [
                {"entry_id": r.entry_id, "account_number": r.account_number, "value_fen": d,
                 "direction": direction, "pieces": n}
                for direction, counts in (("in", r.received), ("out", r.paid))
                for d, n in json.loads(counts)])
            if r.id in wanted:
                moved[r.id] = bind.execute(sa.select(sa.func.max(old.c.id))).scalar()
    for balancing, last in remembered.items():
        if last in moved:
            bind.execute(sa.update(balancings).where(balancings.c.id == balancing)
                         .values(last_movement_id=moved[last]))
    _replace_table("cash_movements_old", keep_fk_to_denominations=not pg, upgrading=False)
    _function(_0018.POST_SQL)
