"""Core schema: branches to audit log, GL subjects, immutable journal.

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 09:36:34.797530
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_code', sa.String(length=16), nullable=False),
    sa.Column('terminal_code', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_user_at', ['user_code', 'at'], unique=False)

    op.create_table('number_sequences',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('branches',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('bank_name', sa.String(length=80), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('cash_auth_limit_a', sa.BigInteger(), nullable=False),
    sa.Column('cash_auth_limit_b', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('gl_subjects',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('side', sa.String(length=1), nullable=False),
    sa.Column('on_balance_sheet', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('customers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('id_type', sa.String(length=16), nullable=False),
    sa.Column('id_number', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('occupation', sa.String(length=40), nullable=False),
    sa.Column('branch_code', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['branch_code'], ['branches.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id_type', 'id_number', name='uq_customers_document')
    )
    op.create_table('products',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('subject_code', sa.String(length=8), nullable=False),
    sa.Column('annual_rate_micro', sa.Integer(), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=True),
    sa.Column('minimum_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['subject_code'], ['gl_subjects.code'], ),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('terminals',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('branch_code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['branch_code'], ['branches.code'], ),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('users',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('auth_level', sa.String(length=1), nullable=True),
    sa.Column('branch_code', sa.String(length=8), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('total_failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(), nullable=True),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('locked_by_policy', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('last_sign_on_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("role in ('teller','supervisor','atm_custodian','administrator')", name='ck_users_role'),
    sa.ForeignKeyConstraint(['branch_code'], ['branches.code'], ),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('accounts',
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('branch_code', sa.String(length=8), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('product_code', sa.String(length=16), nullable=True),
    sa.Column('subject_code', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('account_class', sa.String(length=3), nullable=True),
    sa.Column('bound_account', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('withdrawal_method', sa.String(length=16), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('medium_kind', sa.String(length=16), nullable=True),
    sa.Column('medium_number', sa.String(length=32), nullable=True),
    sa.Column('owner_user', sa.String(length=16), nullable=True),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.Column('accrual', sa.BigInteger(), nullable=False),
    sa.Column('overdraft_limit', sa.BigInteger(), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.CheckConstraint("status in ('normal','dormant','off_book','settled','closed')", name='ck_accounts_status'),
    sa.ForeignKeyConstraint(['branch_code'], ['branches.code'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['owner_user'], ['users.code'], ),
    sa.ForeignKeyConstraint(['product_code'], ['products.code'], ),
    sa.ForeignKeyConstraint(['subject_code'], ['gl_subjects.code'], ),
    sa.PrimaryKeyConstraint('number')
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index('ix_accounts_customer', ['customer_id'], unique=False)
        batch_op.create_index('ix_accounts_medium', ['medium_kind', 'medium_number'], unique=False)

    op.create_table('journal_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('request_digest', sa.String(length=64), nullable=False),
    sa.Column('journal_sequence', sa.Integer(), nullable=False),
    sa.Column('branch_code', sa.String(length=8), nullable=False),
    sa.Column('teller_code', sa.String(length=16), nullable=False),
    sa.Column('terminal_code', sa.String(length=16), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('txn_code', sa.String(length=8), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=24), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('reversible', sa.Boolean(), nullable=False),
    sa.Column('offline', sa.Boolean(), nullable=False),
    sa.Column('reverses_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['branch_code'], ['branches.code'], ),
    sa.ForeignKeyConstraint(['reverses_entry_id'], ['journal_entries.id'], ),
    sa.ForeignKeyConstraint(['teller_code'], ['users.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key'),
    sa.UniqueConstraint('reverses_entry_id'),
    sa.UniqueConstraint('teller_code', 'business_date', 'journal_sequence', name='uq_journal_number')
    )
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.create_index('ix_journal_teller_date', ['teller_code', 'business_date'], unique=False)

    op.create_table('teller_journal_heads',
    sa.Column('teller_code', sa.String(length=16), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('last_sequence', sa.Integer(), nullable=False),
    sa.Column('last_entry_id', sa.BigInteger(), nullable=True),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['teller_code'], ['users.code'], ),
    sa.PrimaryKeyConstraint('teller_code')
    )
    op.create_table('account_controls',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('account_number', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('incident_number', sa.String(length=19), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('released_at', sa.DateTime(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.CheckConstraint("kind in ('hold','receive_only','pay_only','sealed','freeze_full','freeze_partial','freeze_one_way','loss_report')", name='ck_controls_kind'),
    sa.ForeignKeyConstraint(['account_number'], ['accounts.number'], ),
    sa.ForeignKeyConstraint(['created_by'], ['users.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('account_controls', schema=None) as batch_op:
        batch_op.create_index('ix_controls_account_status', ['account_number', 'status'], unique=False)

    op.create_table('authorizations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('supervisor_code', sa.String(length=16), nullable=False),
    sa.Column('teller_code', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=1), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('remark', sa.String(length=200), nullable=False),
    sa.Column('txn_code', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], ),
    sa.ForeignKeyConstraint(['supervisor_code'], ['users.code'], ),
    sa.ForeignKeyConstraint(['teller_code'], ['users.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('postings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('leg', sa.Integer(), nullable=False),
    sa.Column('account_number', sa.String(length=32), nullable=False),
    sa.Column('subject_code', sa.String(length=8), nullable=False),
    sa.Column('direction', sa.String(length=1), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('balance_after', sa.BigInteger(), nullable=False),
    sa.Column('memo', sa.String(length=120), nullable=False),
    sa.CheckConstraint("direction in ('D','C')", name='ck_postings_direction'),
    sa.CheckConstraint('amount > 0', name='ck_postings_amount_positive'),
    sa.ForeignKeyConstraint(['account_number'], ['accounts.number'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], ),
    sa.ForeignKeyConstraint(['subject_code'], ['gl_subjects.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('entry_id', 'leg', name='uq_postings_entry_leg')
    )
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.create_index('ix_postings_account', ['account_number', 'id'], unique=False)

    subjects = sa.table("gl_subjects", sa.column("code", sa.String), sa.column("name", sa.String),
                        sa.column("side", sa.String), sa.column("on_balance_sheet", sa.Boolean))
    op.bulk_insert(subjects, [
        {"code": code, "name": name, "side": side, "on_balance_sheet": on}
        for code, name, side, on in GL_SUBJECTS])
    _create_immutability_triggers()


# The subjects the seeds use (DOMAIN.md §4). Side: natural balance side.
GL_SUBJECTS = [
    ("1001", "库存现金", "D", True),
    ("2002", "保证金存款", "C", True),
    ("2012", "单位活期存款", "C", True),
    ("2013", "单位定期存款", "C", True),
    ("2017", "个人活期存款", "C", True),
    ("2018", "个人定期存款", "C", True),
    ("2231", "应付利息", "C", True),
    ("2241", "其他应付款（内部往来、长短款挂账）", "C", True),
    ("3010", "清算资金往来", "C", True),
    ("6411", "利息支出", "D", True),
    ("9001", "重要空白凭证", "D", False),
]

IMMUTABLE_TABLES = ("journal_entries", "postings")


def _create_immutability_triggers() -> None:
    """Postings and entries are never updated or deleted, whoever connects."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION teller_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'journal is append-only: % on % refused', TG_OP, TG_TABLE_NAME
                    USING ERRCODE = '42501';
            END $$ LANGUAGE plpgsql""")
        for table in IMMUTABLE_TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION teller_refuse_change()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION teller_refuse_change()")
    else:
        for table in IMMUTABLE_TABLES:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END")


def _drop_immutability_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in IMMUTABLE_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS teller_refuse_change()")
    else:
        for table in IMMUTABLE_TABLES:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")


def downgrade() -> None:
    _drop_immutability_triggers()
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_index('ix_postings_account')

    op.drop_table('postings')
    op.drop_table('authorizations')
    with op.batch_alter_table('account_controls', schema=None) as batch_op:
        batch_op.drop_index('ix_controls_account_status')

    op.drop_table('account_controls')
    op.drop_table('teller_journal_heads')
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_teller_date')

    op.drop_table('journal_entries')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_accounts_medium')
        batch_op.drop_index('ix_accounts_customer')

    op.drop_table('accounts')
    op.drop_table('users')
    op.drop_table('terminals')
    op.drop_table('products')
    op.drop_table('customers')
    op.drop_table('gl_subjects')
    op.drop_table('branches')
    op.drop_table('number_sequences')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_user_at')

    op.drop_table('audit_events')
