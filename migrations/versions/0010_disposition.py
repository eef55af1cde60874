"""Where the patient went at discharge: home, the emergency department, admitted, or elsewhere in words.

Sessions discharged before this revision went home unless their notes say otherwise: they are left
without a disposition rather than given one nobody recorded.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("infusion_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disposition", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("disposition_text", sa.String(length=200), nullable=True))
        batch_op.create_check_constraint(
            "disposition", "disposition IS NULL OR disposition IN ('home', 'emergency_department', 'admitted', 'other')")


def downgrade():
    with op.batch_alter_table("infusion_sessions", schema=None) as batch_op:
        batch_op.drop_constraint("disposition", type_="check")
        batch_op.drop_column("disposition_text")
        batch_op.drop_column("disposition")
