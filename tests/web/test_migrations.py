"""Migrations: upgrade an empty database, then no drift between models and migrations; every
revision downgrades and upgrades again."""
import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from clinic import create_app
from tests.conftest import app_config


def _fresh_database(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        name = "chairside_mig_" + uuid.uuid4().hex[:8]
        admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        return url.rsplit("/", 1)[0] + "/" + name, admin, name
    return "sqlite:///" + str(tmp_path / "fresh.sqlite3"), None, None


def test_upgrade_on_empty_database_then_no_drift(tmp_path):
    from flask_migrate import check, downgrade, upgrade

    url, admin, name = _fresh_database(tmp_path)
    try:
        app = create_app(app_config(url))
        with app.app_context():
            upgrade()
            check()  # raises (exits) when models and migrations differ
            downgrade(revision="base")  # every revision's downgrade runs, newest first
            upgrade()
            check()
            from clinic.extensions import db

            tables = set(db.inspect(db.engine).get_table_names())
            db.session.remove()
            db.engine.dispose()
        expected = {"users", "api_tokens", "patients", "drugs", "drug_versions", "reactions", "infusion_sessions",
                    "vital_signs", "reaction_entries", "session_events", "premedication_records",
                    "check_confirmations", "reviews", "amendments", "audit_events"}
        assert expected <= tables
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()


def test_database_refuses_what_the_model_forbids(app, ctx):
    from sqlalchemy.exc import IntegrityError

    from clinic.extensions import db

    with ctx():
        _refuses(db, IntegrityError)


def _refuses(db, IntegrityError):
    with pytest.raises(IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO patients (mrn, first_name, last_name, first_key, last_key, "
                              "date_of_birth, sex, preferred_language, pregnant, active, created_at, updated_at, "
                              "version) VALUES ('X1', 'a', 'b', 'a', 'b', '1980-01-01', 'robot', 'en', false, "
                              "true, '2026-01-01', '2026-01-01', 1)"))
    with pytest.raises(IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO api_tokens (user_id, name, token_hash, created_at) "
                              "VALUES (99999, 'x', 'abc', '2026-01-01')"))


OLD_OCREVUS = {  # a drug version as the catalog stored it before protocols (migration 0009 rewrites it)
    "code": "ocrelizumab", "brand": "Ocrevus", "generic": "ocrelizumab", "category": "disease_modifying",
    "default_dose": "300", "dose_unit": "mg", "regimen": "300 mg, then 300 mg 2 weeks later",
    "infusion_time": "about 2.5 h", "observation": [[1, 60], [3, 30]], "next_due_rule": "anti_cd20",
    "checks": [{"code": "no_active_infection", "prompt": "No active infection", "stop_text": "Delay"}],
    "premedications": [{"code": "methylprednisolone_100", "text": "Methylprednisolone 100 mg", "required": True,
                        "required_infusions": []}],
    "warning_signs": ["Watch for signs of infection."], "rxnorm": "1876366", "active": True,
}


def test_the_catalog_before_protocols_is_carried_forward(tmp_path):
    """Sessions recorded before 0009 keep their catalog version; it reads back in the protocol's shape."""
    import json

    from flask_migrate import upgrade

    from clinic.domain.protocols import Drug, TreatmentHistory, observation_minutes

    url, admin, name = _fresh_database(tmp_path)
    try:
        app = create_app(app_config(url))
        with app.app_context():
            from clinic.extensions import db

            upgrade(revision="0008")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO drugs (code, brand, generic, category, active, current_version) "
                                  "VALUES ('ocrelizumab', 'Ocrevus', 'ocrelizumab', 'disease_modifying', true, 1)"))
                conn.execute(text("INSERT INTO drug_versions (drug_code, version, definition, source, created_at) "
                                  "VALUES ('ocrelizumab', 1, :definition, 'file', '2026-01-01')"),
                             {"definition": json.dumps(OLD_OCREVUS)})
            upgrade()
            stored = db.session.execute(text("SELECT definition FROM drug_versions")).scalar()
            drug = Drug.from_dict(json.loads(stored) if isinstance(stored, str) else stored)
            db.session.remove()
            db.engine.dispose()
        assert (drug.brand, drug.default_dose, drug.next_due.kind) == ("Ocrevus", 300, "anti_cd20")
        assert [observation_minutes(drug, n, TreatmentHistory(), None) for n in (1, 2, 3, 4)] == [60, 60, 30, 30]
        assert drug.required_premedications(5) == ("methylprednisolone_100",)
        assert drug.required_checks(2) == ("no_active_infection",)
        assert [w.text for w in drug.warnings] == ["Watch for signs of infection."]
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()


def _sha256_chain(conn, broken_at=None):
    """Three audit events hashed as the app hashed them before keys (SHA-256 alone)."""
    import hashlib
    from datetime import datetime, timezone

    from clinic.domain.chain import GENESIS, canonical_json
    from clinic.services.audit import hashed_content

    previous = GENESIS
    for n in range(1, 4):
        event = {"occurred_at": datetime(2026, 11, 1, 9, n, tzinfo=timezone.utc), "user_id": None, "username": None,
                 "action": f"before_keys_{n}", "object_type": None, "object_id": None, "patient_id": None,
                 "client_addr": "test", "details": canonical_json({})}
        digest = hashlib.sha256((previous + canonical_json(hashed_content(event))).encode()).hexdigest()
        if n == broken_at:
            event["action"] = "changed_after_hashing"
        conn.execute(text("INSERT INTO audit_events (occurred_at, user_id, username, action, object_type, object_id, "
                          "patient_id, client_addr, details, prev_hash, hash) VALUES (:occurred_at, :user_id, "
                          ":username, :action, :object_type, :object_id, :patient_id, :client_addr, :details, "
                          ":prev_hash, :hash)"),
                     {**event, "occurred_at": event["occurred_at"].replace(tzinfo=None)
                      if conn.dialect.name == "sqlite" else event["occurred_at"], "prev_hash": previous,
                      "hash": digest})
        previous = digest


@pytest.mark.parametrize("broken_at", [None, 2])
def test_upgrading_a_database_with_data_re_keys_an_intact_chain_and_stops_at_a_broken_one(tmp_path, broken_at,
                                                                                         capfd):
    from flask_migrate import upgrade

    url, admin, name = _fresh_database(tmp_path)
    try:
        app = create_app(app_config(url))
        with app.app_context():
            from clinic.extensions import db
            from clinic.services import audit

            upgrade(revision="0007")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO patients (mrn, first_name, last_name, first_key, last_key, date_of_birth, "
                                  "sex, preferred_language, pregnant, active, created_at, updated_at, version) VALUES "
                                  "('UP-1', 'Ana', 'Silva', 'ana', 'silva', '1980-01-01', 'female', 'en', false, true, "
                                  "'2026-01-01', '2026-01-01', 1)"))
                _sha256_chain(conn, broken_at)
            if broken_at:
                with pytest.raises(SystemExit):  # flask-migrate reports the error and exits 1
                    upgrade()
                kept = db.session.execute(text("SELECT action FROM audit_events ORDER BY id")).scalars().all()
                assert kept[1] == "changed_after_hashing"  # left as it was found, not laundered into the new chain
                assert "broken at event 2" in capfd.readouterr().err
            else:
                upgrade()  # tables other rows refer to are rebuilt on SQLite on the way
                assert audit.verify().ok and audit.verify().checked == 3
                assert db.session.execute(text("SELECT spo2_scale FROM patients")).scalar() == 1
            db.session.remove()
            db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()
