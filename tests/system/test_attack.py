"""bench/attack.py's fast run (issue 26) against gunicorn on the suite's kind of database: every item is tried,
and every one holds."""
from __future__ import annotations

import os

import pytest
import redis

from bench import attack

# The suite's Redis database (the run empties it before each item): CI gives the SQLite and the PostgreSQL suites,
# which run at once, one each; within a suite the tests run one after another.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
ITEMS = {
    "1 lockout bypass by a JSON login", "1 non-object JSON to /login", "2 finalize: wrong passwords throttled",
    "2 password change: wrong passwords throttled", "2 a token revoked by an admin's password reset",
    "2 a token past its expiry refused", "3 a cookie copied before logout refused after",
    "5 input the schema accepts: no 500", "5 an admin's default dose of 1e10 refused", "6 other hostile input: no 500",
    "8 epoch numbers as taken_at refused", "8 a chunked body over 1 MB: 413",
    "8 a name of zero-width characters refused", "8 MRNs compared without case", "8 production refuses SECRET_KEY=x",
    "8 no patient data (parameters) in gunicorn's log",
    "4 audit: the untouched chain verifies", "4 audit: an edited event detected by verify --checkpoint",
    "4 audit: an edit and the chain re-hashed detected by verify --checkpoint",
    "4 audit: the last 3 events removed detected by verify --checkpoint",
    "4 audit: the table emptied detected by verify --checkpoint",
}
ON_POSTGRES = {"4 audit: the app's role may not TRUNCATE", "4 audit: the app's role may not DISABLE TRIGGER"}


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL} (CI requires it)")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return REDIS_URL


def test_every_item_of_the_attack_run_holds(database_url, redis_url):
    kind = "postgres" if database_url.startswith("postgresql") else "sqlite"
    results = {name: (held, seen) for name, held, seen in attack.attack(kind, redis_url, fast=True)}
    assert set(results) == ITEMS | (ON_POSTGRES if kind == "postgres" else set())
    broke = {name: seen for name, (held, seen) in results.items() if not held}
    assert not broke
