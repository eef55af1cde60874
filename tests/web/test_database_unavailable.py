"""A database that does not answer gives a quick 503 (SPEC §11): the health check, pages and the API."""
from __future__ import annotations

import socket
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from clinic import create_app
from tests.conftest import PASSWORD, WebClient, app_config

# Long enough for any timeout of ours to fire first; short enough that a client without one fails the test
# (the server closes the connection) rather than hanging it.
HOLD_SECONDS = 12


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers: a PostgreSQL whose host is up and whose server hangs."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.listener.getsockname()[1]
        self.closing = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closing.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Timer(HOLD_SECONDS, conn.close).start()

    def close(self):
        self.closing.set()
        self.listener.close()


@pytest.fixture
def silent_app():
    server = SilentServer()
    yield create_app(app_config(f"postgresql+psycopg://chairside@127.0.0.1:{server.port}/chairside"))
    server.close()


def timed(call):
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def test_healthz_answers_503_within_5_seconds_when_the_database_does_not_answer(silent_app):
    response, seconds = timed(lambda: silent_app.test_client().get("/healthz"))
    assert response.status_code == 503 and response.json["status"] == "unavailable"
    assert seconds < 5


def test_a_page_answers_a_503_page_without_the_users_menu(silent_app):
    web = WebClient(silent_app.test_client())
    web.get("/login")  # the form itself needs no database
    response, seconds = timed(lambda: web.post("/login", {"username": "nurse1", "password": PASSWORD}))
    assert response.status_code == 503 and seconds < 5
    assert response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "The database did not answer in time. Nothing was saved." in page and "Log out" not in page


def test_the_api_answers_503_json(silent_app):
    response, seconds = timed(lambda: silent_app.test_client().get(
        "/api/v1/catalog/drugs", headers={"Authorization": "Bearer some-token"}))
    assert response.status_code == 503 and seconds < 5
    assert response.json["error"]["code"] == "unavailable" and response.headers["Retry-After"] == "5"


def test_the_timeouts_can_be_set_and_sqlite_keeps_its_busy_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("DB_CONNECT_TIMEOUT_SECONDS", "7")
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "2500")
    monkeypatch.setenv("DB_POOL_TIMEOUT_SECONDS", "4")
    pg = create_app(app_config("postgresql+psycopg://chairside@127.0.0.1:1/chairside")).config
    options = pg["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"connect_timeout": 7, "options": "-c statement_timeout=2500"}
    assert options["pool_timeout"] == 4 and options["hide_parameters"] is True
    sqlite = create_app(app_config("sqlite:///" + str(tmp_path / "x.sqlite3"))).config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert sqlite["connect_args"] == {"timeout": 30.0} and sqlite["hide_parameters"] is True


@pytest.fixture
def postgres_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's statement timeout")
    return database_url


def test_a_statement_stuck_behind_a_lock_ends_in_503_after_the_statement_timeout(app, api, login, postgres_only):
    nurse = api("nurse")
    web = login("nurse")
    slow = create_app(app_config(postgres_only, DB_STATEMENT_TIMEOUT_MS=300))
    page_client = slow.test_client()
    page_client.set_cookie("session", web.client.get_cookie("session").value)
    other = create_engine(postgres_only)
    try:
        with other.begin() as conn:
            # Another transaction holds every user row: whoever needs the signed-in user waits for it.
            conn.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
            response, seconds = timed(lambda: slow.test_client().get("/api/v1/catalog/drugs", headers=nurse.headers))
            assert response.status_code == 503 and response.json["error"]["code"] == "unavailable"
            assert seconds < 3
            response, seconds = timed(lambda: page_client.get("/patients"))
            assert response.status_code == 503 and "did not answer in time" in response.get_data(as_text=True)
            assert seconds < 3
    finally:
        other.dispose()
    # The lock released, the same app answers again.
    assert slow.test_client().get("/api/v1/catalog/drugs", headers=nurse.headers).status_code == 200


def test_a_commit_that_times_out_answers_503_too(database_url, _migrated, make_user):
    """The commit runs after the view (transactions.finish_request): a timeout there is a 503 all the same."""
    from sqlalchemy.exc import OperationalError

    from clinic import transactions

    def commit_times_out(_connection, _items):
        raise OperationalError("COMMIT", {}, Exception("canceling statement due to statement timeout"))

    def view():
        transactions.queue_at_commit("times_out", commit_times_out).append(1)
        return "saved"

    app = create_app(app_config(database_url, PROPAGATE_EXCEPTIONS=False))  # as in production
    app.add_url_rule("/test-commit-times-out", "test_commit_times_out", view, methods=["POST"])
    user = make_user("nurse")
    web = WebClient(app.test_client())
    assert web.post("/login", {"username": user.username, "password": PASSWORD}).status_code == 302
    web.get("/profile")
    response = web.post("/test-commit-times-out")
    assert response.status_code == 503 and "did not answer in time" in response.get_data(as_text=True)
