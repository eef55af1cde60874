"""Login throttling holds across gunicorn's workers when they count in one shared store (Redis)."""
from __future__ import annotations

import http.client
import os
import re
import socket
from urllib.parse import urlencode

import pytest

from tests.conftest import PASSWORD
from tests.system.conftest import Server

# A database of its own on the machine's Redis, emptied before and after: the counts of other runs stay out.
REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def redis_store():
    redis = pytest.importorskip("redis")
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not reachable on 127.0.0.1:6379 (CI requires it: .ci/run starts it)")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


def _attempt(server: Server, cookie: str, csrf: str, username: str, password: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("POST", "/login", body=urlencode({"username": username, "password": password, "csrf_token": csrf}),
                 headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    status = conn.getresponse().status
    conn.close()
    return status


def _login_form(server: Server) -> tuple[str, str]:
    """The session cookie and CSRF token of a login page."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", "/login")
    page = conn.getresponse()
    cookie = page.getheader("Set-Cookie").split(";")[0]
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode()).group(1)
    conn.close()
    return cookie, csrf


def test_five_failures_lock_the_account_whichever_worker_answers(app, database_url, tmp_path, make_user,
                                                                 redis_store):
    user = make_user("nurse")
    server = Server(database_url, tmp_path / "gunicorn.log", workers=3,
                    env={"RATELIMIT_STORAGE_URI": redis_store}).start()
    try:
        cookie, csrf = _login_form(server)
        # Each attempt is a new connection, so the three workers share them out among themselves.
        failures = [_attempt(server, cookie, csrf, user.username, "wrong password!!") for _ in range(5)]
        assert failures == [200] * 5
        assert _attempt(server, cookie, csrf, user.username, PASSWORD) == 429
    finally:
        server.stop()


def test_with_its_store_unreachable_throttling_goes_on_in_the_worker_and_nobody_is_locked_out(
        app, database_url, tmp_path, make_user):
    """Redis down must not turn every login into an error page: each worker counts on its own meanwhile."""
    victim, colleague = make_user("nurse"), make_user("nurse")
    server = Server(database_url, tmp_path / "gunicorn.log", workers=1,
                    env={"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}).start()  # nothing listens on port 1
    try:
        cookie, csrf = _login_form(server)
        failures = [_attempt(server, cookie, csrf, victim.username, "wrong password!!") for _ in range(5)]
        assert failures == [200] * 5
        assert _attempt(server, cookie, csrf, victim.username, PASSWORD) == 429
        assert _attempt(server, cookie, csrf, colleague.username, PASSWORD) == 302
    finally:
        server.stop()
