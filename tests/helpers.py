"""Helpers shared by the tests: times, API calls and a session made ready to start."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy import event


def now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def ago(minutes: float) -> str:
    """The time `minutes` ago, as the API takes it."""
    return iso(now() - timedelta(minutes=minutes))


def post(client, session_id, action, body, status=200, headers=None):
    """POST to a session's action and check the status; return the JSON answer."""
    response = client.post(f"/api/v1/sessions/{session_id}/{action}", json=body, headers=headers or {})
    assert response.status_code == status, (action, response.get_json())
    return response.get_json()


def ready_to_start(client, session_id, at=None):
    """Confirm a natalizumab session's checks and record its baseline vitals."""
    at = at or now() - timedelta(minutes=50)
    post(client, session_id, "checks", {"codes": ["touch_authorized", "touch_checklist"]})
    post(client, session_id, "vitals", {"taken_at": iso(at), "phase": "baseline", "systolic": 128, "diastolic": 78,
                                        "heart_rate": 72, "resp_rate": 14, "temperature_c": "36.8", "spo2": 98,
                                        "on_oxygen": False, "consciousness": "alert"}, 201)


@contextmanager
def count_queries(app):
    """Count the statements sent to the database inside the block."""
    counts = []
    with app.app_context():
        from clinic.extensions import db

        engine = db.engine

    def on_execute(*_args):
        counts.append(1)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
