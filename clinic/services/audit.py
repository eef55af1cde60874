"""Append to and verify the hash-chained audit log."""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from flask import current_app
from sqlalchemy import select, text

from ..domain.chain import (
    GENESIS, ChainLink, ChainResult, Checkpoint, against_checkpoint, canonical_json, event_hash, verify_chain,
)
from ..extensions import db
from ..models import AuditEvent, utcnow
from ..transactions import queue_at_commit
from .actor import Actor

_HASHED = ("user_id", "username", "action", "object_type", "object_id", "patient_id", "client_addr", "details")
_EVENTS = AuditEvent.__table__
_APPEND = _EVENTS.insert()
_HEAD = select(_EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
# Any constant works; it only has to be the same in every process.
_CHAIN_LOCK = text("SELECT pg_advisory_xact_lock(424242)")


def hashed_content(event: Mapping) -> dict:
    """What an event's hash covers, from its stored columns."""
    return {"occurred_at": event["occurred_at"].isoformat(), **{name: event[name] for name in _HASHED}}


def record(actor: Actor, action: str, *, object_type: str | None = None, object_id=None,
           patient_id: int | None = None, details: dict | None = None) -> None:
    """Add one event to the chain when the current transaction commits (nothing if it rolls back)."""
    event = {
        "occurred_at": utcnow(), "user_id": actor.user_id, "username": actor.username, "action": action,
        "object_type": object_type, "object_id": None if object_id is None else str(object_id),
        "patient_id": patient_id, "client_addr": actor.client_addr, "details": canonical_json(details or {}),
    }
    queue_at_commit("audit", _append).append(event)


def _append(connection, events: list[dict]) -> None:
    """Chain the events onto the last one, with no other transaction appending in between.

    SQLite's writing transactions hold the database's one write lock already; on PostgreSQL a
    transaction-scoped advisory lock does the same until the commit. The head is read in a
    statement of its own after the lock: under READ COMMITTED, a statement that took the lock
    itself would read the snapshot from before it waited, and could chain onto a stale head.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(_CHAIN_LOCK)
    previous = connection.execute(_HEAD).scalar() or GENESIS
    key = chain_key()
    rows = []
    for event in events:
        current = event_hash(previous, hashed_content(event), key)
        rows.append({**event, "prev_hash": previous, "hash": current})
        previous = current
    connection.execute(_APPEND, rows)


def chain_key() -> bytes:
    """The audit chain's key: from the environment (AUDIT_KEY), never from the database."""
    return current_app.config["AUDIT_KEY"].encode("utf-8")


# Plain columns, not ORM objects: verifying millions of events must not fill the session.
_CHAIN_COLUMNS = (
    AuditEvent.id, AuditEvent.occurred_at, AuditEvent.user_id, AuditEvent.username, AuditEvent.action,
    AuditEvent.object_type, AuditEvent.object_id, AuditEvent.patient_id, AuditEvent.client_addr,
    AuditEvent.details, AuditEvent.prev_hash, AuditEvent.hash,
)


def _links(batch: int = 2000) -> Iterator[ChainLink]:
    last_id = 0
    while True:
        rows = db.session.execute(
            select(*_CHAIN_COLUMNS).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        for event in rows:
            yield ChainLink(event.id, event.prev_hash, event.hash, hashed_content(event._mapping))
        last_id = rows[-1].id


def verify() -> ChainResult:
    """Check every event against its hash and its predecessor."""
    return verify_chain(_links(), chain_key())


def checkpoint(taken_at) -> Checkpoint:
    """The chain's length and head as they stand, signed with the key, for the operator to keep elsewhere."""
    result = verify()
    if not result.ok:
        raise ValueError(f"the audit chain is broken at event {result.first_broken_id}: {result.problem}; "
                         "no checkpoint is made of a broken chain")
    return Checkpoint(taken_at.isoformat(), result.checked, result.last_id, result.head).signed(chain_key())


def verify_against(kept: Checkpoint) -> tuple[ChainResult, str | None]:
    """Verify the chain, then what it lost since a checkpoint kept outside the database (None: nothing)."""
    result = verify()
    if not result.ok:
        return result, None
    lost = against_checkpoint(result, lambda event_id: db.session.scalar(
        select(AuditEvent.hash).where(AuditEvent.id == event_id)), kept, chain_key())
    return result, lost


def details_of(event: AuditEvent) -> dict:
    """Return an event's details as a dict."""
    return json.loads(event.details or "{}")


def readable_details(event: AuditEvent) -> list[tuple[str, str]]:
    """An event's details as (label, text) lines: a change reads 'before → after'."""
    return [(key.replace("_", " "), _readable(value)) for key, value in details_of(event).items()]


def _readable(value) -> str:
    if isinstance(value, dict) and set(value) <= {"before", "after"} and value:
        return f"{_readable(value.get('before'))} → {_readable(value.get('after'))}"
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_readable(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_readable(v) for v in value) or "none"
    return "(empty)" if value in (None, "") else str(value)


def search(*, user_id: int | None = None, patient_id: int | None = None, action: str | None = None,
           start=None, end=None, before_id: int | None = None, limit: int = 50) -> tuple[list[AuditEvent], int | None]:
    """Return a page of events, newest first, and the id to continue before (keyset pagination)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit + 1)
    filters = ((user_id, lambda v: AuditEvent.user_id == v), (patient_id, lambda v: AuditEvent.patient_id == v),
               (action, lambda v: AuditEvent.action == v), (start, lambda v: AuditEvent.occurred_at >= v),
               (end, lambda v: AuditEvent.occurred_at < v), (before_id, lambda v: AuditEvent.id < v))
    for value, condition in filters:
        if value is not None:
            query = query.where(condition(value))
    rows = list(db.session.scalars(query))
    more = rows[limit].id if len(rows) > limit else None
    return rows[:limit], (rows[limit - 1].id if more else None)


def actions() -> list[str]:
    """The distinct actions recorded, for the filter's choices."""
    return sorted(db.session.scalars(select(AuditEvent.action).distinct()))
