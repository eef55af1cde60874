"""Append to and verify the hash-chained audit log."""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from sqlalchemy import BigInteger, func, literal, select

from ..domain.chain import GENESIS, ChainLink, ChainResult, canonical_json, event_hash, verify_chain
from ..extensions import can_write_in, db, write_apart
from ..models import AuditEvent, utcnow
from .actor import Actor

# Any constant works; it only has to be the same in every process.
_AUDIT_LOCK_KEY = 424242


_HASHED = ("user_id", "username", "action", "object_type", "object_id", "patient_id", "client_addr", "details")
_EVENTS = AuditEvent.__table__


def hashed_content(event: Mapping) -> dict:
    """What an event's hash covers, from its stored columns."""
    return {"occurred_at": event["occurred_at"].isoformat(), **{name: event[name] for name in _HASHED}}


def record(actor: Actor, action: str, *, object_type: str | None = None, object_id=None,
           patient_id: int | None = None, details: dict | None = None) -> None:
    """Append one event to the chain inside the current transaction.

    A request that only reads (a page view, a printout) runs in a read transaction; its
    audit event is written in a short transaction of its own, which commits at once.
    """
    fields = dict(object_type=object_type, object_id=object_id, patient_id=patient_id, details=details)
    if can_write_in(db.session):
        _append(db.session, actor, action, **fields)
        return
    with write_apart() as own:
        _append(own, actor, action, **fields)


_APPEND = _EVENTS.insert()
_HEAD = select(_EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
# One round trip instead of two: migration 0006 says why the lock and the read cannot be one plain statement.
_LOCKED_HEAD = select(func.audit_chain_head(literal(_AUDIT_LOCK_KEY, BigInteger)))


def _locked_chain_head(conn) -> str:
    """Read the chain's last hash once no other transaction can append, so two never chain onto the same event.

    SQLite's writing transactions already hold the write lock (BEGIN IMMEDIATE); on PostgreSQL a
    transaction-scoped advisory lock does the same job, taken in the same call as the read.
    """
    head = conn.execute(_LOCKED_HEAD if conn.dialect.name == "postgresql" else _HEAD).scalar()
    return head or GENESIS


def _append(session, actor: Actor, action: str, *, object_type, object_id, patient_id, details) -> None:
    """Insert the event at once, as a plain row: the ORM's unit of work would cost more than the
    insert, and the next append's read of the head must find it (it does not flush the session)."""
    conn = session.connection()
    prev = _locked_chain_head(conn)
    event = {
        "occurred_at": utcnow(), "user_id": actor.user_id, "username": actor.username, "action": action,
        "object_type": object_type, "object_id": None if object_id is None else str(object_id),
        "patient_id": patient_id, "client_addr": actor.client_addr, "details": canonical_json(details or {}),
    }
    conn.execute(_APPEND, {**event, "prev_hash": prev, "hash": event_hash(prev, hashed_content(event))})


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
    return verify_chain(_links())


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
