"""Flags flow into the review queue (SPEC §5, §7)."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from clinic.services import review as review_service
from tests.helpers import post, ready_to_start


def now():
    return datetime.now(timezone.utc)


@pytest.fixture
def started(api, make_patient):
    """Return a function that makes a started natalizumab session."""
    nurse = api("nurse")

    def make():
        patient = make_patient()
        sid = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "natalizumab"}).get_json()["id"]
        ready_to_start(nurse, sid)
        post(nurse, sid, "start", {"at": (now() - timedelta(minutes=40)).isoformat()})
        return sid

    make.nurse = nurse
    return make


def test_trouble_breathing_puts_the_session_first_in_the_queue(api, started):
    nurse, supervisor = started.nurse, api("supervisor")
    warning_sid = started()
    post(nurse, warning_sid, "reactions", {"code": "headache", "grade": 2, "action": "none",
                                          "onset_at": (now() - timedelta(minutes=5)).isoformat()}, 201)
    serious_sid = started()
    post(nurse, serious_sid, "reactions", {"code": "trouble_breathing", "grade": 3, "action": "paused",
                                          "onset_at": (now() - timedelta(minutes=30)).isoformat()}, 201)
    session = nurse.get(f"/api/v1/sessions/{serious_sid}").get_json()
    assert session["serious"] is True
    assert {"serious_reaction", "high_grade", "infusion_interrupted"} <= {f["code"] for f in session["flags"]}
    assert any(f["message"].startswith("Serious:") for f in session["flags"])
    queue = supervisor.get("/api/v1/review/queue").get_json()
    assert [item["session_id"] for item in queue] == [serious_sid, warning_sid]
    assert queue[0]["serious"] is True and queue[1]["serious"] is False
    assert {"session_id", "patient_id", "drug", "serious", "flags"} <= set(queue[0])


def test_a_queue_longer_than_its_limit_keeps_the_serious_ones_then_the_newest(api, started, ctx):
    nurse = started.nurse
    serious_sid, older_sid, newer_sid = started(), started(), started()
    post(nurse, serious_sid, "reactions", {"code": "trouble_breathing", "grade": 3, "action": "paused",
                                          "onset_at": (now() - timedelta(minutes=30)).isoformat()}, 201)
    for sid in (older_sid, newer_sid):  # flagged after the serious one, the newer last
        post(nurse, sid, "reactions", {"code": "headache", "grade": 2, "action": "none",
                                       "onset_at": (now() - timedelta(minutes=5)).isoformat()}, 201)
    with ctx():
        shown = review_service.queue(limit=2)
    assert [(item.session_id, item.serious) for item in shown] == [(serious_sid, True), (newer_sid, False)]


def test_review_takes_it_out_and_a_new_flag_puts_it_back(api, started):
    nurse, supervisor = started.nurse, api("supervisor")
    sid = started()
    post(nurse, sid, "reactions", {"code": "hives", "grade": 2, "action": "medication_given",
                                   "medication": "diphenhydramine 25 mg IV",
                                   "onset_at": (now() - timedelta(minutes=20)).isoformat()}, 201)
    assert [i["session_id"] for i in supervisor.get("/api/v1/review/queue").get_json()] == [sid]
    review = supervisor.post(f"/api/v1/sessions/{sid}/review", json={"outcome": "acknowledged", "note": "ok"})
    assert review.status_code == 201
    assert supervisor.get("/api/v1/review/queue").get_json() == []
    # The same flags again (a harmless change) keep it out of the queue...
    post(nurse, sid, "vitals", {"taken_at": now().isoformat(), "phase": "during", "heart_rate": 72}, 201)
    assert supervisor.get("/api/v1/review/queue").get_json() == []
    # ...a new flag brings it back.
    post(nurse, sid, "vitals", {"taken_at": now().isoformat(), "phase": "during", "temperature_c": "38.4"}, 201)
    assert [i["session_id"] for i in supervisor.get("/api/v1/review/queue").get_json()] == [sid]


def test_nurses_cannot_see_or_use_the_queue(api, started, login):
    nurse = started.nurse
    sid = started()
    assert nurse.get("/api/v1/review/queue").status_code == 403
    assert nurse.post(f"/api/v1/sessions/{sid}/review", json={"outcome": "acknowledged"}).status_code == 403
    assert login("nurse").get("/review/").status_code == 403


def test_review_outcome_is_validated(api, started):
    supervisor = api("supervisor")
    sid = started()
    post(started.nurse, sid, "reactions", {"code": "headache", "grade": 2, "action": "none",
                                           "onset_at": now().isoformat()}, 201)
    bad = supervisor.post(f"/api/v1/sessions/{sid}/review", json={"outcome": "ignored"})
    assert bad.status_code == 422 and "outcome" in bad.get_json()["error"]["fields"]


def test_voiding_the_reaction_clears_its_flags(api, started):
    nurse, supervisor = started.nurse, api("supervisor")
    sid = started()
    entry = post(nurse, sid, "reactions", {"code": "chest_pain", "grade": 3, "action": "stopped",
                                           "onset_at": now().isoformat()}, 201)
    post(nurse, sid, f"reactions/{entry['id']}/void", {"reason": "charted on the wrong patient"})
    session = nurse.get(f"/api/v1/sessions/{sid}").get_json()
    assert session["flags"] == [] and session["serious"] is False
    assert supervisor.get("/api/v1/review/queue").get_json() == []


def test_web_queue_review(api, started, login):
    nurse = started.nurse
    sid = started()
    post(nurse, sid, "reactions", {"code": "trouble_breathing", "grade": 3, "action": "stopped",
                                   "onset_at": now().isoformat()}, 201)
    web = login("supervisor")
    page = web.get("/review/").get_data(as_text=True)
    assert "Serious" in page and "Trouble breathing or wheezing" in page
    response = web.post(f"/review/{sid}", {f"review-{sid}-outcome": "escalated",
                                           f"review-{sid}-note": "called the neurologist"})
    assert response.status_code == 302
    assert "Nothing to review." in web.get("/review/").get_data(as_text=True)


def _reaction(nurse, sid, code, grade, action="none"):
    post(nurse, sid, "reactions", {"code": code, "grade": grade, "action": action,
                                   "onset_at": (now() - timedelta(minutes=10)).isoformat()}, 201)


def test_a_serious_session_needs_a_note_and_nothing_is_saved_without_one(api, started):
    supervisor = api("supervisor")
    sid = started()
    _reaction(started.nurse, sid, "trouble_breathing", 3)
    for body in ({"outcome": "acknowledged"}, {"outcome": "acknowledged", "note": "   "}):
        refused = supervisor.post(f"/api/v1/sessions/{sid}/review", json=body)
        assert refused.status_code == 422 and list(refused.get_json()["error"]["fields"]) == ["note"]
    assert [i["session_id"] for i in supervisor.get("/api/v1/review/queue").get_json()] == [sid]
    ok = supervisor.post(f"/api/v1/sessions/{sid}/review", json={"outcome": "escalated", "note": "neurologist told"})
    assert ok.status_code == 201 and ok.get_json()["note"] == "neurologist told"


def test_a_warning_only_session_may_be_reviewed_without_a_note(api, started):
    supervisor = api("supervisor")
    sid = started()
    _reaction(started.nurse, sid, "headache", 2)
    assert supervisor.post(f"/api/v1/sessions/{sid}/review", json={"outcome": "acknowledged"}).status_code == 201


def test_no_outcome_is_taken_for_granted(api, started):
    supervisor = api("supervisor")
    sid = started()
    _reaction(started.nurse, sid, "headache", 2)
    refused = supervisor.post(f"/api/v1/sessions/{sid}/review", json={"note": "seen"})
    assert refused.status_code == 422 and "outcome" in refused.get_json()["error"]["fields"]


def test_the_queue_page_preselects_no_outcome_and_shows_one_headline_per_event(started, login):
    sid = started()
    _reaction(started.nurse, sid, "trouble_breathing", 3, action="stopped")
    page = login("supervisor").get("/review/").get_data(as_text=True)
    select = re.search(rf'<select[^>]*name="review-{sid}-outcome".*?</select>', page, re.S).group(0)
    assert re.findall(r"<option[^>]*>", select)[0] == '<option selected value="">'
    assert select.count("selected") == 1
    headlines = re.findall(r'<li class="flag serious"><strong>(.*?)</strong>', page)
    assert len(headlines) == 1 and headlines[0].startswith("Serious: Trouble breathing or wheezing at")
    under = re.search(r'<ul class="flag-words">(.*?)</ul>', page, re.S).group(1)
    assert "Serious: grade 3 reaction" in under and "Warning: infusion stopped" in under
    assert "Required: this session has a serious flag." in page


def test_the_queue_page_refuses_a_serious_review_without_a_note_and_keeps_what_was_chosen(started, login):
    sid = started()
    _reaction(started.nurse, sid, "trouble_breathing", 3)
    web = login("supervisor")
    web.get("/review/")
    refused = web.post(f"/review/{sid}", {f"review-{sid}-outcome": "escalated", f"review-{sid}-note": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Note: is required when a flag is serious" in page
    assert re.search(r'<option selected value="escalated">', page)
    no_outcome = web.post(f"/review/{sid}", {f"review-{sid}-outcome": "", f"review-{sid}-note": "seen"})
    assert no_outcome.status_code == 422 and "Outcome: Choose an outcome." in no_outcome.get_data(as_text=True)
    assert f"review-{sid}-outcome" in web.get("/review/").get_data(as_text=True), "still in the queue"
