"""Drop ix_journal_teller_date: uq_journal_number (teller_code, business_date,
journal_sequence) already serves every lookup by teller and day, so the
second index only cost one more index entry per posting.

Revision ID: 0019_journal_index
Revises: 0018_pg_posting_rules
"""
from alembic import op

revision = "0019_journal_index"
down_revision = "0018_pg_posting_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_journal_teller_date", table_name="journal_entries")


def downgrade() -> None:
    op.create_index("ix_journal_teller_date", "journal_entries",
                    ["teller_code", "business_date"])
