"""Many nurses writing at once, and a crash in the middle of writes (gunicorn, several workers)."""
from __future__ import annotations

import http.client
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, text

from clinic.extensions import db
from clinic.models import VitalSigns
from clinic.services import audit

CLIENTS = 16
WRITES_PER_CLIENT = 12


def now_iso():
    return datetime.now(timezone.utc).isoformat()


def _sessions(api, make_patient, n):
    nurse = api("nurse")
    ids = [nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "ivig", "weight_kg": "70"}).get_json()["id"]
           for _ in range(n)]
    return nurse, ids


def _token(nurse):
    return nurse.headers["Authorization"].split()[1]


def test_sixteen_nurses_at_once_lose_nothing(server, api, make_patient, ctx, record_property):
    nurse, ids = _sessions(api, make_patient, 4)  # four clients per session: conflicts will happen
    token = _token(nurse)
    results = []
    lock = threading.Lock()

    def client(n):
        sid = ids[n % len(ids)]
        for _ in range(WRITES_PER_CLIENT):
            status, session = server.request("GET", f"/api/v1/sessions/{sid}", token)
            assert status == 200
            status, body = server.request("POST", f"/api/v1/sessions/{sid}/vitals", token,
                                          {"taken_at": now_iso(), "phase": "baseline", "heart_rate": 60 + n},
                                          headers={"If-Match": str(session["version"])})
            with lock:
                results.append((status, body))

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    statuses = [s for s, _ in results]
    acknowledged = {body["id"] for s, body in results if s == 201}
    conflicts = statuses.count(409)
    record_property("writes", len(statuses))
    record_property("acknowledged", len(acknowledged))
    record_property("conflicts", conflicts)
    print(f"\n{CLIENTS} clients, {len(statuses)} writes: {len(acknowledged)} stored, {conflicts} conflicts (409), "
          f"{sum(1 for s in statuses if s >= 500)} errors")
    assert set(statuses) <= {201, 409}, sorted(set(statuses))
    assert len(acknowledged) + conflicts == CLIENTS * WRITES_PER_CLIENT
    with ctx():
        stored = set(db.session.scalars(select(VitalSigns.id)))
    assert acknowledged <= stored and len(acknowledged) == len(stored)
    log = server.log_path.read_text()
    assert "database is locked" not in log and "Traceback" not in log


def test_kill_minus_nine_during_writes_loses_no_acknowledged_write(server, api, make_patient, ctx, runner):
    nurse, ids = _sessions(api, make_patient, 8)
    token = _token(nurse)
    acknowledged, stop = [], threading.Event()
    lock = threading.Lock()

    def writer(n):
        sid = ids[n % len(ids)]
        while not stop.is_set():
            try:
                status, body = server.request("POST", f"/api/v1/sessions/{sid}/vitals", token,
                                              {"taken_at": now_iso(), "phase": "baseline", "heart_rate": 70})
            except (OSError, http.client.HTTPException):
                return  # the server is gone (perhaps mid-answer: that write was never acknowledged)
            if status == 201:
                with lock:
                    acknowledged.append(body["id"])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(acknowledged) >= 10
    server.start()  # recovery: the app comes back on the same database
    status, _ = server.request("GET", f"/api/v1/sessions/{ids[0]}", token)
    assert status == 200
    with ctx():
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        stored = set(db.session.scalars(select(VitalSigns.id)))
        assert set(acknowledged) <= stored
        assert audit.verify().ok
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output
    print(f"\nkill -9 after {len(acknowledged)} acknowledged writes: all present, integrity ok, chain intact")


def test_reads_are_served_while_a_writer_holds_the_sqlite_lock(server, api, make_patient, ctx, database_url):
    """GET requests begin read transactions: a long write elsewhere does not hold them up (SQLite WAL)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL readers never wait for writers")
    nurse, ids = _sessions(api, make_patient, 1)
    supervisor = _token(api("supervisor"))
    server.request("GET", "/api/v1/review/queue", supervisor)  # stamps the token's first use
    writer = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        status, body = server.request("GET", "/api/v1/review/queue", supervisor)
        waited = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert status == 200 and isinstance(body, list)
    assert waited < 5, f"the read waited {waited:.1f} s for the writer"


@pytest.mark.parametrize("holder_ends_with", ["commit", "rollback"])
def test_a_second_sqlite_writer_waits_for_the_first_and_then_writes(ctx, database_url, holder_ends_with):
    """Writing transactions begin IMMEDIATE: the second waits for the write lock (the busy timeout), never
    fails with "database is locked", and gets in once the first commits or rolls back."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL writers lock rows, not the database")
    with ctx():
        engine = db.engine
        holder = engine.connect()
        holder.begin()  # a writing transaction: it holds SQLite's write lock
        got_in, failures = {}, []

        def second_writer():
            try:
                with engine.connect() as conn, conn.begin():
                    got_in["at"] = time.monotonic()
            except Exception as exc:  # noqa: BLE001 - reported below, where pytest sees it
                failures.append(exc)

        waiter = threading.Thread(target=second_writer)
        waiter.start()
        time.sleep(0.45)
        assert "at" not in got_in, "the second writer did not wait for the first"
        released = time.monotonic()
        getattr(holder, holder_ends_with)()
        waiter.join(timeout=10)
        holder.close()
    assert failures == [] and not waiter.is_alive(), "the second writer never got the lock"
    assert got_in["at"] - released < 1, "the second writer waited on long after the lock was released"


def test_a_page_view_keeps_its_audit_event_when_another_writer_committed_meanwhile(app, database_url):
    """A GET reads in a deferred SQLite transaction; its audit event is written at the end. Had another writer
    committed since the read began, upgrading the read to a write would fail at once ("database is locked"):
    the queued write is made in a writing transaction of its own instead."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's readers can always go on to write")
    from clinic import transactions
    from clinic.models import AuditEvent
    from clinic.services.actor import Actor

    with app.test_request_context("/patients", method="GET"):
        before = db.session.scalar(select(text("count(*)")).select_from(AuditEvent))  # the read's snapshot
        other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO users (username, full_name, role, password_hash, active, must_change_password,"
                      " session_epoch, created_at) VALUES ('other', 'Other Writer', 'nurse', 'x', 1, 0, 0,"
                      " '2026-01-01 00:00:00')")  # a write committed after the read's snapshot
        other.execute("COMMIT")
        other.close()
        audit.record(Actor.system("test"), "page_viewed_in_test")
        transactions.commit()
        assert db.session.scalar(select(text("count(*)")).select_from(AuditEvent)) == before + 1
        db.session.remove()
    with app.app_context():
        assert audit.verify().ok
