"""Important blank vouchers (重要空白凭证) and the day-end batch log (日终).

Revision ID: 0012_vouchers_day
Revises: 0011_cash
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_vouchers_day"
down_revision = "0011_cash"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "voucher_kinds",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("number_length", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "vouchers",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), sa.ForeignKey("voucher_kinds.code"), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("branch_code", sa.String(8), sa.ForeignKey("branches.code"), nullable=False),
        sa.Column("teller_code", sa.String(16), sa.ForeignKey("users.code"), nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("account_number", sa.String(32), nullable=True),
        sa.Column("entry_key", sa.String(64), nullable=True),
        sa.Column("void_reason", sa.String(24), nullable=True),
        sa.UniqueConstraint("kind", "number", name="uq_vouchers_kind_number"),
        sa.CheckConstraint("status in ('branch','box','used','void')",
                           name="ck_vouchers_status"),
    )
    op.create_index("ix_vouchers_holder", "vouchers",
                    ["branch_code", "kind", "status", "teller_code", "number"])
    op.create_table(
        "voucher_movements",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("branch_code", sa.String(8), sa.ForeignKey("branches.code"), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), sa.ForeignKey("voucher_kinds.code"), nullable=False),
        sa.Column("first_number", sa.String(32), nullable=False),
        sa.Column("last_number", sa.String(32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(16), sa.ForeignKey("users.code"), nullable=False),
        sa.Column("teller_code", sa.String(16), sa.ForeignKey("users.code"), nullable=True),
        sa.Column("entry_key", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(80), nullable=False),
        sa.CheckConstraint("action in ('receive','issue','use','void','return')",
                           name="ck_voucher_movements_action"),
    )
    op.create_index("ix_voucher_movements_branch_date", "voucher_movements",
                    ["branch_code", "business_date"])
    op.create_table(
        "day_end_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("branch_code", sa.String(8), sa.ForeignKey("branches.code"), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("next_business_date", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("operator", sa.String(16), nullable=False),
        sa.Column("steps", sa.Text(), nullable=False),
        sa.UniqueConstraint("branch_code", "business_date", name="uq_day_end_runs_branch_date"),
    )


def downgrade() -> None:
    op.drop_table("day_end_runs")
    op.drop_index("ix_voucher_movements_branch_date", table_name="voucher_movements")
    op.drop_table("voucher_movements")
    op.drop_index("ix_vouchers_holder", table_name="vouchers")
    op.drop_table("vouchers")
    op.drop_table("voucher_kinds")
