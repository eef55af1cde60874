"""The whole session lifecycle through the JSON API, and its refusals (SPEC §4, §8)."""
import json
from datetime import datetime, timedelta

import pytest

from tests.helpers import iso, now, post, ready_to_start


@pytest.fixture
def nurse_api(api):
    return api("nurse")


@pytest.fixture
def natalizumab(nurse_api, make_patient):
    """A checked-in natalizumab session; returns its JSON."""
    patient = make_patient()
    response = nurse_api.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "natalizumab",
                                                       "chair": "4"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_natalizumab_from_check_in_to_finalize(nurse_api, natalizumab):
    sid = natalizumab["id"]
    assert natalizumab["status"] == "planned" and natalizumab["infusion_number"] == 1
    assert natalizumab["dose"] == "300" and natalizumab["dose_unit"] == "mg"
    assert natalizumab["flags"] == [] and natalizumab["serious"] is False
    ready_to_start(nurse_api, sid)
    started = post(nurse_api, sid, "start", {"at": iso(now() - timedelta(minutes=45))})
    assert started["status"] == "infusing"
    post(nurse_api, sid, "vitals", {"taken_at": iso(now() - timedelta(minutes=30)), "phase": "during",
                                     "systolic": 120, "diastolic": 75, "heart_rate": 80}, 201)
    post(nurse_api, sid, "rate", {"rate_ml_h": "100", "at": iso(now() - timedelta(minutes=29))}, 201)
    post(nurse_api, sid, "pause", {"reason": "patient to bathroom", "at": iso(now() - timedelta(minutes=25))})
    post(nurse_api, sid, "resume", {"at": iso(now() - timedelta(minutes=20))})
    reaction = post(nurse_api, sid, "reactions", {"code": "itching", "onset_at": iso(now() - timedelta(minutes=15)),
                                                  "grade": 1, "action": "none"}, 201)
    assert reaction["label"] == "Itching"
    ended = post(nurse_api, sid, "end", {"full_dose": True, "at": iso(now() - timedelta(minutes=70) + timedelta(minutes=58))})
    assert ended["status"] == "observing"
    assert ended["observation_ends_at"] is not None
    end_at = datetime.fromisoformat(ended["ended_at"])
    assert datetime.fromisoformat(ended["observation_ends_at"]) - end_at == timedelta(minutes=60)
    post(nurse_api, sid, "vitals", {"taken_at": iso(now()), "phase": "discharge", "systolic": 118,
                                     "diastolic": 74, "heart_rate": 70}, 201)
    # The observation period is not over: discharge needs a reason.
    refused = nurse_api.post(f"/api/v1/sessions/{sid}/discharge", json={})
    assert refused.status_code == 409 and "early_reason" in refused.get_json()["error"]["fields"]
    discharged = post(nurse_api, sid, "discharge", {"early_reason": "ride waiting; patient well, advised"})
    assert discharged["status"] == "discharged"
    wrong = nurse_api.post(f"/api/v1/sessions/{sid}/finalize", json={"password": "wrong password"})
    assert wrong.status_code == 422 and "password" in wrong.get_json()["error"]["fields"]
    final = post(nurse_api, sid, "finalize", {"password": "correct horse battery"})
    assert final["status"] == "finalized" and len(final["fingerprint"]) == 64
    late = nurse_api.post(f"/api/v1/sessions/{sid}/vitals", json={"taken_at": iso(now()), "phase": "discharge",
                                                                   "heart_rate": 70})
    assert late.status_code == 409
    amendment = nurse_api.post(f"/api/v1/sessions/{sid}/amendments",
                               json={"reason": "lot number typo", "changes": {"lot_number": "AB123"}})
    assert amendment.status_code == 201
    body = amendment.get_json()
    assert body["changes"] == [{"field": "lot_number", "before": None, "after": "AB123"}]
    after = nurse_api.get(f"/api/v1/sessions/{sid}").get_json()
    assert after["fingerprint"] == body["fingerprint"] != final["fingerprint"]
    assert after["lot_number"] == "AB123"


