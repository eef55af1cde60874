"""Sessions keep their count of non-voided reactions; an index that answers the reaction report.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INCLUDE = ["status", "drug_code", "infusion_number", "lot_number", "session_date", "reaction_count", "flag_level"]


def upgrade():
    with op.batch_alter_table("infusion_sessions") as batch_op:
        batch_op.add_column(sa.Column("reaction_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_check_constraint("reaction_count", "reaction_count >= 0")
    op.execute(
        "UPDATE infusion_sessions SET reaction_count = (SELECT count(*) FROM reaction_entries r "
        "WHERE r.session_id = infusion_sessions.id AND r.voided_at IS NULL)")
    op.create_index("ix_infusion_sessions_report", "infusion_sessions", ["started_at"],
                    postgresql_include=INCLUDE)


def downgrade():
    op.drop_index("ix_infusion_sessions_report", table_name="infusion_sessions")
    with op.batch_alter_table("infusion_sessions") as batch_op:
        batch_op.drop_constraint("reaction_count", type_="check")  # named by the convention, as created
        batch_op.drop_column("reaction_count")
