"""Loss reports (挂失): incidents and fee rates; GL 6021 fee income.

Revision ID: 0016_loss
Revises: 0015_passbook
"""
from alembic import op
import sqlalchemy as sa

revision = "0016_loss"
down_revision = "0015_passbook"
branch_labels = None
depends_on = None

FEE_SUBJECT = ("6021", "手续费及佣金收入", "C", True)


def upgrade() -> None:
    op.create_table(
        "loss_incidents",
        sa.Column("incident_number", sa.String(19), primary_key=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("account_number", sa.String(32), sa.ForeignKey("accounts.number"),
                  nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=True),
        sa.Column("control_id", sa.Integer(), sa.ForeignKey("account_controls.id"),
                  nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("branch_code", sa.String(8), sa.ForeignKey("branches.code"), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("medium_kind", sa.String(16), nullable=True),
        sa.Column("medium_number", sa.String(32), nullable=True),
        sa.Column("agent_name", sa.String(40), nullable=False),
        sa.Column("agent_id_type", sa.String(20), nullable=False),
        sa.Column("agent_id_number", sa.String(40), nullable=False),
        sa.Column("fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("fee_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("journal_entries.id"), nullable=True),
        sa.Column("supersedes", sa.String(19), nullable=True),
        sa.Column("created_by", sa.String(16), sa.ForeignKey("users.code"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_by", sa.String(16), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_key", sa.String(64), nullable=True),
        sa.Column("new_medium_number", sa.String(32), nullable=True),
        sa.Column("remark", sa.Text(), nullable=False),
        sa.CheckConstraint("kind in ('oral','written','password','voucher_password')",
                           name="ck_loss_incidents_kind"),
        sa.CheckConstraint("channel in ('counter','phone')", name="ck_loss_incidents_channel"),
        sa.CheckConstraint("status in ('active','released','expired','superseded','reissued',"
                           "'password_reset','closed')", name="ck_loss_incidents_status"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("ended_key"),
    )
    op.create_index("ix_loss_incidents_account_status", "loss_incidents",
                    ["account_number", "status"])
    op.create_index("ix_loss_incidents_customer_status", "loss_incidents",
                    ["customer_id", "status"])
    op.create_table(
        "loss_fee_rates",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("fee_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("fee_fen >= 0", name="ck_loss_fee_rates_nonnegative"),
    )
    subjects = sa.table("gl_subjects", sa.column("code", sa.String), sa.column("name", sa.String),
                        sa.column("side", sa.String), sa.column("on_balance_sheet", sa.Boolean))
    code, name, side, on = FEE_SUBJECT
    exists = op.get_bind().execute(sa.select(subjects.c.code).where(subjects.c.code == code))
    if exists.first() is None:  # another branch of the history may add it too
        op.bulk_insert(subjects, [{"code": code, "name": name, "side": side,
                                   "on_balance_sheet": on}])


def downgrade() -> None:
    op.drop_table("loss_fee_rates")
    op.drop_index("ix_loss_incidents_customer_status", table_name="loss_incidents")
    op.drop_index("ix_loss_incidents_account_status", table_name="loss_incidents")
    op.drop_table("loss_incidents")
    # 6021 stays only if an account still uses it (demo fee account is gone with the data).
    op.execute(sa.text("DELETE FROM gl_subjects WHERE code = '6021' AND NOT EXISTS "
                       "(SELECT 1 FROM accounts WHERE subject_code = '6021') AND NOT EXISTS "
                       "(SELECT 1 FROM products WHERE subject_code = '6021')"))
