"""SQLite writers wait in a queue the kernel keeps, so the write lock passes straight to the next one.

SQLite makes a writer that finds the database locked sleep and try again (after 1, 2, 5, 10 … ms).
Under a burst of saves the sleeps, not the work, decide how long a nurse waits, and a writer can
lose every try to newcomers. Here a transaction that will write first takes an exclusive flock()
on a file beside the database: it blocks without polling and is woken the moment the previous
writer commits or rolls back. Readers never take it (WAL lets them run beside the writer).
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading

# A thread already writing through one connection must not queue behind itself on another:
# it falls back to SQLite's own waiting, which ends in "database is locked" instead of a hang.
_writing = threading.local()


def _open_queue(connection: sqlite3.Connection) -> int:
    """Open the queue's file beside the database, as readable as the database itself (like its -wal file).

    -1 when there is none: an in-memory database has no other process to queue with, and a file
    this user may not open leaves the writers to SQLite's own waiting rather than failing them.
    """
    path = next((row[2] for row in connection.execute("PRAGMA database_list") if row[1] == "main"), "")
    if not path:
        return -1
    try:
        mode = os.stat(path).st_mode & 0o666
        return os.open(path + "-writers", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, mode)
    except OSError:
        return -1


class QueuedConnection(sqlite3.Connection):
    """A SQLite connection whose writing transactions queue on `<database>-writers`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._queue_fd = None
        self._queued = False

    def _queue(self) -> int | None:
        if self._queue_fd is None:
            self._queue_fd = _open_queue(self)
        return self._queue_fd if self._queue_fd >= 0 else None

    def begin_writing(self) -> None:
        """Wait for our turn, then take SQLite's write lock at once (BEGIN IMMEDIATE)."""
        fd = self._queue()
        if fd is not None and not getattr(_writing, "active", False):
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._queued = _writing.active = True
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._leave()
            raise

    def _leave(self) -> None:
        if self._queued:
            self._queued = _writing.active = False
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._leave()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave()

    def close(self) -> None:
        try:
            self._leave()
            if self._queue_fd is not None and self._queue_fd >= 0:
                os.close(self._queue_fd)
            self._queue_fd = None
        finally:
            super().close()

    def __del__(self) -> None:
        # A connection dropped without close() must not keep every other writer waiting:
        # closing its file releases the lock. The thread flag is left alone: the collector may
        # run in another thread, whose own flag this must not clear.
        if getattr(self, "_queue_fd", None) is not None and self._queue_fd >= 0:
            os.close(self._queue_fd)
            self._queue_fd = None
