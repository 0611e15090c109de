"""Customer password state on accounts: verification value, failures, lock.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("pin_verification_value", sa.String(200), nullable=True))
        batch.add_column(sa.Column("pin_failures", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("pin_locked", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("pin_locked")
        batch.drop_column("pin_failures")
        batch.drop_column("pin_verification_value")
