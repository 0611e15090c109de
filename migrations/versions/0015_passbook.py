"""Passbooks (存折册), media replacements (凭证换发), large-cash register (18590).

Revision ID: 0015_passbook
Revises: 0014_time_deposits
"""
from alembic import op
import sqlalchemy as sa

revision = "0015_passbook"
down_revision = "0014_time_deposits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "passbooks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_number", sa.String(32), nullable=False),
        sa.Column("book_number", sa.Integer(), nullable=False),
        sa.Column("voucher_number", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lines_per_page", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("last_page", sa.Integer(), nullable=False),
        sa.Column("last_line", sa.Integer(), nullable=False),
        sa.Column("last_posting_id", sa.BigInteger(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(16), nullable=False),
        sa.Column("voided_on", sa.Date(), nullable=True),
        sa.Column("void_reason", sa.String(24), nullable=False),
        sa.CheckConstraint("status in ('active','voided')", name="ck_passbooks_status"),
        sa.ForeignKeyConstraint(["account_number"], ["accounts.number"]),
        sa.ForeignKeyConstraint(["issued_by"], ["users.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("passbooks") as batch:
        batch.create_index("uq_passbooks_account_book", ["account_number", "book_number"],
                           unique=True)
    op.create_table(
        "media_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_number", sa.String(32), nullable=False),
        sa.Column("medium_kind", sa.String(16), nullable=False),
        sa.Column("old_number", sa.String(32), nullable=False),
        sa.Column("new_number", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("teller_code", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_number"], ["accounts.number"]),
        sa.ForeignKeyConstraint(["teller_code"], ["users.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("media_changes") as batch:
        batch.create_index("ix_media_changes_account", ["account_number", "id"], unique=False)
    op.create_table(
        "large_cash_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("account_number", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(12), nullable=False),
        sa.Column("cash_amount", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        sa.Column("detail", sa.String(120), nullable=False),
        sa.Column("recorded_by", sa.String(16), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("direction in ('deposit','withdrawal')",
                           name="ck_large_cash_direction"),
        sa.ForeignKeyConstraint(["entry_id"], ["journal_entries.id"]),
        sa.ForeignKeyConstraint(["account_number"], ["accounts.number"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("large_cash_records") as batch:
        batch.create_index("uq_large_cash_entry", ["entry_id"], unique=True)


def downgrade() -> None:
    op.drop_table("large_cash_records")
    op.drop_table("media_changes")
    op.drop_table("passbooks")
