"""Show how PostgreSQL answers each query of the main reads on the million-session database.

Run after `bench/scale.py` has filled the database. Each page is requested once as in use; every
SELECT it sends is captured with its parameters and run again under EXPLAIN ANALYZE on the same
database, and its whole plan is printed: each step, which index or sequential scan, rows and times.
This is what the indexes in the migrations are justified by.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402

from bench.scale import bench_token, finished_chart, main_reads, prepare  # noqa: E402


def capture(app, client, url: str, headers=None) -> list[tuple[str, object]]:
    from clinic.extensions import db

    with app.app_context():
        engine = db.engine
    statements = []

    def on_execute(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        response = client.get(url, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    assert response.status_code == 200, (url, response.status_code)
    return statements


def explain(app, statement: str, parameters) -> list[str]:
    from clinic.extensions import db

    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + statement, parameters)
            return [row[0] for row in cursor.fetchall()]
        finally:
            raw.rollback()
            raw.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True, help="the PostgreSQL database bench/scale.py filled")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("EXPLAIN plans are shown for PostgreSQL, the database for a network of centers")
    app, _, _ = prepare(args.database_url)
    with bench_token(app) as token:
        for name, (client, url, headers) in main_reads(app, token, finished_chart(app)[0]).items():
            client.get(url, headers=headers)  # warm up: sign-in, caches
            print(f"\n=== {name}: {url}")
            for statement, parameters in capture(app, client, url, headers):
                first_line = " ".join(statement.split())[:110]
                print(f"\n  {first_line}…")
                for line in explain(app, statement, parameters):
                    print("    " + line.rstrip())


if __name__ == "__main__":
    main()
