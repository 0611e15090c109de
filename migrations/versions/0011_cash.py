"""Cash by denomination: boxes, holdings, movements, transfers, teller days,
balancing, over/short register, hand-overs; RMB denominations; GL 6301/6711
for over/short write-off.

Revision ID: 0011_cash
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0011_cash'
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cash_denominations',
    sa.Column('value_fen', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('form', sa.String(length=8), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('value_fen')
    )
    op.create_table('cash_balancings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('teller_code', sa.String(length=16), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('box_account', sa.String(length=32), nullable=False),
    sa.Column('counted', sa.Text(), nullable=False),
    sa.Column('system', sa.Text(), nullable=False),
    sa.Column('difference', sa.BigInteger(), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('last_movement_id', sa.BigInteger(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['box_account'], ['accounts.number'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], ),
    sa.ForeignKeyConstraint(['teller_code'], ['users.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('cash_boxes',
    sa.Column('account_number', sa.String(length=32), nullable=False),
    sa.Column('branch_code', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('holder_user', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('limit_fen', sa.BigInteger(), nullable=True),
    sa.Column('drawn_on', sa.Date(), nullable=True),
    sa.CheckConstraint("kind in ('vault','teller')", name='ck_cash_boxes_kind'),
    sa.CheckConstraint("status in ('stored','drawn')", name='ck_cash_boxes_status'),
    sa.ForeignKeyConstraint(['account_number'], ['accounts.number'], ),
    sa.ForeignKeyConstraint(['branch_code'], ['branches.code'], ),
    sa.ForeignKeyConstraint(['holder_user'], ['users.code'], ),
    sa.PrimaryKeyConstraint('account_number')
    )
    op.create_table('cash_handovers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('box_account', sa.String(length=32), nullable=False),
    sa.Column('from_user', sa.String(length=16), nullable=False),
    sa.Column('to_user', sa.String(length=16), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('counts', sa.Text(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['box_account'], ['accounts.number'], ),
    sa.ForeignKeyConstraint(['from_user'], ['users.code'], ),
    sa.ForeignKeyConstraint(['to_user'], ['users.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('cash_holdings',
    sa.Column('account_number', sa.String(length=32), nullable=False),
    sa.Column('value_fen', sa.Integer(), nullable=False),
    sa.Column('pieces', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('pieces >= 0', name='ck_cash_holdings_pieces'),
    sa.ForeignKeyConstraint(['account_number'], ['accounts.number'], ),
    sa.ForeignKeyConstraint(['value_fen'], ['cash_denominations.value_fen'], ),
    sa.PrimaryKeyConstraint('account_number', 'value_fen')
    )
    op.create_table('cash_movements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_number', sa.String(length=32), nullable=False),
    sa.Column('value_fen', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('pieces', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("direction in ('in','out')", name='ck_cash_movements_direction'),
    sa.CheckConstraint('pieces > 0', name='ck_cash_movements_pieces'),
    sa.ForeignKeyConstraint(['account_number'], ['accounts.number'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], ),
    sa.ForeignKeyConstraint(['value_fen'], ['cash_denominations.value_fen'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cash_movements', schema=None) as batch_op:
        batch_op.create_index('ix_cash_movements_entry', ['entry_id'], unique=False)

    op.create_table('cash_transfers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('branch_code', sa.String(length=8), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('from_account', sa.String(length=32), nullable=False),
    sa.Column('to_account', sa.String(length=32), nullable=True),
    sa.Column('from_user', sa.String(length=16), nullable=False),
    sa.Column('to_user', sa.String(length=16), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('counts', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('out_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('in_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('confirmed_by', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status in ('in_transit','confirmed','returned')", name='ck_cash_transfers_status'),
    sa.ForeignKeyConstraint(['branch_code'], ['branches.code'], ),
    sa.ForeignKeyConstraint(['confirmed_by'], ['users.code'], ),
    sa.ForeignKeyConstraint(['from_account'], ['accounts.number'], ),
    sa.ForeignKeyConstraint(['from_user'], ['users.code'], ),
    sa.ForeignKeyConstraint(['in_entry_id'], ['journal_entries.id'], ),
    sa.ForeignKeyConstraint(['out_entry_id'], ['journal_entries.id'], ),
    sa.ForeignKeyConstraint(['to_account'], ['accounts.number'], ),
    sa.ForeignKeyConstraint(['to_user'], ['users.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cash_transfers', schema=None) as batch_op:
        batch_op.create_index('ix_cash_transfers_status', ['branch_code', 'status'], unique=False)

    op.create_table('over_short_items',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('branch_code', sa.String(length=8), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('teller_code', sa.String(length=16), nullable=False),
    sa.Column('box_account', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('authorized_by', sa.String(length=16), nullable=False),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.Column('resolved_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('resolved_by', sa.String(length=16), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('remark', sa.String(length=200), nullable=False),
    sa.CheckConstraint("kind in ('over','short')", name='ck_over_short_kind'),
    sa.CheckConstraint("status in ('open','resolved')", name='ck_over_short_status'),
    sa.ForeignKeyConstraint(['authorized_by'], ['users.code'], ),
    sa.ForeignKeyConstraint(['box_account'], ['accounts.number'], ),
    sa.ForeignKeyConstraint(['branch_code'], ['branches.code'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], ),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.code'], ),
    sa.ForeignKeyConstraint(['resolved_entry_id'], ['journal_entries.id'], ),
    sa.ForeignKeyConstraint(['teller_code'], ['users.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('over_short_items', schema=None) as batch_op:
        batch_op.create_index('ix_over_short_branch_status', ['branch_code', 'status'], unique=False)

    op.create_table('teller_days',
    sa.Column('teller_code', sa.String(length=16), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('branch_code', sa.String(length=8), nullable=False),
    sa.Column('terminal_code', sa.String(length=16), nullable=False),
    sa.Column('box_account', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('signed_on_at', sa.DateTime(), nullable=False),
    sa.Column('signed_off_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status in ('signed_on','signed_off')", name='ck_teller_days_status'),
    sa.ForeignKeyConstraint(['box_account'], ['accounts.number'], ),
    sa.ForeignKeyConstraint(['branch_code'], ['branches.code'], ),
    sa.ForeignKeyConstraint(['teller_code'], ['users.code'], ),
    sa.PrimaryKeyConstraint('teller_code', 'business_date')
    )
    with op.batch_alter_table('teller_days', schema=None) as batch_op:
        batch_op.create_index('ix_teller_days_branch', ['branch_code', 'business_date', 'status'], unique=False)

    # Counts of posted entries are part of the journal: append-only like it
    # (the PostgreSQL function teller_refuse_change() comes from 0001).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER cash_movements_append_only BEFORE UPDATE OR DELETE ON "
                   "cash_movements FOR EACH ROW EXECUTE FUNCTION teller_refuse_change()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER cash_movements_no_{action.lower()} BEFORE {action} "
                       "ON cash_movements BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END")

    denominations = sa.table("cash_denominations", sa.column("value_fen", sa.Integer),
                             sa.column("name", sa.String), sa.column("form", sa.String),
                             sa.column("active", sa.Boolean))
    op.bulk_insert(denominations, [{"value_fen": v, "name": n, "form": f, "active": True}
                                   for v, n, f in DENOMINATIONS])
    subjects = sa.table("gl_subjects", sa.column("code", sa.String), sa.column("name", sa.String),
                        sa.column("side", sa.String), sa.column("on_balance_sheet", sa.Boolean))
    op.bulk_insert(subjects, [{"code": c, "name": n, "side": sd, "on_balance_sheet": True}
                              for c, n, sd in SUBJECTS])


# 第五套人民币 as counted at the counter (fen); more can be added as rows later.
DENOMINATIONS = [
    (10000, "100元", "note"), (5000, "50元", "note"), (2000, "20元", "note"),
    (1000, "10元", "note"), (500, "5元", "note"), (100, "1元", "note"),
    (50, "5角", "coin"), (10, "1角", "coin"), (5, "5分", "coin"), (2, "2分", "coin"),
    (1, "1分", "coin"),
]
# Where a resolved over/short goes when it is not refunded or made good.
SUBJECTS = [("6301", "营业外收入", "C"), ("6711", "营业外支出", "D")]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cash_movements_append_only ON cash_movements")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS cash_movements_no_{action}")
    op.execute("DELETE FROM gl_subjects WHERE code IN ('6301', '6711')")
    with op.batch_alter_table('teller_days', schema=None) as batch_op:
        batch_op.drop_index('ix_teller_days_branch')

    op.drop_table('teller_days')
    with op.batch_alter_table('over_short_items', schema=None) as batch_op:
        batch_op.drop_index('ix_over_short_branch_status')

    op.drop_table('over_short_items')
    with op.batch_alter_table('cash_transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_cash_transfers_status')

    op.drop_table('cash_transfers')
    with op.batch_alter_table('cash_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_cash_movements_entry')

    op.drop_table('cash_movements')
    op.drop_table('cash_holdings')
    op.drop_table('cash_handovers')
    op.drop_table('cash_boxes')
    op.drop_table('cash_balancings')
    op.drop_table('cash_denominations')
