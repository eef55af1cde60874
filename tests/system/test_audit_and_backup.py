"""Every write and every view of a patient's record leaves an audit event; backups while writing."""
from __future__ import annotations

import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from clinic import create_app, transactions
from clinic.extensions import db
from clinic.models import AuditEvent, Patient, VitalSigns
from clinic.services import audit
from clinic.services.actor import Actor
from tests.conftest import app_config


def ago(minutes=0):
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes)).isoformat()


def test_every_write_and_record_view_is_audited(api, login, make_patient, ctx):
    nurse = api("nurse")
    web = login("nurse", user=nurse.user)

    def audited(call, expected_status):
        with ctx():
            before = db.session.scalar(select(func.count(AuditEvent.id)))
        response = call()
        assert response.status_code == expected_status, (response.status_code, response.get_data(as_text=True)[:300])
        with ctx():
            after = db.session.scalar(select(func.count(AuditEvent.id)))
        assert after > before, "no audit event"
        return response

    pid = audited(lambda: nurse.post("/api/v1/patients", json={"mrn": "AU-1", "first_name": "A", "last_name": "B",
                                                               "date_of_birth": "1970-01-01"}), 201).get_json()["id"]
    audited(lambda: nurse.get(f"/api/v1/patients/{pid}"), 200)
    audited(lambda: web.get(f"/patients/{pid}"), 200)
    sid = audited(lambda: nurse.post("/api/v1/sessions", json={"patient_id": pid, "drug": "ocrelizumab"}),
                  201).get_json()["id"]
    base = f"/api/v1/sessions/{sid}"
    audited(lambda: nurse.get(base), 200)
    audited(lambda: web.get(f"/sessions/{sid}"), 200)
    steps = [
        ("checks", {"codes": ["no_active_infection", "hepatitis_b_screening"]}, 200),
        ("premedications", {"code": "methylprednisolone_100", "given_at": ago(70)}, 201),
        ("premedications", {"code": "antihistamine", "given_at": ago(70)}, 201),
        ("vitals", {"taken_at": ago(65), "phase": "baseline", "systolic": 120, "diastolic": 80}, 201),
        ("start", {"at": ago(60)}, 200),
        ("rate", {"rate_ml_h": "80", "at": ago(50)}, 201),
        ("pause", {"reason": "IV site check", "at": ago(45)}, 200),
        ("resume", {"at": ago(44)}, 200),
        ("reactions", {"code": "itching", "grade": 1, "action": "none", "onset_at": ago(40)}, 201),
        ("end", {"full_dose": True, "at": ago(30)}, 200),
        ("vitals", {"taken_at": ago(1), "phase": "discharge", "heart_rate": 70}, 201),
        ("discharge", {"early_reason": "ride waiting"}, 200),
        ("finalize", {"password": "correct horse battery"}, 200),
        ("amendments", {"reason": "typo", "changes": {"chair": "9"}}, 201),
    ]
    for action, body, status in steps:
        audited(lambda a=action, b=body: nurse.post(f"{base}/{a}", json=b), status)
    audited(lambda: nurse.get(f"{base}/summary.pdf"), 200)
    audited(lambda: nurse.get(f"{base}/fhir"), 200)

    with ctx():
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.patient_id == pid)) >= 20


def test_audit_events_cannot_be_changed_through_the_application(app):
    editable = [r for r in app.url_map.iter_rules() if "audit" in r.rule and (r.methods & {"PUT", "PATCH", "DELETE"})]
    assert editable == []


