"""The factory and configuration."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from clinic import create_app
from clinic.config import ConfigError, normalise_database_url
from clinic.extensions import db
from tests.conftest import app_config


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("CHAIRSIDE_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("secret_key", ["x", "s" * 31, "é" * 15])  # bytes count, not characters: 30 bytes
def test_production_refuses_a_secret_key_shorter_than_32_bytes(monkeypatch, secret_key):
    """The key signs the session cookie: a short one can be guessed offline from any cookie, then forged."""
    monkeypatch.setenv("CHAIRSIDE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secret_key)
    monkeypatch.setenv("AUDIT_KEY", "a" * 40)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("store", [None, "", "memory://"])
def test_production_refuses_login_counts_that_each_worker_keeps_apart(monkeypatch, store):
    """Unset, empty or memory://, every gunicorn worker would count failed logins on its own: 5 tries become 5 per
    worker."""
    monkeypatch.setenv("CHAIRSIDE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("AUDIT_KEY", "a" * 40)
    if store is None:
        monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    else:
        monkeypatch.setenv("RATELIMIT_STORAGE_URI", store)
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        create_app()


@pytest.mark.parametrize(("variable", "value"), [
    ("CHAIRSIDE_ENV", "Production"),  # misspelt, it would have run with the development key
    ("CHAIRSIDE_ENV", "prod"),
    ("CLINIC_TIMEZONE", "Mars/Base"),
    ("TRUSTED_PROXIES", "abc"),
    ("TRUSTED_PROXIES", "-1"),  # ProxyFix would take the second address the client sent
    ("SESSION_IDLE_MINUTES", "nan"),
    ("SESSION_IDLE_MINUTES", "a while"),
    ("SQLITE_BUSY_TIMEOUT_MS", "30s"),
    ("DB_POOL_RECYCLE_SECONDS", "soon"),
])
def test_a_setting_that_makes_no_sense_stops_the_start_naming_it(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        create_app({"SECRET_KEY": "t"})


@pytest.mark.parametrize("audit_key", [None, "", "x" * 31])
def test_production_refuses_to_start_without_an_audit_key_of_32_bytes(monkeypatch, audit_key):
    monkeypatch.setenv("CHAIRSIDE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    if audit_key is None:
        monkeypatch.delenv("AUDIT_KEY", raising=False)
    else:
        monkeypatch.setenv("AUDIT_KEY", audit_key)
    with pytest.raises(ConfigError, match="AUDIT_KEY"):
        create_app()


def test_production_with_secret_key_uses_secure_cookies(monkeypatch):
    monkeypatch.setenv("CHAIRSIDE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("AUDIT_KEY", "a" * 40)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")  # not reached: no request is made
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_default_database_is_sqlite_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "t"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert "instance" in app.config["SQLALCHEMY_DATABASE_URI"]


@pytest.mark.parametrize("url, expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_urls_use_psycopg3(url, expected):
    assert normalise_database_url(url) == expected


def test_environment_settings_are_read(monkeypatch):
    monkeypatch.setenv("CLINIC_NAME", "Lakeside Infusion")
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "7")
    app = create_app({"SECRET_KEY": "t"})
    assert app.config["CLINIC_NAME"] == "Lakeside Infusion"
    assert app.config["SESSION_IDLE_MINUTES"] == 7.0


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_says_503_in_json_when_the_database_does_not_answer(tmp_path):
    app = create_app({"SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "detail": "The database does not answer."}


def test_sqlite_connections_enforce_foreign_keys(app, ctx):
    with ctx():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas apply to SQLite only")
        conn = db.engine.connect()
    with conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def _pooled_backend(app) -> int:
    """Use the app's one pooled connection and return it to the pool; its server process id."""
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()
    return pid


def _drop_connection(database_url: str, pid: int) -> None:
    """What a server restart does to a pooled connection: its server process ends."""
    admin = create_engine(database_url, poolclass=NullPool)
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        conn.commit()
    admin.dispose()


@pytest.fixture
def server_app(database_url, _migrated):
    """A second app on the test database with a pool of its own, built by the test with its own settings."""
    if database_url.startswith("sqlite"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): a SQLite file cannot drop a pooled connection")
    apps = []

    def make(**settings):
        apps.append(create_app(app_config(database_url, **settings)))
        return apps[-1]
    yield make
    for made in apps:
        with made.app_context():
            db.session.remove()
            db.engine.dispose()


def test_after_a_database_restart_no_request_fails(server_app, database_url):
    """A pooled connection the server dropped is found dead before use and replaced (pool_pre_ping)."""
    app = server_app()
    _drop_connection(database_url, _pooled_backend(app))
    assert app.test_client().get("/healthz").status_code == 200


def test_the_sqlite_busy_timeout_is_the_setting(monkeypatch, tmp_path):
    """How long a writer waits for SQLite's write lock comes from SQLITE_BUSY_TIMEOUT_MS."""
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", "1234")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'busy.sqlite3'}")
    app = create_app({"SECRET_KEY": "t"})
    with app.app_context():
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 1234
        db.session.remove()
        db.engine.dispose()


def test_the_app_starts_where_there_is_no_fcntl(tmp_path):
    """Nothing in the app needs a Unix-only module: it imports and answers on Windows too."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "t"}
    probe = ("import sys; sys.modules['fcntl'] = None\n"
             "from clinic import create_app\n"
             "print(create_app().test_client().get('/healthz').status_code)")
    started = subprocess.run([sys.executable, "-c", probe], env=env, cwd=Path(__file__).resolve().parents[2],
                             capture_output=True, text=True, timeout=60)
    assert started.stdout.strip().splitlines()[-1] == "200", started.stderr[-2000:]


def test_the_served_app_leaves_its_start_up_objects_out_of_garbage_collection(tmp_path):
    """gunicorn's `wsgi:app`: a full collection walking them all held a request up for about 100 ms."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "t"}
    probe = "import gc, wsgi; print(gc.get_freeze_count())"
    frozen = subprocess.run([sys.executable, "-c", probe], env=env, cwd=Path(__file__).resolve().parents[2],
                            capture_output=True, text=True, check=True, timeout=60)
    assert int(frozen.stdout.strip().splitlines()[-1]) > 10_000


@pytest.mark.parametrize(("concurrency", "expected"), [(None, len(os.sched_getaffinity(0))), ("3", 3)])
def test_gunicorn_runs_one_worker_per_core_unless_told_otherwise(tmp_path, concurrency, expected):
    """More workers than cores made recording vitals slower on both databases (gunicorn.conf.py)."""
    root = Path(__file__).resolve().parents[2]
    env = {name: value for name, value in os.environ.items() if name != "WEB_CONCURRENCY"}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}", SECRET_KEY="t", **(
        {"WEB_CONCURRENCY": concurrency} if concurrency else {}))
    printed = subprocess.run([str(Path(sys.executable).parent / "gunicorn"), "--print-config", "-c", "gunicorn.conf.py",
                              "wsgi:app"], env=env, cwd=root, capture_output=True, text=True, check=True, timeout=60)
    settings = {name.strip(): value.strip() for name, _, value in (line.partition("=") for line in
                                                                    printed.stdout.splitlines())}
    assert int(settings["workers"]) == expected
