"""Login throttling holds across gunicorn's workers when they count in one shared store (Redis)."""
from __future__ import annotations

import os

import pytest
import redis

from tests.conftest import PASSWORD
from tests.system.conftest import Server

# A database of its own on the machine's Redis, emptied before and after: the counts of other runs stay out.
# CI runs the SQLite and the PostgreSQL suites at once and gives each its own (TEST_REDIS_URL).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def redis_store():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL} (CI requires it: .ci/run starts it)")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


def test_five_failures_lock_the_account_whichever_worker_answers(app, database_url, tmp_path, make_user,
                                                                 redis_store):
    user = make_user("nurse")
    server = Server(database_url, tmp_path / "gunicorn.log", workers=3,
                    env={"RATELIMIT_STORAGE_URI": redis_store}).start()
    try:
        cookie, csrf = server.login_form()
        # Each attempt is a new connection, so the three workers share them out among themselves.
        failures = [server.log_in(cookie, csrf, user.username, "wrong password!!")[0] for _ in range(5)]
        assert failures == [200] * 5
        assert server.log_in(cookie, csrf, user.username, PASSWORD)[0] == 429
    finally:
        server.stop()


def test_with_its_store_unreachable_throttling_goes_on_in_the_worker_and_nobody_is_locked_out(
        app, database_url, tmp_path, make_user):
    """Redis down must not turn every login into an error page: each worker counts on its own meanwhile."""
    victim, colleague = make_user("nurse"), make_user("nurse")
    server = Server(database_url, tmp_path / "gunicorn.log", workers=1,
                    env={"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}).start()  # nothing listens on port 1
    try:
        cookie, csrf = server.login_form()
        failures = [server.log_in(cookie, csrf, victim.username, "wrong password!!")[0] for _ in range(5)]
        assert failures == [200] * 5
        assert server.log_in(cookie, csrf, victim.username, PASSWORD)[0] == 429
        assert server.log_in(cookie, csrf, colleague.username, PASSWORD)[0] == 302
    finally:
        server.stop()


def test_login_and_finalize_failures_add_up_whichever_worker_answers(app, database_url, tmp_path, make_user,
                                                                    make_patient, redis_store):
    """One count per account for every password prompt (SPEC §11), kept in Redis for all three workers."""
    from sqlalchemy import update

    from clinic.extensions import db
    from clinic.models import InfusionSession, User
    from clinic.services import accounts
    from clinic.services.actor import Actor
    from tests.helpers import now

    user = make_user("nurse")
    with app.app_context():
        token = accounts.issue_token(Actor.system("test"), db.session.get(User, user.id), "test")
        db.session.commit()
    server = Server(database_url, tmp_path / "gunicorn.log", workers=3,
                    env={"RATELIMIT_STORAGE_URI": redis_store}).start()
    try:
        status, session = server.request("POST", "/api/v1/sessions", token,
                                          {"patient_id": make_patient().id, "drug": "natalizumab"})
        assert status == 201, session
        with app.app_context():  # discharged: its lifecycle is tested elsewhere
            db.session.execute(update(InfusionSession).where(InfusionSession.id == session["id"]).values(
                status="discharged", started_at=now(), ended_at=now(), discharged_at=now()))
            db.session.commit()
        finalize = f"/api/v1/sessions/{session['id']}/finalize"
        cookie, csrf = server.login_form()
        failures = [server.log_in(cookie, csrf, user.username, "wrong password!!")[0] for _ in range(3)]
        failures += [server.request("POST", finalize, token, {"password": "wrong password!!"})[0] for _ in range(2)]
        assert failures == [200, 200, 200, 422, 422]
        assert server.request("POST", finalize, token, {"password": PASSWORD})[0] == 429
        assert server.log_in(cookie, csrf, user.username, PASSWORD)[0] == 429
    finally:
        server.stop()
