"""Signed-in browsers are known to the server, so logging out ends them (SPEC §11).

Each login makes a row whose random token rides in the signed session cookie (only its SHA-256 is stored);
logout, the idle timeout, a password change or reset and a deactivation end rows. Browser sessions signed in
before this revision have no row: their users log in again once. Rows are ended, never deleted: on PostgreSQL
the app's role has SELECT, INSERT and UPDATE on new tables (migration 0011's default privileges), no DELETE.

Revision ID: 0012_1
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_1"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_login_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_sessions_token_hash")),
    )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_sessions_user_id"), ["user_id"], unique=False)


def downgrade():
    op.drop_table("login_sessions")
