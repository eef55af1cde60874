"""MRNs are compared without regard to case (SPEC §3): a unique uppercased copy of each MRN.

An MRN holds only ASCII letters, digits and . _ / - (the schema's pattern), so upper() is the same on
every database and in Python and keeps the length. Patients registered before this revision whose MRNs
differ only in case stop the upgrade, naming them: which record is the right one is a person's decision.

Revision ID: 0013
Revises: 0012_1
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012_1"
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    clashes = conn.execute(sa.text(
        "SELECT upper(mrn) AS mrn_key, count(*) AS n FROM patients GROUP BY upper(mrn) HAVING count(*) > 1")).all()
    if clashes:
        raise RuntimeError("These MRNs are registered more than once in different cases; merge or correct them "
                           "first: " + ", ".join(row.mrn_key for row in clashes))
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mrn_key", sa.String(length=32), nullable=True))
    conn.execute(sa.text("UPDATE patients SET mrn_key = upper(mrn)"))
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.alter_column("mrn_key", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_patients_mrn_key"), ["mrn_key"])


def downgrade():
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_patients_mrn_key"), type_="unique")
        batch_op.drop_column("mrn_key")