def test_start_is_refused_until_checks_and_baseline_exist(nurse_api, natalizumab):
    sid = natalizumab["id"]
    refused = nurse_api.post(f"/api/v1/sessions/{sid}/start", json={})
    assert refused.status_code == 409
    message = refused.get_json()["error"]["message"]
    assert "TOUCH" in message and "baseline" in message
    post(nurse_api, sid, "checks", {"codes": ["touch_authorized", "touch_checklist"]})
    still = nurse_api.post(f"/api/v1/sessions/{sid}/start", json={})
    assert still.status_code == 409 and "baseline" in still.get_json()["error"]["message"]
    assert nurse_api.get(f"/api/v1/sessions/{sid}").get_json()["status"] == "planned"


def test_second_start_is_refused(nurse_api, natalizumab):
    sid = natalizumab["id"]
    ready_to_start(nurse_api, sid)
    post(nurse_api, sid, "start", {})
    again = nurse_api.post(f"/api/v1/sessions/{sid}/start", json={})
    assert again.status_code == 409 and "infusing" in again.get_json()["error"]["message"]


def test_end_before_start_is_refused_and_nothing_changes(nurse_api, natalizumab):
    sid = natalizumab["id"]
    ready_to_start(nurse_api, sid)
    started = post(nurse_api, sid, "start", {"at": iso(now() - timedelta(minutes=10))})
    refused = nurse_api.post(f"/api/v1/sessions/{sid}/end",
                             json={"full_dose": True, "at": iso(now() - timedelta(minutes=20))})
    assert refused.status_code == 422 and "at" in refused.get_json()["error"]["fields"]
    after = nurse_api.get(f"/api/v1/sessions/{sid}").get_json()
    assert after["status"] == "infusing" and after["version"] == started["version"]


@pytest.mark.parametrize("taken_at, why", [
    ("future", "future"),
    ("naive", "offset"),
])
def test_times_in_the_future_or_without_offset_are_refused(nurse_api, natalizumab, taken_at, why):
    value = iso(now() + timedelta(minutes=5)) if taken_at == "future" else "2026-01-01T10:00:00"
    response = nurse_api.post(f"/api/v1/sessions/{natalizumab['id']}/vitals",
                              json={"taken_at": value, "phase": "baseline", "heart_rate": 70})
    assert response.status_code == 422
    assert why in " ".join(response.get_json()["error"]["fields"]["taken_at"])
    assert nurse_api.get(f"/api/v1/sessions/{natalizumab['id']}").get_json()["vitals"] == []


@pytest.mark.parametrize("field, value", [
    ("systolic", 39), ("systolic", 301), ("diastolic", 19), ("heart_rate", 251), ("heart_rate", 19),
    ("resp_rate", 3), ("resp_rate", 61), ("temperature_c", "29.9"), ("temperature_c", "44.1"), ("spo2", 49),
    ("spo2", 101), ("pain", 11), ("pain", -1), ("temperature_c", "NaN"), ("temperature_c", "Infinity"),
    ("heart_rate", 10**20),
])
def test_impossible_vitals_are_refused_with_the_field_named(nurse_api, natalizumab, field, value):
    response = nurse_api.post(f"/api/v1/sessions/{natalizumab['id']}/vitals",
                              json={"taken_at": iso(now()), "phase": "baseline", field: value})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("values", [
    {"systolic": 75, "diastolic": 40}, {"spo2": 85}, {"temperature_c": "39.5"}, {"heart_rate": 165},
])
def test_concerning_but_possible_vitals_are_stored(nurse_api, natalizumab, values):
    response = nurse_api.post(f"/api/v1/sessions/{natalizumab['id']}/vitals",
                              json={"taken_at": iso(now()), "phase": "baseline", **values})
    assert response.status_code == 201
    for key, value in values.items():
        assert str(response.get_json()[key]) == str(value)


def test_diastolic_must_be_below_systolic(nurse_api, natalizumab):
    response = nurse_api.post(f"/api/v1/sessions/{natalizumab['id']}/vitals",
                              json={"taken_at": iso(now()), "phase": "baseline", "systolic": 100, "diastolic": 100})
    assert response.status_code == 422 and "diastolic" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("body, field", [
    ({"code": "not_a_reaction", "grade": 2, "action": "none"}, "code"),
    ({"code": "itching", "grade": 0, "action": "none"}, "grade"),
    ({"code": "itching", "grade": 6, "action": "none"}, "grade"),
    ({"code": "itching", "grade": 2, "action": "dance"}, "action"),
])
def test_bad_reactions_are_refused(nurse_api, natalizumab, body, field):
    response = nurse_api.post(f"/api/v1/sessions/{natalizumab['id']}/reactions",
                              json={"onset_at": iso(now()), **body})
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert nurse_api.get(f"/api/v1/sessions/{natalizumab['id']}").get_json()["reactions"] == []


