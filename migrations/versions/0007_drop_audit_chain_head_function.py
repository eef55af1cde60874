"""Drop migration 0006's audit_chain_head(): the chain's lock and its head are two plain statements again.

The function saved one round trip per change and made the chain's locking PL/pgSQL a maintainer had
to read beside the Python that appends. The advisory lock is now taken in SQL from Python
(services/audit.py), once per commit.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_chain_head(bigint)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
CREATE FUNCTION audit_chain_head(lock_key bigint) RETURNS varchar AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1);
END;
$$ LANGUAGE plpgsql VOLATILE;
""")
