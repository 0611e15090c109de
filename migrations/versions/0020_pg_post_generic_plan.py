"""teller_post() keeps one generic plan per statement and session.

Its lock query (accounts joined to subjects, boxes, limit rules and the active
controls) came out cheaper as a custom plan by the planner's estimate, so it
was planned afresh on every call — about 0.3 ms of a posting's 1.5 ms on the
server, more than the query itself. Every statement in the function looks
rows up by key (``= ANY`` of a handful of account numbers, an entry id, a
teller code), so the generic plan is the same index plan the custom plans
chose, made once per connection.

Revision ID: 0020_pg_post_generic_plan
Revises: 0019_journal_index
"""
from alembic import op

revision = "0020_pg_post_generic_plan"
down_revision = "0019_journal_index"
branch_labels = None
depends_on = None

SIGNATURE = ("teller_post(text, text, text, text, text, text, text, text, text, boolean, "
             "boolean, bigint, timestamp, text[], text[], bigint[], text[], text, text, text, "
             "text, text, text[], text[], text[], bigint[], text[], bigint[])")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER FUNCTION {SIGNATURE} SET plan_cache_mode = force_generic_plan")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER FUNCTION {SIGNATURE} RESET plan_cache_mode")