def test_stale_if_match_is_a_conflict_and_current_version_proceeds(nurse_api, natalizumab):
    sid, version = natalizumab["id"], natalizumab["version"]
    post(nurse_api, sid, "checks", {"codes": ["touch_authorized"]}, headers={"If-Match": str(version)})
    stale = nurse_api.post(f"/api/v1/sessions/{sid}/checks", json={"codes": ["touch_checklist"]},
                           headers={"If-Match": str(version)})
    assert stale.status_code == 409
    current = nurse_api.get(f"/api/v1/sessions/{sid}").get_json()
    assert current["checks_confirmed"] == ["touch_authorized"]
    post(nurse_api, sid, "checks", {"codes": ["touch_checklist"]}, headers={"If-Match": str(current["version"])})


def test_discharge_during_observation_without_reason_is_refused(nurse_api, natalizumab):
    sid = natalizumab["id"]
    ready_to_start(nurse_api, sid)
    post(nurse_api, sid, "start", {"at": iso(now() - timedelta(minutes=40))})
    post(nurse_api, sid, "end", {"full_dose": True, "at": iso(now() - timedelta(minutes=5))})
    post(nurse_api, sid, "vitals", {"taken_at": iso(now()), "phase": "observation", "heart_rate": 70}, 201)
    refused = nurse_api.post(f"/api/v1/sessions/{sid}/discharge", json={})
    assert refused.status_code == 409  # something the discharge needs is missing (SPEC §4)
    assert "observation period is not over" in refused.get_json()["error"]["fields"]["early_reason"][0]


def test_voided_vitals_stay_visible(nurse_api, natalizumab):
    sid = natalizumab["id"]
    vitals = post(nurse_api, sid, "vitals", {"taken_at": iso(now()), "phase": "baseline", "heart_rate": 200}, 201)
    missing_reason = nurse_api.post(f"/api/v1/sessions/{sid}/vitals/{vitals['id']}/void", json={})
    assert missing_reason.status_code == 422
    voided = post(nurse_api, sid, f"vitals/{vitals['id']}/void", {"reason": "wrong patient"})
    assert voided["voided"] is True and voided["void_reason"] == "wrong patient"
    session = nurse_api.get(f"/api/v1/sessions/{sid}").get_json()
    assert session["vitals"][0]["voided"] is True


def test_unknown_session_is_404(nurse_api):
    response = nurse_api.get("/api/v1/sessions/99999")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_malformed_json_is_400(nurse_api, natalizumab):
    response = nurse_api.client.post(f"/api/v1/sessions/{natalizumab['id']}/vitals", data="{not json",
                                     headers={**nurse_api.headers, "Content-Type": "application/json"})
    assert response.status_code == 400


def _given_earlier(ctx, session_id, days_ago=30):
    """Mark a checked-in session as an infusion given on an earlier day (its lifecycle is tested elsewhere)."""
    from sqlalchemy import update

    from clinic.extensions import db
    from clinic.models import InfusionSession

    earlier = now() - timedelta(days=days_ago)
    with ctx():
        db.session.execute(update(InfusionSession).where(InfusionSession.id == session_id).values(
            status="finalized", started_at=earlier, ended_at=earlier + timedelta(hours=1),
            session_date=earlier.date()))
        db.session.commit()


def test_infusion_number_counts_earlier_sessions(nurse_api, make_patient, ctx):
    patient = make_patient()
    first = nurse_api.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "ocrelizumab"}).get_json()
    _given_earlier(ctx, first["id"])
    second = nurse_api.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "ocrelizumab"}).get_json()
    assert (first["infusion_number"], second["infusion_number"]) == (1, 2)
    assert second["required_premedications"] == ["methylprednisolone_100", "antihistamine"]


def test_alemtuzumab_corticosteroid_required_on_the_first_three_days_of_every_course(nurse_api, make_patient, ctx):
    patient = make_patient()
    required = []
    for number in range(1, 10):  # a day apart within a course, a year between courses: 2 years ago to 9 days ago
        s = nurse_api.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "alemtuzumab"}).get_json()
        required.append(bool(s["required_premedications"]))
        _given_earlier(ctx, s["id"], days_ago={1: 740, 2: 739, 3: 738, 4: 737, 5: 736, 6: 370, 7: 369, 8: 368,
                                               9: 2}[number])
    assert required == [True, True, True, False, False, True, True, True, True]  # 9: course 3, day 1


