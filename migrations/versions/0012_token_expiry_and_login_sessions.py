"""API tokens expire.

Tokens made before this revision had no end: they are given the default lifetime, 90 days, from the upgrade
(not from when they were made), so no integration stops the moment the release goes in, and none lasts for ever.

Revision ID: 0012
Revises: 0011
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

DEFAULT_TOKEN_DAYS = 90


def upgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    ends = datetime.now(timezone.utc) + timedelta(days=DEFAULT_TOKEN_DAYS)
    if op.get_bind().dialect.name == "sqlite":  # stored as naive UTC there, as the app's UTCDateTime does
        ends = ends.replace(tzinfo=None)
    op.execute(tokens.update().values(expires_at=ends))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
