"""The audit chain is keyed; on PostgreSQL the app's role may only read and append to it.

- Every event's hash becomes an HMAC-SHA-256 under AUDIT_KEY (which the database never holds) instead of
  SHA-256 alone, which anyone able to write the table could recompute after an edit. The chain as it
  stands is verified first, the old way: a broken chain stops the upgrade rather than being re-keyed
  into a chain that verifies. One scheme for every event, so nothing can be passed off as "from before".
- PostgreSQL, when DB_APP_ROLE names the login role the app runs as (migrations run as another role, the
  owner of every table): that role may read, add and change clinical rows but never delete them, and may
  only read and add audit events — no UPDATE, DELETE or TRUNCATE, and, not owning the table, it cannot
  disable its append-only trigger either. New tables the owner creates later get the same grants.

Revision ID: 0011
Revises: 0010
"""
import hashlib
import hmac
import json
import re
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
_HASHED = ("user_id", "username", "action", "object_type", "object_id", "patient_id", "client_addr", "details")
_EVENTS = sa.table("audit_events", *(sa.column(name) for name in ("id", "occurred_at", *_HASHED, "prev_hash")),
                   sa.column("hash"))


def _content(row) -> str:
    # As clinic.services.audit.hashed_content and clinic.domain.chain.canonical_json make it, written out here:
    # the app's code may change after this revision.
    content = {"occurred_at": _utc_iso(row.occurred_at), **{name: getattr(row, name) for name in _HASHED}}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _utc_iso(value) -> str:
    """The time as the app reads it back: SQLite stores naive UTC text, PostgreSQL a timezone-aware value."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def _sha256(prev: str, content: str) -> str:
    return hashlib.sha256((prev + content).encode("utf-8")).hexdigest()


def _hmac(key: bytes, prev: str, content: str) -> str:
    return hmac.new(key, (prev + content).encode("utf-8"), hashlib.sha256).hexdigest()


def _rehash(old, new) -> None:
    """Walk the chain in id order, checking it with `old` and writing it again with `new`."""
    bind = op.get_bind()
    expected_prev = new_prev = GENESIS
    last_id = 0
    while True:
        rows = bind.execute(sa.select(_EVENTS).where(_EVENTS.c.id > last_id).order_by(_EVENTS.c.id).limit(2000)).all()
        if not rows:
            return
        for row in rows:
            content = _content(row)
            if row.prev_hash != expected_prev or old(row.prev_hash, content) != row.hash:
                raise RuntimeError(f"the audit chain is broken at event {row.id}: it is not re-keyed; "
                                   "run `flask audit verify` on the previous release and investigate first")
            new_hash = new(new_prev, content)
            bind.execute(_EVENTS.update().where(_EVENTS.c.id == row.id).values(prev_hash=new_prev, hash=new_hash))
            expected_prev, new_prev, last_id = row.hash, new_hash, row.id


def _with_the_trigger_off(work) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:  # the append-only trigger refuses UPDATE; this migration alone rewrites the hashes
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER USER")
    work()
    if postgres:
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER USER")


def _app_role() -> str | None:
    role = current_app.config.get("DB_APP_ROLE")
    if role and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DB_APP_ROLE must be a plain lower-case role name, not {role!r}")
    return role


def upgrade():
    key = current_app.config["AUDIT_KEY"].encode("utf-8")
    _with_the_trigger_off(lambda: _rehash(_sha256, lambda prev, content: _hmac(key, prev, content)))
    role = _app_role() if op.get_bind().dialect.name == "postgresql" else None
    if role:
        for statement in (
            f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
            f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {role}",
            f"REVOKE UPDATE ON audit_events FROM {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE ON TABLES TO {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        ):
            op.execute(statement)


def downgrade():
    role = _app_role() if op.get_bind().dialect.name == "postgresql" else None
    if role:
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {role}")
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {role}")
    key = current_app.config["AUDIT_KEY"].encode("utf-8")
    _with_the_trigger_off(lambda: _rehash(lambda prev, content: _hmac(key, prev, content), _sha256))
