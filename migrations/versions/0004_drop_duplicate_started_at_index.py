"""Drop the plain started_at index: the reaction-report index leads with the same column.

Two indexes on started_at cost two index entries for every started session and answer the
same range lookups (on SQLite they were identical). bench/explain.py shows the plans.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_infusion_sessions_started_at", table_name="infusion_sessions")


def downgrade():
    op.create_index("ix_infusion_sessions_started_at", "infusion_sessions", ["started_at"])