def test_patient_register_search_and_duplicate(nurse_api):
    body = {"mrn": "MRN-9", "first_name": "Zoë", "last_name": "O'Brien", "date_of_birth": "1980-05-01"}
    created = nurse_api.post("/api/v1/patients", json=body)
    assert created.status_code == 201 and created.get_json()["id"]
    duplicate = nurse_api.post("/api/v1/patients", json=body)
    assert duplicate.status_code == 409
    for q in ("MRN-9", "o'bri", "zoë"):
        found = nurse_api.get(f"/api/v1/patients?q={q}").get_json()
        assert [p["mrn"] for p in found] == ["MRN-9"], q
    future = nurse_api.post("/api/v1/patients", json={**body, "mrn": "MRN-10", "date_of_birth": "2999-01-01"})
    assert future.status_code == 422 and "date_of_birth" in future.get_json()["error"]["fields"]


def test_catalog_endpoints(nurse_api):
    drugs = nurse_api.get("/api/v1/catalog/drugs").get_json()
    by_code = {d["code"]: d for d in drugs}
    assert set(by_code) == {"ocrelizumab", "ocrelizumab_sc", "ublituximab", "natalizumab", "natalizumab_sztn",
                            "alemtuzumab", "ivig", "methylprednisolone", "rituximab", "cyclophosphamide"}
    assert [c["code"] for c in by_code["natalizumab"]["checks"]] == ["touch_authorized", "touch_checklist"]
    ocrevus = by_code["ocrelizumab"]
    assert [p["brand"] for p in by_code["rituximab"]["products"]] == ["Rituxan", "Truxima", "Ruxience", "Riabni"]
    assert [(row["infusions"], row["dose"]["amount"]) for row in ocrevus["protocol"]] == [
        ({"first": 1, "last": 1}, "300"), ({"first": 2, "last": 2}, "300"), ({"first": 3, "last": None}, "600")]
    assert [plan["code"] for plan in ocrevus["protocol"][2]["plans"]] == ["standard", "shorter"]
    assert {"code": "hepatitis_b_screening", "infusions": "1"}.items() <= next(
        c for c in ocrevus["checks"] if c["code"] == "hepatitis_b_screening").items()
    reactions = nurse_api.get("/api/v1/catalog/reactions").get_json()
    assert len(reactions) == 23 and {"code", "label", "group"} <= set(reactions[0])


def test_openapi_document_lists_the_endpoints(app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/sessions/{session_id}/vitals" in doc["paths"]
    assert "VitalsIn" in doc["components"]["schemas"]


def test_a_second_open_session_of_the_same_drug_is_refused(nurse_api, make_patient):
    patient = make_patient()
    first = nurse_api.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "natalizumab"})
    assert first.status_code == 201 and first.get_json()["infusion_number"] == 1
    second = nurse_api.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "natalizumab"})
    assert second.status_code == 409 and "already has an open Tysabri session" in second.get_json()["error"]["message"]
    other_drug = nurse_api.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "ivig", "weight_kg": "70"})
    assert other_drug.status_code == 201
    post(nurse_api, first.get_json()["id"], "cancel", {"reason": "patient unwell"})
    again = nurse_api.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "natalizumab"})
    assert again.status_code == 201 and again.get_json()["infusion_number"] == 1


def test_an_expired_lot_is_refused_naming_the_field(nurse_api, make_patient):
    response = nurse_api.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab",
                                                        "lot_number": "OLD", "lot_expiry": "2020-01-01"})
    assert response.status_code == 422
    assert "expired" in response.get_json()["error"]["fields"]["lot_expiry"][0]


def test_field_errors_are_in_plain_words(nurse_api, natalizumab):
    sid = natalizumab["id"]

    def fields(rule, body):
        response = nurse_api.post(f"/api/v1/sessions/{sid}/{rule}", json=body)
        assert response.status_code == 422, response.get_json()
        return response.get_json()["error"]["fields"]

    assert fields("checks", {"codes": []}) == {"codes": ["choose at least one"]}
    assert fields("vitals", {"taken_at": iso(now()), "phase": "baseline", "temperature_c": "50"}) == {
        "temperature_c": ["must be at most 44.0"]}
    assert fields("vitals", {"taken_at": iso(now()), "phase": "baseline", "heart_rate": "fast"}) == {
        "heart_rate": ["must be a whole number"]}
    assert fields("pause", {"reason": ""})["reason"] == ["is required"]


