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
