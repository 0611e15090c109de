"""PostgreSQL: the journal no longer declares foreign keys to the three shared
reference rows every posting names — the branch (journal_entries.branch_code),
the GL subject (postings.subject_code) and the denomination
(cash_movements.value_fen).

Why: a foreign key check takes a KEY SHARE lock on the referenced row. Every
teller of a branch names the same branch row, the same few subjects and the
same denominations, so concurrent postings kept sharing those locks (a new
MultiXact each time) on top of the check itself: at 8 clients this was about
0.3 ms of machine CPU per posting (bench/posting.py, 2.9 → 2.6 ms).

What keeps the references instead: both posting paths read the branch (and
refuse ``no_branch``), copy the subject from the locked account (whose own
foreign key stays) and accept only active denominations; master data is never
deleted; and ``teller check`` verifies all three (check 6, ``reference``).
SQLite keeps the declared keys: one writer at a time shares no locks, and
dropping a key there would rebuild the append-only tables.
teller.core.schema.PG_UNDECLARED_FOREIGN_KEYS lists them for the model check.

Revision ID: 0021_pg_journal_references
Revises: 0020_pg_post_generic_plan
"""
from alembic import op

revision = "0021_pg_journal_references"
down_revision = "0020_pg_post_generic_plan"
branch_labels = None
depends_on = None

# (constraint, table, column, referenced table, referenced column)
KEYS = (
    ("journal_entries_branch_code_fkey", "journal_entries", "branch_code", "branches", "code"),
    ("postings_subject_code_fkey", "postings", "subject_code", "gl_subjects", "code"),
    ("cash_movements_value_fen_fkey", "cash_movements", "value_fen", "cash_denominations",
     "value_fen"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, *_ in KEYS:
        op.drop_constraint(name, table, type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, column, ref_table, ref_column in KEYS:
        op.create_foreign_key(name, table, ref_table, [column], [ref_column])
