"""Shared fixtures: one migrated database per test run, emptied after every test.

The database is SQLite in a temporary folder unless TEST_DATABASE_URL points
elsewhere (CI runs the whole suite a second time against PostgreSQL).
"""
from __future__ import annotations

import itertools
import os
import re
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from clinic import create_app
from clinic.extensions import db
from clinic.services import accounts
from clinic.services.actor import Actor

PASSWORD = "correct horse battery"
_counter = itertools.count(1)
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def app_config(database_url: str, **overrides) -> dict:
    """Return the config every test app starts from: CSRF on, rate limits off unless asked."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "AUDIT_KEY": "test-audit-key, thirty-two bytes or more",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_ENABLED": False,
        "CLINIC_TIMEZONE": "America/New_York",
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def _migrated(database_url):
    from flask_migrate import upgrade

    app = create_app(app_config(database_url))
    with app.app_context():
        upgrade()
        from clinic.services import catalog

        catalog.load(Actor.system("test"))
        db.session.commit()
        db.session.remove()
    return True


def _delete_all(conn, tables) -> None:
    for table in tables:
        if table.name == "audit_events" and conn.dialect.name == "postgresql":
            # The append-only trigger refuses DELETE; TRUNCATE is the test's way around it.
            conn.execute(text("TRUNCATE audit_events"))
        else:
            conn.execute(table.delete())


def _empty_tables() -> None:
    """Remove every row; put back the pristine catalog a test may have edited."""
    from clinic.services import catalog

    tables = list(reversed(db.metadata.sorted_tables))
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.scalar(text("SELECT count(*) FROM drug_versions WHERE source = 'admin'")) or \
                conn.scalar(text("SELECT count(*) FROM reactions WHERE source = 'admin'")):
            _delete_all(conn, tables)
        else:
            _delete_all(conn, [t for t in tables if t.name not in ("drugs", "drug_versions", "reactions")])
    if not db.session.scalar(text("SELECT count(*) FROM drugs")):
        catalog.load(Actor.system("test"))
        db.session.commit()
        with db.engine.begin() as conn:
            _delete_all(conn, [db.metadata.tables["audit_events"]])


@pytest.fixture
def app(database_url, _migrated):
    """A fresh app on the shared database; no app context stays pushed, so each request gets its own `g`."""
    app = create_app(app_config(database_url))
    yield app
    with app.app_context():
        _empty_tables()
        db.session.remove()


@pytest.fixture
def ctx(app):
    """Push an app context for a test that reads the database directly (`with ctx(): ...`)."""
    return app.app_context


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class WebClient:
    """A test client that sends the page's CSRF token with every form, as a browser does."""

    def __init__(self, client):
        self.client = client
        self.csrf = None

    def get(self, url, **kwargs):
        response = self.client.get(url, **kwargs)
        self._remember_token(response)
        return response

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        if self.csrf is None:
            self.get("/login")
        data.setdefault("csrf_token", self.csrf)
        response = self.client.post(url, data=data, **kwargs)
        self._remember_token(response)
        return response

    def _remember_token(self, response):
        if response.mimetype == "text/html":
            match = CSRF_RE.search(response.get_data(as_text=True))
            if match:
                self.csrf = match.group(1) or match.group(2)


@pytest.fixture
def client(app):
    return WebClient(app.test_client())


def _plain(obj, *names):
    return SimpleNamespace(**{n: getattr(obj, n) for n in names})


@pytest.fixture
def make_user(app):
    def make(role="nurse", username=None, password=PASSWORD, full_name=None):
        username = username or f"{role}{next(_counter)}"
        with app.app_context():
            user = accounts.create_user(Actor.system("test"), username, full_name or f"Test {role.title()}",
                                        role, password)
            db.session.commit()
            return _plain(user, "id", "username", "role", "full_name")

    return make


@pytest.fixture
def login(app, make_user):
    """Return a function that makes a user of a role and a web client signed in as them."""

    def do_login(role="nurse", user=None):
        user = user or make_user(role)
        web = WebClient(app.test_client())
        web.get("/login")
        response = web.post("/login", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        web.get("/")  # login starts a new session: pick up its CSRF token, as a browser would
        web.user = user
        return web

    return do_login


@pytest.fixture
def api(app, make_user):
    """Return a function that makes a user of a role and an API client with their bearer token."""

    class ApiClient:
        def __init__(self, token, user):
            self.client = app.test_client()
            self.headers = {"Authorization": f"Bearer {token}"}
            self.user = user

        def get(self, url, **kw):
            return self.client.get(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

        def post(self, url, json=None, **kw):
            return self.client.post(url, json=json, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def make(role="nurse", user=None):
        user = user or make_user(role)
        with app.app_context():
            from clinic.models import User

            token = accounts.issue_token(Actor.system("test"), db.session.get(User, user.id), "test")
            db.session.commit()
        return ApiClient(token, user)

    return make


@pytest.fixture
def make_patient(app):
    from clinic.services import patients

    def make(**fields):
        n = next(_counter)
        values = dict(mrn=f"T{n:06d}", first_name="Pat", last_name=f"Tester{n}", date_of_birth=date(1980, 1, 1),
                      sex="female")
        values.update(fields)
        with app.app_context():
            patient = patients.register(Actor.system("test"), **values)
            db.session.commit()
            return _plain(patient, "id", "mrn", "first_name", "last_name")

    return make
