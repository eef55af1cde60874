"""Extensions, created unbound; the factory binds them to an app."""
from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from contextvars import ContextVar

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

from .writer_queue import QueuedConnection

# Stable constraint names, identical on SQLite and PostgreSQL, so migrations can name them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay readable after the request's commit (an audit write mid-view must not
# force every row on the page to be loaded again).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

SQLITE_BUSY_TIMEOUT_MS = 30000
# Whether transactions begun now may write. Every request reads first (who is signed in); on
# SQLite its transactions then begin DEFERRED and run beside each other instead of queueing for
# the write lock. A request that changes something turns this on once it is let in.
write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)


@event.listens_for(Engine, "do_connect")
def _queue_sqlite_writers(dialect, _record, _cargs, cparams):
    """Open SQLite connections whose writers queue for the write lock (see writer_queue)."""
    if dialect.name == "sqlite":
        cparams["factory"] = QueuedConnection


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record):
    """Make every SQLite connection safe for several writers.

    Foreign keys are off by default in SQLite; WAL lets readers run beside the
    writer; the busy timeout makes a writer wait instead of failing. Turning off
    the driver's own transaction handling lets `_begin` take the write
    lock up front, so two writers never deadlock upgrading a read lock.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_MS)}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled server connection before use only when it has sat idle for `idle_seconds`.

    A server may drop a connection while it sits in the pool (a restart, an idle timeout, a firewall); one
    in steady use is as good as its last answer. SQLAlchemy's pool_pre_ping pings before every request: on
    PostgreSQL that was a round trip and about a ninth of recording vitals' CPU (bench/load.py, README
    "Benchmarks"). A connection that dies while in use fails its request once; SQLAlchemy then replaces
    every connection in the pool older than the failure.
    """
    @event.listens_for(engine.pool, "checkin")
    def _returned(_dbapi_connection, record):
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        returned = record.info.get("returned_at")  # none yet: connected just now
        if returned is None or time.monotonic() - returned < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool discards this connection and checks out a fresh one.
            raise DisconnectionError("a pooled connection did not answer its ping") from exc


@event.listens_for(Engine, "begin")
def _begin(conn):
    if conn.dialect.name == "sqlite":
        writable = write_intent.get()
        conn.info["writable"] = writable
        if writable:
            conn.connection.dbapi_connection.begin_writing()  # every SQLite connection is a QueuedConnection
        else:
            conn.exec_driver_sql("BEGIN")


@contextmanager
def write_apart():
    """A short transaction of its own, for the write a reading request must make (audit, token stamp)."""
    token = write_intent.set(True)
    try:
        with Session(db.engine, expire_on_commit=False) as own, own.begin():
            yield own
    finally:
        write_intent.reset(token)


def can_write_in(session) -> bool:
    """Tell whether a write may join this session's transaction.

    A SQLite read transaction (DEFERRED) could only write by upgrading its lock, which fails
    when another writer got in first; such writes go in a short transaction of their own.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "sqlite":
        return True
    if session.in_transaction():
        return session.connection().info.get("writable", True)
    return write_intent.get()


def begin_writing(session) -> None:
    """From here on this request may write.

    On SQLite a read transaction begun earlier (the sign-in lookup) cannot take the write lock
    later: it is ended, so the next transaction begins IMMEDIATE and holds the one write lock
    for the change itself only. PostgreSQL's transactions write as they are.
    """
    write_intent.set(True)
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction() and not can_write_in(session):
        session.commit()
