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
