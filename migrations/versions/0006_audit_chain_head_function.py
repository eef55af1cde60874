"""On PostgreSQL, one call takes the audit chain's lock and reads its head.

Every change of clinical data appends to the chain: it had to lock the chain (an advisory lock)
and then read the head, two round trips, and each costs the worker more CPU than the work it
asks for. The two cannot be one plain statement: under READ COMMITTED a statement reads the
snapshot taken when it began, before a lock taken inside it, and could chain onto a head that a
transaction committing meanwhile has replaced. A VOLATILE PL/pgSQL function takes a new snapshot
for each statement in it, so its read of the head comes after its lock. SQLite needs neither: a
writing transaction there already holds the database's one write lock.

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CHAIN_HEAD = """
CREATE FUNCTION audit_chain_head(lock_key bigint) RETURNS varchar AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1);
END;
$$ LANGUAGE plpgsql VOLATILE;
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CHAIN_HEAD)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_chain_head(bigint)")
