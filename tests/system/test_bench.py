"""The benchmarks still run, each with its one command (bench/README.md), at a size a test can afford.

They print figures and are not timed here: these tests only hold them to finishing cleanly, to the
reads and scenarios they promise, and to data the app itself accepts.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
READS = ("reaction report, one year", "review queue page", "patient search page", "chair board page", "session page",
         "visit summary PDF")
SCENARIOS = ("trivial (/healthz)", "record vitals (API POST)", "session page", "chair board")


def bench(*args, env=None, timeout=300) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


@pytest.fixture
def fresh_database(database_url, tmp_path):
    """An empty database of the suite's kind: the PostgreSQL run fills its own with COPY."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scale.sqlite3'}"
        return
    server, name = database_url.rsplit("/", 1)[0], "chairside_bench_" + uuid.uuid4().hex[:8]
    admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield f"{server}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_scale_fills_a_small_year_times_the_reads_and_refills_nothing(fresh_database):
    url = fresh_database
    first = bench("bench/scale.py", "--database-url", url, "--sessions", "1050")
    assert "filled in" in first
    for read in READS:
        assert re.search(rf"^{re.escape(read)}.* median +\d+\.\d ms", first, re.M), (read, first)
    assert "(150 sessions today)" in first
    assert re.search(r"^session page .*discharged: 11 readings, [1-9]\d* reactions?\)", first, re.M), first
    again = bench("bench/scale.py", "--database-url", url, "--sessions", "1050")
    assert "already there: skipping the fill" in again and "filled in" not in again
    engine = create_engine(url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL")).scalar() == 0
        conn.execute(text("UPDATE infusion_sessions SET session_date = session_date - 1")
                     if url.startswith("postgresql") else
                     text("UPDATE infusion_sessions SET session_date = date(session_date, '-1 day')"))
    engine.dispose()
    a_day_later = bench("bench/scale.py", "--database-url", url, "--sessions", "1050")
    assert "(0 sessions today)" in a_day_later and "filled on an earlier day" in a_day_later
    verified = bench("-m", "flask", "--app", "wsgi", "audit", "verify", env={"DATABASE_URL": url, "SECRET_KEY": "t"})
    assert "Audit chain intact" in verified
    if url.startswith("postgresql"):
        plans = bench("bench/explain.py", "--database-url", url)
        assert plans.count("\n=== ") == len(READS) and plans.count("Execution Time") >= len(READS), plans


def test_load_runs_every_scenario_without_errors(database_url, tmp_path):
    kind = "postgres" if database_url.startswith("postgresql") else "sqlite"  # a database of its own either way
    scratch = tmp_path / "scratch"  # the run's temporary folder is made here, and must be gone after
    scratch.mkdir()
    out = bench("bench/load.py", "--database", kind, "--seconds", "1", "--clients", "4", "--sessions", "3",
                "--workers", "2", env={"TMPDIR": str(scratch)})
    for scenario in SCENARIOS:
        row = re.search(rf"^{re.escape(scenario)} +([\d.]+) +[\d.]+ +[\d.]+ +[\d.]+ +(\d+) ", out, re.M)
        assert row, (scenario, out)
        assert float(row.group(1)) > 0 and row.group(2) == "0", row.group(0)
    assert "the chair board listed today's 3 sessions" in out, out
    assert "readings per session:" in out
    assert list(scratch.iterdir()) == []  # its database file and server log went with it


def test_pdf_prints_the_median_and_the_batch():
    out = bench("bench/pdf.py")
    assert re.search(r"visit summary: median [\d.]+ ms, p95 [\d.]+ ms \(50 renders\); batch of 200: [\d.]+ s", out), out
