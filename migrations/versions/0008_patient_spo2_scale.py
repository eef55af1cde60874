"""Patients say which NEWS2 SpO₂ scale applies to them: 1 (every patient until told otherwise) or 2,
for a prescribed 88–92 % target (DOMAIN.md §5).

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("patients") as batch_op:
        batch_op.add_column(sa.Column("spo2_scale", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_check_constraint("spo2_scale", "spo2_scale IN (1, 2)")


def downgrade():
    with op.batch_alter_table("patients") as batch_op:
        batch_op.drop_constraint("spo2_scale", type_="check")  # named by the convention, as created
        batch_op.drop_column("spo2_scale")
