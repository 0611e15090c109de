"""Personal deposit business: account events, SMS signings, verification records.

Revision ID: 0013_personal
Revises: 0012_vouchers_day
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_personal"
down_revision = "0012_vouchers_day"
branch_labels = None
depends_on = None

BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "account_events",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("entry_id", BIGID, sa.ForeignKey("journal_entries.id"), nullable=False),
        sa.Column("account_number", sa.String(32), sa.ForeignKey("accounts.number"),
                  nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_account_events_entry", "account_events", ["entry_id"])
    op.create_index("ix_account_events_account", "account_events", ["account_number", "id"])
    op.create_table(
        "sms_signings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("account_number", sa.String(32), sa.ForeignKey("accounts.number"),
                  nullable=False),
        sa.Column("mobile", sa.String(11), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
    )
    op.create_index("ix_sms_signings_account", "sms_signings", ["account_number"])
    op.create_table(
        "account_verifications",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("account_number", sa.String(32), sa.ForeignKey("accounts.number"),
                  nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("verifier_name", sa.String(40), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("teller_code", sa.String(16), sa.ForeignKey("users.code"), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("account_verifications")
    op.drop_index("ix_sms_signings_account", table_name="sms_signings")
    op.drop_table("sms_signings")
    op.drop_index("ix_account_events_account", table_name="account_events")
    op.drop_index("ix_account_events_entry", table_name="account_events")
    op.drop_table("account_events")
