"""One transaction per request: begun on first use, committed or rolled back in one place.

Views and services never commit. When the view has answered, `finish_request` commits if the
answer is a success (below 400) and rolls back otherwise; an exception is rolled back by the
error handlers, which answer with its status. Writes that belong at the very end of a request
(the audit chain's events) are queued with `queue_at_commit` and made just before the commit, so the
chain's lock is held for the commit only, never while a page renders.

SQLite has one writer at a time. A request that writes begins its transaction with
`BEGIN IMMEDIATE`, so it waits (up to the busy timeout) for the write lock before it reads
anything; a reading transaction that later tried to write could fail at once when another writer
had committed meanwhile. GET and HEAD requests read: when one has something queued to write (a
page view is audited), its reading transaction ends and a writing one makes the queued writes.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from .extensions import db

READING_METHODS = ("GET", "HEAD", "OPTIONS")
_PENDING = "pending_at_commit"
_WRITING = "writing"  # an execution option: begin this transaction as a writer


def sqlite_connect_args(busy_timeout_ms: int) -> dict:
    """The SQLite driver's options: how long a writer waits for the write lock before giving up."""
    return {"timeout": busy_timeout_ms / 1000}


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record):
    """Foreign keys on (SQLite's default is off); WAL so readers run beside the writer.

    The driver's own transaction handling is turned off so that `_begin` decides how each
    transaction begins.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL"):
        dbapi_connection.execute(f"PRAGMA {pragma}")


def _writes(conn: Connection) -> bool:
    if conn.get_execution_options().get(_WRITING):
        return True
    return not (has_request_context() and request.method in READING_METHODS)


@event.listens_for(Engine, "begin")
def _begin(conn: Connection):
    if conn.dialect.name != "sqlite":
        return
    writing = _writes(conn)
    conn.info[_WRITING] = writing
    conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if writing else "BEGIN")


def queue_at_commit(name: str, write: Callable[[Connection, list], None]) -> list:
    """Return the list of items that `write(connection, items)` writes just before this transaction commits.

    One list per name and transaction, written once however many items it gathers; dropped if the
    transaction rolls back.
    """
    pending = db.session.info.setdefault(_PENDING, {})
    if name not in pending:
        pending[name] = (write, [])
    return pending[name][1]


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        connection = session.connection()
        for write, items in pending.values():
            write(connection, items)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _reading_sqlite(session: Session) -> bool:
    if not session.in_transaction():
        return False
    connection = session.connection()
    return connection.dialect.name == "sqlite" and not connection.info.get(_WRITING, True)


def commit() -> None:
    """Commit the request's transaction with its queued writes."""
    if db.session.info.get(_PENDING) and _reading_sqlite(db.session()):
        pending = db.session.info.pop(_PENDING)
        db.session.rollback()
        db.session.info[_PENDING] = pending
        db.session.connection(execution_options={_WRITING: True})
    db.session.commit()


def finish_request(response):
    """Commit a request that succeeded; roll back one that did not."""
    if response.status_code < 400:
        commit()
    else:
        db.session.rollback()
    return response
