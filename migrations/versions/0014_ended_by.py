"""Who ended the infusion: only that nurse may undo the end, within 10 minutes (SPEC §4.4).

Sessions ended before this revision have no one named: their end cannot be undone (none is recent).

Revision ID: 0014
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("infusion_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_infusion_sessions_ended_by_id_users"), "users", ["ended_by_id"], ["id"])


def downgrade():
    with op.batch_alter_table("infusion_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_infusion_sessions_ended_by_id_users"), type_="foreignkey")
        batch_op.drop_column("ended_by_id")
