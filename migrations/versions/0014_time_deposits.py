"""Time deposits (整存整取): contracts and deposit slips (存单).

Revision ID: 0014_time_deposits
Revises: 0013_personal
"""
from alembic import op
import sqlalchemy as sa

revision = "0014_time_deposits"
down_revision = "0013_personal"
branch_labels = None
depends_on = None

ENTRY_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "time_deposits",
        sa.Column("account_number", sa.String(32), nullable=False),
        sa.Column("product_code", sa.String(16), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("rate_micro", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("maturity_date", sa.Date(), nullable=False),
        sa.Column("auto_rollover", sa.Boolean(), nullable=False),
        sa.Column("rollovers", sa.Integer(), nullable=False),
        sa.Column("opened_entry_id", ENTRY_ID, nullable=False),
        sa.ForeignKeyConstraint(["account_number"], ["accounts.number"]),
        sa.ForeignKeyConstraint(["product_code"], ["products.code"]),
        sa.ForeignKeyConstraint(["opened_entry_id"], ["journal_entries.id"]),
        sa.PrimaryKeyConstraint("account_number"),
    )
    op.create_index("ix_time_deposits_maturity", "time_deposits", ["maturity_date"])
    op.create_table(
        "deposit_slips",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("slip_number", sa.String(32), nullable=False),
        sa.Column("account_number", sa.String(32), nullable=False),
        sa.Column("entry_id", ENTRY_ID, nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["account_number"], ["accounts.number"]),
        sa.ForeignKeyConstraint(["entry_id"], ["journal_entries.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slip_number"),
    )
    op.create_index("ix_deposit_slips_account", "deposit_slips", ["account_number", "id"])


def downgrade() -> None:
    op.drop_index("ix_deposit_slips_account", table_name="deposit_slips")
    op.drop_table("deposit_slips")
    op.drop_index("ix_time_deposits_maturity", table_name="time_deposits")
    op.drop_table("time_deposits")