def test_stored_flags_are_the_rules_verdict_on_the_whole_charted_session(nurse_api, natalizumab, ctx, app):
    """The flags are kept from a lean read of the entries; they must equal the rules run on the full record."""
    from zoneinfo import ZoneInfo

    sid = natalizumab["id"]
    ready_to_start(nurse_api, sid, at=now() - timedelta(minutes=60))
    post(nurse_api, sid, "start", {"at": iso(now() - timedelta(minutes=55))})
    readings = [{"systolic": 84, "diastolic": 50, "heart_rate": 118}, {"temperature_c": "38.4", "spo2": 90},
                {"resp_rate": 26, "consciousness": "voice", "on_oxygen": True}]
    ids = [post(nurse_api, sid, "vitals", {"taken_at": iso(now() - timedelta(minutes=50 - 5 * i)), "phase": "during",
                                           **values}, 201)["id"] for i, values in enumerate(readings)]
    post(nurse_api, sid, f"vitals/{ids[1]}/void", {"reason": "wrong patient's thermometer"})
    post(nurse_api, sid, "reactions", {"code": "itching", "onset_at": iso(now() - timedelta(minutes=20)),
                                       "grade": 2, "action": "paused"}, 201)
    assert_stored_flags_are_the_rules_verdict(nurse_api, sid, ctx, app)
    # The last change a reading: its flags come from the reading just stored.
    post(nurse_api, sid, "vitals", {"taken_at": iso(now() - timedelta(minutes=10)), "phase": "during",
                                    "temperature_c": "38.1", "spo2": 95}, 201)
    expected = assert_stored_flags_are_the_rules_verdict(nurse_api, sid, ctx, app)
    assert {"hypotension", "news2_urgent", "moderate_reaction", "fever"} <= {f.code for f in expected}
    assert [f.message for f in expected if f.code == "fever"] == [
        "Warning: temperature 38.1 °C at " + (now() - timedelta(minutes=10)).astimezone(
            ZoneInfo(app.config["CLINIC_TIMEZONE"])).strftime("%H:%M") + ", 38.0 or higher"]


def test_every_kind_of_entry_reaches_the_rules_and_the_voided_raise_nothing(nurse_api, make_patient, ctx, app):
    """Readings, reactions, events and premedications reach the rules through the one read: each kind raises its
    flag, a voided reading or reaction raises none, and every field of a reading is in the record."""
    sid = nurse_api.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "ocrelizumab"}
                         ).get_json()["id"]
    at = now() - timedelta(minutes=90)
    post(nurse_api, sid, "premedications", {"code": "methylprednisolone_100", "given_at": iso(at), "dose": "100 mg"},
         201)
    post(nurse_api, sid, "premedications", {"code": "antihistamine", "not_given_reason": "declined"}, 201)
    post(nurse_api, sid, "checks", {"codes": ["no_active_infection", "hepatitis_b_screening"]})
    post(nurse_api, sid, "vitals", {"taken_at": iso(at), "phase": "baseline", "systolic": 124, "heart_rate": 70}, 201)
    post(nurse_api, sid, "start", {"at": iso(at + timedelta(minutes=5))})
    fever = post(nurse_api, sid, "vitals", {"taken_at": iso(at + timedelta(minutes=10)), "phase": "during",
                                            "temperature_c": "38.5"}, 201)
    rash = post(nurse_api, sid, "reactions", {"code": "rash", "onset_at": iso(at + timedelta(minutes=15)), "grade": 2,
                                              "action": "none"}, 201)
    post(nurse_api, sid, "pause", {"at": iso(at + timedelta(minutes=20)), "reason": "flushing",
                                   "due_to_reaction": True})
    expected = assert_stored_flags_are_the_rules_verdict(nurse_api, sid, ctx, app)
    assert {f.code for f in expected} >= {"premedication_missed", "fever", "moderate_reaction", "infusion_interrupted"}
    assert {e.kind for f in expected for e in f.evidence} >= {"vitals", "reaction", "event", "premedication"}

    post(nurse_api, sid, f"vitals/{fever['id']}/void", {"reason": "thermometer of the next chair"})
    post(nurse_api, sid, f"reactions/{rash['id']}/void", {"reason": "charted on the wrong patient"})
    expected = assert_stored_flags_are_the_rules_verdict(nurse_api, sid, ctx, app)
    assert {f.code for f in expected} & {"fever", "moderate_reaction"} == set()
    assert {f.code for f in expected} >= {"premedication_missed", "infusion_interrupted"}
    # A field no rule reads today is in the record all the same (a rule on pain must see it).
    pain = post(nurse_api, sid, "vitals", {"taken_at": iso(at + timedelta(minutes=25)), "phase": "during",
                                           "pain": 7, "consciousness": "alert"}, 201)
    from clinic.services.records import build_record, load_session

    with ctx():
        record = build_record(load_session(sid, people=False))
    reading = next(v for v in record.vitals if v.id == pain["id"])
    assert (reading.pain, reading.consciousness) == (7, "alert")
    assert reading.charted_at.isoformat() == pain["charted_at"]
    assert {v.id for v in record.vitals if v.voided} == {fever["id"]}


