"""One posting engine: drop the PL/pgSQL copy of the posting rules; keep each
entry's facts.

The posting rules exist once, in Python (``teller.core.rulebook``), and SQLite
and PostgreSQL run the same code; ``teller_post()`` and its helpers (0018, with
0020's plan mode and 0022's movement statement) go. Downgrade puts them back
exactly as 0022 left them.

``entry_facts``: what a step's rules made that the teller is shown (an incident
number, a reserved account number), one row per fact, written with the entry
and — like the journal — never changed afterwards.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0023_one_posting_engine"
down_revision = "0022_cash_movement_rows"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _sibling(filename: str):
    spec = importlib.util.spec_from_file_location(
        f"_rev_{filename[:4]}", Path(__file__).with_name(filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION teller_refuse_change()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION teller_refuse_change()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        old = _sibling("0018_pg_posting_rules.py")
        op.execute(f"DROP FUNCTION IF EXISTS {old.SIGNATURE}")
        op.execute("DROP FUNCTION IF EXISTS teller_yuan(bigint, boolean)")
        op.execute("DROP FUNCTION IF EXISTS teller_refuse(text, text, text, text)")
        op.execute("DROP FUNCTION IF EXISTS teller_posting_rules()")
    op.create_table(
        "entry_facts",
        sa.Column("entry_id", ID, sa.ForeignKey("journal_entries.id"), primary_key=True),
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False))
    _append_only("entry_facts")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS entry_facts_append_only ON entry_facts")
        op.execute("DROP TRIGGER IF EXISTS entry_facts_no_truncate ON entry_facts")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS entry_facts_no_{action}")
    op.drop_table("entry_facts")
    if bind.dialect.name == "postgresql":
        first, moves = _sibling("0018_pg_posting_rules.py"), _sibling("0022_cash_movement_rows.py")
        for sql in (first.RULES_SQL, *first.HELPERS_SQL, moves.POST_SQL):
            bind.exec_driver_sql(sql)
        op.execute(f"ALTER FUNCTION {first.SIGNATURE} SET plan_cache_mode = force_generic_plan")
