"""Consistent copies of the SQLite database."""
from __future__ import annotations

import sqlite3


def backup_sqlite(engine, path: str) -> int:
    """Copy the live database with SQLite's online backup API; writers may go on meanwhile."""
    if engine.dialect.name != "sqlite":
        raise ValueError("backup copies SQLite databases; for PostgreSQL use pg_dump (see the README).")
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        target = sqlite3.connect(path)
        try:
            source.backup(target, pages=1024)
            pages = target.execute("PRAGMA page_count").fetchone()[0]
        finally:
            target.close()
    finally:
        raw.close()
    return pages