def assert_stored_flags_are_the_rules_verdict(client, sid, ctx, app):
    from zoneinfo import ZoneInfo

    from clinic.domain.flags import evaluate
    from clinic.services.records import build_record, load_session

    stored = client.get(f"/api/v1/sessions/{sid}").get_json()
    with ctx():
        expected = evaluate(build_record(load_session(sid)), ZoneInfo(app.config["CLINIC_TIMEZONE"]))
    assert [f["code"] for f in stored["flags"]] == [f.code for f in expected]
    assert [f["message"] for f in stored["flags"]] == [f.message for f in expected]
    assert [[e["id"] for e in f["evidence"]] for f in stored["flags"]] == [[e.id for e in f.evidence] for f in expected]
    return expected


def test_the_nurse_who_ended_undoes_the_end_within_ten_minutes(nurse_api, natalizumab, api, app):
    sid = natalizumab["id"]
    ready_to_start(nurse_api, sid)
    post(nurse_api, sid, "start", {"at": iso(now() - timedelta(minutes=40))})
    ended = post(nurse_api, sid, "end", {"full_dose": True})
    assert ended["status"] == "observing"
    other = api("nurse").post(f"/api/v1/sessions/{sid}/undo-end", json={})
    assert other.status_code == 409 and "only the nurse who ended it" in other.get_json()["error"]["message"]
    stale = nurse_api.post(f"/api/v1/sessions/{sid}/undo-end", json={}, headers={"If-Match": str(ended["version"] - 1)})
    assert stale.status_code == 409
    undone = post(nurse_api, sid, "undo-end", {}, headers={"If-Match": str(ended["version"])})
    assert undone["status"] == "infusing" and undone["ended_at"] is None and undone["observation_ends_at"] is None
    assert undone["version"] == ended["version"] + 1
    with app.app_context():
        from sqlalchemy import select

        from clinic.extensions import db
        from clinic.models import AuditEvent

        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "infusion_end_undone")).one()
        details = json.loads(event.details)
        assert details["undone"]["full_dose"] is True and details["session_id"] == sid
    again = nurse_api.post(f"/api/v1/sessions/{sid}/undo-end", json={})
    assert again.status_code == 409 and "infusing" in again.get_json()["error"]["message"]
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    assert "post" in doc["paths"]["/api/v1/sessions/{session_id}/undo-end"]


def test_an_end_older_than_ten_minutes_stays(nurse_api, natalizumab, app):
    sid = natalizumab["id"]
    ready_to_start(nurse_api, sid)
    post(nurse_api, sid, "start", {"at": iso(now() - timedelta(minutes=40))})
    post(nurse_api, sid, "end", {"full_dose": False})
    with app.app_context():
        from clinic.extensions import db
        from clinic.models import InfusionSession

        db.session.get(InfusionSession, sid).ended_charted_at = now() - timedelta(minutes=10, seconds=5)
        db.session.commit()
    late = nurse_api.post(f"/api/v1/sessions/{sid}/undo-end", json={})
    assert late.status_code == 409 and "more than 10 minutes ago" in late.get_json()["error"]["message"]
    assert nurse_api.get(f"/api/v1/sessions/{sid}").get_json()["status"] == "observing"
