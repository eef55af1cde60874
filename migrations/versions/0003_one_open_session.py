"""One open session per patient and drug (a second check-in would be counted as the next infusion).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OPEN = "status IN ('planned', 'infusing', 'paused', 'observing')"


def upgrade():
    op.create_index("uq_infusion_sessions_one_open", "infusion_sessions", ["patient_id", "drug_code"], unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade():
    op.drop_index("uq_infusion_sessions_one_open", table_name="infusion_sessions")