def test_an_append_waits_for_the_one_before_it_and_chains_onto_it(app, ctx):
    """Two transactions appending at once: the second reads the chain's head only once the first has
    committed, so it chains onto the first's event (reading the head before the lock would fork the chain)."""
    first_appended, failures = threading.Event(), []

    def hold(_connection, _items):
        first_appended.set()
        time.sleep(0.5)  # the first has appended and holds the chain until it commits

    def append(action, holds):
        try:
            with app.app_context():
                audit.record(Actor.system("test"), action)
                if holds:
                    transactions.queue_at_commit("hold", hold)  # runs after the audit's append, before the commit
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below, where pytest sees it
            failures.append(exc)

    first = threading.Thread(target=append, args=("first_append", True))
    first.start()
    assert first_appended.wait(10)
    second = threading.Thread(target=append, args=("second_append", False))
    second.start()
    first.join(20)
    second.join(20)
    assert failures == []
    with ctx():
        events = {e.action: e for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(["first_append", "second_append"])))}
        assert events["second_append"].prev_hash == events["first_append"].hash
        assert events["second_append"].id > events["first_append"].id
        assert audit.verify().ok


def test_backup_while_writing_restores_the_data(app, api, make_patient, ctx, runner, tmp_path, database_url):
    with ctx():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL is backed up with pg_dump (README); `flask backup` copies SQLite")
    nurse = api("nurse")
    patient = make_patient(mrn="KEEP-ME")
    sid = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "ivig", "weight_kg": "70"}).get_json()["id"]
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            nurse.post(f"/api/v1/sessions/{sid}/vitals", json={"taken_at": ago(), "phase": "baseline", "heart_rate": 70})

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        target = tmp_path / "backup.sqlite3"
        result = runner.invoke(args=["backup", str(target)])
    finally:
        stop.set()
        thread.join(timeout=30)
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restored = create_app(app_config("sqlite:///" + str(target)))
    with restored.app_context():
        assert db.session.scalar(select(Patient.mrn).where(Patient.id == patient.id)) == "KEEP-ME"
        assert db.session.scalar(select(func.count(VitalSigns.id))) >= 0
        from clinic.services import audit

        assert audit.verify().ok
        db.session.remove()


def test_on_postgres_the_apps_role_can_only_read_and_append_audit_events(database_url):
    """Migrated by the owner with DB_APP_ROLE set, the app's own login role cannot empty the audit table, disable
    its trigger, or change or delete an event; it runs the app all the same (SPEC §11)."""
    import uuid

    from flask_migrate import upgrade
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError

    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): roles and grants are PostgreSQL's")
    suffix = uuid.uuid4().hex[:8]
    name, role = f"chairside_roles_{suffix}", f"chairside_app_{suffix}"
    server = database_url.rsplit("/", 1)[0]
    admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    try:
        owner_app = create_app(app_config(f"{server}/{name}", DB_APP_ROLE=role))
        with owner_app.app_context():
            upgrade()
            from clinic.services import catalog

            catalog.load(Actor.system("test"))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        app_url = f"postgresql+psycopg://{role}@{server.split('@', 1)[1]}/{name}"
        as_app = create_engine(app_url)
        for sql in ("TRUNCATE audit_events", "ALTER TABLE audit_events DISABLE TRIGGER USER",
                    "UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events", "DELETE FROM drugs"):
            with pytest.raises(DBAPIError, match="permission denied|must be owner"):
                with as_app.begin() as conn:
                    conn.execute(text(sql))
        as_app.dispose()
        runs = create_app(app_config(app_url))
        with runs.app_context():
            from clinic.services import accounts

            accounts.create_user(Actor.system("test"), "rolecheck", "Role Check", "nurse", "correct horse battery")
            db.session.commit()
            db.session.remove()
        # Logging in and out, which writes login_sessions (migration 0012), works under the app's grants.
        from tests.conftest import WebClient

        web = WebClient(runs.test_client())
        web.get("/login")
        assert web.post("/login", {"username": "rolecheck", "password": "correct horse battery"}).status_code == 302
        assert web.get("/profile/").status_code == 200
        assert web.post("/logout").status_code == 302 and web.get("/profile/").status_code == 302
        with runs.app_context():
            assert audit.verify().ok and audit.verify().checked >= 2
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()
