"""Helpers shared by the tests: times, API calls and a session made ready to start."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

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


# A prescriber's override, for a test that gives the same patient another dose before the protocol's interval
# (or after a do-not-re-treat alert).
OVERRIDE = {"prescriber": "Dr Test Prescriber", "reason": "the test gives this patient another dose now"}


def check_in(client, patient_id, drug, status=201, **fields):
    """Check a patient in through the API; return the session's JSON."""
    response = client.post("/api/v1/sessions", json={"patient_id": patient_id, "drug": drug, **fields})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def started_session(client, patient_id, drug, started_minutes_ago=90, **fields) -> int:
    """A session checked in and started: its required checks confirmed, its required premedications given
    and a baseline reading taken before the start. Returns its id."""
    session = check_in(client, patient_id, drug, **fields)
    if session["required_checks"]:
        post(client, session["id"], "checks", {"codes": session["required_checks"]})
    for code in session["required_premedications"]:
        post(client, session["id"], "premedications", {"code": code, "given_at": ago(started_minutes_ago + 10)}, 201)
    post(client, session["id"], "vitals", {"taken_at": ago(started_minutes_ago + 5), "phase": "baseline",
                                           "systolic": 120, "diastolic": 80}, 201)
    post(client, session["id"], "start", {"at": ago(started_minutes_ago)})
    return session["id"]


def tysabri_anaphylaxis(client, patient_id, **fields) -> int:
    """Issue 23's Tysabri anaphylaxis, charted as it happened: four reactions (one with an emergency response)
    and four flagged readings, eleven flags or more, the anaphylaxis among them. Returns the session's id."""
    sid = started_session(client, patient_id, "natalizumab", started_minutes_ago=30, **fields)
    for code, grade, action, minutes in (("hives", 2, "paused", 20), ("trouble_breathing", 3, "stopped", 19),
                                         ("nausea", 2, "medication_given", 18),
                                         ("swelling_mouth_throat", 4, "emergency_response", 17)):
        post(client, sid, "reactions", {"code": code, "grade": grade, "action": action, "onset_at": ago(minutes)}, 201)
    for minutes, values in ((16, {"systolic": 84, "diastolic": 50}), (12, {"temperature_c": "38.4"}),
                            (8, {"systolic": 190, "diastolic": 112}), (4, {"temperature_c": "38.6"})):
        post(client, sid, "vitals", {"taken_at": ago(minutes), "phase": "during", **values}, 201)
    return sid


class _FormReader(HTMLParser):
    """Collect what a browser would submit from a page's forms (text, number, date, hidden, ticked boxes, selects)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str | list[str]] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def _put(self, name, value):
        if name in self.fields:
            known = self.fields[name]
            self.fields[name] = (known if isinstance(known, list) else [known]) + [value]
        else:
            self.fields[name] = value

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._put(name, attrs.get("value", "on"))
            elif kind not in ("submit", "button", "reset", "file"):
                self._put(name, attrs.get("value", ""))
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._put(self._select, value)
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if self._select not in self.fields:
                self.fields[self._select] = self._select_first or ""
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str) -> dict[str, str | list[str]]:
    """The values a browser would submit from the page's form fields, by name (a list where a name repeats)."""
    reader = _FormReader()
    reader.feed(html)
    return reader.fields
