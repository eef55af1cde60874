"""Check-in and the chair follow the protocol (issue 22; SPEC §4, §8; DOMAIN.md §1) through the JSON API."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.helpers import OVERRIDE, ago, check_in, now, post, started_session


@pytest.fixture
def nurse(api):
    return api("nurse")


def history(client, patient_id, drug, infusions, days_ago, had_reaction=False, status=201):
    response = client.post(f"/api/v1/patients/{patient_id}/history", json={
        "drug": drug, "infusions": infusions, "last_infusion_on": (date.today() - timedelta(days=days_ago)).isoformat(),
        "had_reaction": had_reaction, "source": "referral letter, Dr Lee"})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def finish(client, session_id):
    post(client, session_id, "end", {"full_dose": True, "at": ago(5)})


def test_an_ocrevus_patient_transferred_in_after_two_infusions_elsewhere(nurse, make_patient):
    patient = make_patient()
    history(nurse, patient.id, "ocrelizumab", 2, days_ago=170)
    session = check_in(nurse, patient.id, "ocrelizumab")
    assert (session["infusion_number"], session["dose"], session["dose_unit"]) == (3, "600", "mg")
    assert session["rate_plan_code"] == "standard" and session["observation_minutes"] == 60
    assert [step["rate_ml_h"] for step in session["rate_plan"]] == ["40", "80", "120", "160", "200"]
    assert session["rate_plan"][-1]["minutes"] is None
    assert session["required_checks"] == ["no_active_infection"]  # hepatitis B only before infusion 1
    assert session["product"]["brand"] == "Ocrevus" and session["flags"] == []
    patient_json = nurse.get(f"/api/v1/patients/{patient.id}").get_json()
    assert patient_json["history"][0]["infusions"] == 2 and patient_json["alerts"] == []


def test_the_shorter_ocrevus_plan_on_request_and_not_after_a_reaction_elsewhere(nurse, make_patient):
    patient = make_patient()
    history(nurse, patient.id, "ocrelizumab", 2, days_ago=170)
    shorter = check_in(nurse, patient.id, "ocrelizumab", rate_plan="shorter")
    assert [step["rate_ml_h"] for step in shorter["rate_plan"]] == ["100", "200", "250", "300"]
    other = make_patient()
    history(nurse, other.id, "ocrelizumab", 2, days_ago=170, had_reaction=True)
    refused = nurse.post("/api/v1/sessions", json={"patient_id": other.id, "drug": "ocrelizumab", "rate_plan": "shorter"})
    assert refused.status_code == 422 and "rate_plan" in refused.get_json()["error"]["fields"]


def test_a_dose_too_soon_is_refused_naming_the_dates_unless_a_prescriber_overrides(nurse, make_patient):
    patient = make_patient()
    first = started_session(nurse, patient.id, "ocrelizumab")
    finish(nurse, first)
    post(nurse, first, "discharge", {"early_reason": "the test checks the patient in again"})
    refused = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "ocrelizumab"})
    error = refused.get_json()["error"]
    assert refused.status_code == 409 and error["code"] == "interval_short"
    today = date.today()
    assert today.isoformat() in error["message"] and (today + timedelta(days=13)).isoformat() in error["message"]
    assert "override" in error["fields"]
    session = check_in(nurse, patient.id, "ocrelizumab", override=OVERRIDE)
    assert session["infusion_number"] == 2 and session["overrides"][0]["kind"] == "interval"
    flag = next(f for f in session["flags"] if f["code"] == "interval_short")
    assert flag["level"] == "warning" and "Dr Test Prescriber" in flag["message"]


def test_tysabri_hives_stop_the_next_dose_of_either_natalizumab(nurse, api, make_patient):
    patient = make_patient()
    session_id = started_session(nurse, patient.id, "natalizumab")
    hives = post(nurse, session_id, "reactions", {"code": "hives", "grade": 1, "action": "medication_given",
                                                  "onset_at": ago(40)}, 201)
    alerts = nurse.get(f"/api/v1/patients/{patient.id}").get_json()["alerts"]
    assert len(alerts) == 1 and alerts[0]["drugs"] == ["natalizumab", "natalizumab_sztn"]
    assert alerts[0]["session_id"] == session_id and alerts[0]["lifted_at"] is None
    finish(nurse, session_id)
    post(nurse, session_id, "discharge", {"early_reason": "the test checks the patient in again"})
    for drug in ("natalizumab", "natalizumab_sztn"):
        refused = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": drug})
        assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "retreat_alert", drug
    assert nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "ocrelizumab"}).status_code == 201
    overridden = check_in(nurse, patient.id, "natalizumab_sztn", override=OVERRIDE)
    assert "retreat_override" in [f["code"] for f in overridden["flags"]]
    assert hives["code"] == "hives"


def test_a_voided_qualifying_reaction_lifts_its_alert(nurse, make_patient):
    patient = make_patient()
    session_id = started_session(nurse, patient.id, "natalizumab")
    hives = post(nurse, session_id, "reactions", {"code": "hives", "grade": 1, "action": "none",
                                                  "onset_at": ago(40)}, 201)
    post(nurse, session_id, f"reactions/{hives['id']}/void", {"reason": "charted on the wrong patient"})
    alert = nurse.get(f"/api/v1/patients/{patient.id}").get_json()["alerts"][0]
    assert alert["lifted_at"] is not None and "voided" in alert["lift_reason"]


def test_only_a_supervisor_lifts_an_alert_and_it_stays_in_the_history(nurse, api, make_patient):
    patient = make_patient()
    session_id = started_session(nurse, patient.id, "natalizumab")
    post(nurse, session_id, "reactions", {"code": "trouble_breathing", "grade": 3, "action": "emergency_response",
                                          "onset_at": ago(40)}, 201)
    alert_id = nurse.get(f"/api/v1/patients/{patient.id}").get_json()["alerts"][0]["id"]
    assert nurse.post(f"/api/v1/patients/{patient.id}/alerts/{alert_id}/lift",
                      json={"reason": "allergist cleared"}).status_code == 403
    supervisor = api("supervisor")
    empty = supervisor.post(f"/api/v1/patients/{patient.id}/alerts/{alert_id}/lift", json={"reason": ""})
    assert empty.status_code == 422 and "reason" in empty.get_json()["error"]["fields"]
    lifted = supervisor.post(f"/api/v1/patients/{patient.id}/alerts/{alert_id}/lift",
                             json={"reason": "allergist: it was the premedication"})
    assert lifted.status_code == 200 and lifted.get_json()["lift_reason"].startswith("allergist")
    again = supervisor.post(f"/api/v1/patients/{patient.id}/alerts/{alert_id}/lift", json={"reason": "twice"})
    assert again.status_code == 409
    assert nurse.get(f"/api/v1/patients/{patient.id}").get_json()["alerts"][0]["lifted_at"] is not None


@pytest.mark.parametrize("grade, alert", [(3, False), (4, True)])
def test_an_anti_cd20_reaction_stops_that_drug_when_life_threatening(nurse, make_patient, grade, alert):
    patient = make_patient()
    session_id = started_session(nurse, patient.id, "ublituximab")
    post(nurse, session_id, "reactions", {"code": "chills", "grade": grade, "action": "stopped",
                                          "onset_at": ago(40)}, 201)
    alerts = nurse.get(f"/api/v1/patients/{patient.id}").get_json()["alerts"]
    assert [a["drugs"] for a in alerts] == ([["ublituximab"]] if alert else [])


def test_doses_by_weight_and_by_body_surface(nurse, make_patient):
    patient = make_patient()
    refused = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "ivig"})
    assert refused.status_code == 422 and "weight_kg" in refused.get_json()["error"]["fields"]
    ivig = check_in(nurse, patient.id, "ivig", weight_kg="70", dose_per="0.4")
    assert (ivig["dose"], ivig["dose_unit"], ivig["dose_basis"], ivig["dose_per"]) == ("28", "g", "per_kg", "0.4")
    assert [step["rate_ml_h"] for step in ivig["rate_plan"]] == ["35", "70", "140", "280"]
    assert nurse.get(f"/api/v1/patients/{patient.id}").get_json()["weight_kg"] == "70"
    other = make_patient()
    no_height = nurse.post("/api/v1/sessions", json={"patient_id": other.id, "drug": "cyclophosphamide",
                                                     "weight_kg": "70"})
    assert no_height.status_code == 422 and "height_cm" in no_height.get_json()["error"]["fields"]
    cyclo = check_in(nurse, other.id, "cyclophosphamide", weight_kg="70", height_cm="170", dose_per="700")
    assert (cyclo["dose"], cyclo["surface_m2"], cyclo["dose_basis"]) == ("1274", "1.82", "per_m2")


def test_a_dose_more_than_ten_percent_off_needs_a_reason_and_is_flagged(nurse, make_patient):
    patient = make_patient()
    refused = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "natalizumab", "dose": "331"})
    assert refused.status_code == 422 and "dose_reason" in refused.get_json()["error"]["fields"]
    within = check_in(nurse, patient.id, "natalizumab", dose="330")
    assert "dose_changed" not in [f["code"] for f in within["flags"]]
    post(nurse, within["id"], "cancel", {"reason": "the test checks in again"})
    changed = check_in(nurse, patient.id, "natalizumab", dose="150", dose_reason="weight loss, per Dr Lee")
    flag = next(f for f in changed["flags"] if f["code"] == "dose_changed")
    assert "150 mg" in flag["message"] and "300 mg" in flag["message"] and "weight loss" in flag["message"]


def test_the_rate_plan_at_the_chair(nurse, make_patient):
    patient = make_patient()
    session = check_in(nurse, patient.id, "ocrelizumab")
    post(nurse, session["id"], "checks", {"codes": session["required_checks"]})
    for code in session["required_premedications"]:
        post(nurse, session["id"], "premedications", {"code": code, "given_at": ago(60)}, 201)
    post(nurse, session["id"], "vitals", {"taken_at": ago(55), "phase": "baseline", "systolic": 120}, 201)
    started = post(nurse, session["id"], "start", {"at": ago(40)})  # no rate given: the plan's first
    start_at = datetime.fromisoformat(started["started_at"])
    assert started["current_rate_ml_h"] == "30"
    assert started["next_rate_step"] == {"rate_ml_h": "60", "at": (start_at + timedelta(minutes=30)).isoformat()}
    stepped = post(nurse, session["id"], "rate", {"rate_ml_h": "60", "at": ago(10)}, 201)
    after = nurse.get(f"/api/v1/sessions/{session['id']}").get_json()
    stepped_at = datetime.fromisoformat(stepped["at"])
    assert after["next_rate_step"] == {"rate_ml_h": "90", "at": (stepped_at + timedelta(minutes=30)).isoformat()}
    assert after["vitals_due_at"] is not None
    paused = post(nurse, session["id"], "pause", {"reason": "patient to the bathroom", "at": ago(5)})
    moved = datetime.fromisoformat(paused["next_rate_step"]["at"])
    assert moved > stepped_at + timedelta(minutes=30)  # the clock waits while paused


def test_a_starting_rate_is_recorded_and_an_injection_takes_none(nurse, make_patient):
    patient = make_patient()
    session = check_in(nurse, patient.id, "ocrelizumab_sc")
    assert session["rate_plan"] is None and session["observation_minutes"] == 60
    assert session["product"]["brand"] == "Ocrevus Zunovo"
    assert set(session["required_premedications"]) == {"dexamethasone_oral", "antihistamine_oral"}
    post(nurse, session["id"], "checks", {"codes": session["required_checks"]})
    for code in session["required_premedications"]:
        post(nurse, session["id"], "premedications", {"code": code, "given_at": ago(60)}, 201)
    post(nurse, session["id"], "vitals", {"taken_at": ago(55), "phase": "baseline", "systolic": 120}, 201)
    refused = nurse.post(f"/api/v1/sessions/{session['id']}/start", json={"rate_ml_h": "100"})
    assert refused.status_code == 422 and "rate_ml_h" in refused.get_json()["error"]["fields"]
    started = post(nurse, session["id"], "start", {"at": ago(30)})
    assert started["current_rate_ml_h"] is None and started["next_rate_step"] is None
    other = make_patient()
    history(nurse, other.id, "ocrelizumab_sc", 1, days_ago=200)
    assert check_in(nurse, other.id, "ocrelizumab_sc")["observation_minutes"] == 15


def test_briumvi_observation_grows_to_an_hour_once_a_reaction_is_recorded(nurse, make_patient):
    patient = make_patient()
    history(nurse, patient.id, "ublituximab", 2, days_ago=170)
    session_id = started_session(nurse, patient.id, "ublituximab")
    assert nurse.get(f"/api/v1/sessions/{session_id}").get_json()["observation_minutes"] == 0
    reaction = post(nurse, session_id, "reactions", {"code": "flushing", "grade": 1, "action": "none",
                                                     "onset_at": ago(30)}, 201)
    assert nurse.get(f"/api/v1/sessions/{session_id}").get_json()["observation_minutes"] == 60
    post(nurse, session_id, f"reactions/{reaction['id']}/void", {"reason": "charted on the wrong patient"})
    assert nurse.get(f"/api/v1/sessions/{session_id}").get_json()["observation_minutes"] == 0
    back_pain = post(nurse, session_id, "reactions", {"code": "back_pain", "grade": 1, "action": "none",
                                                      "onset_at": ago(20)}, 201)
    assert back_pain["group"] == "side_effect"
    assert nurse.get(f"/api/v1/sessions/{session_id}").get_json()["observation_minutes"] == 0


def test_a_rituximab_biosimilar_is_the_product_given_and_printed(nurse, make_patient):
    patient = make_patient()
    refused = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "rituximab", "product": "ocrevus"})
    assert refused.status_code == 422 and "product" in refused.get_json()["error"]["fields"]
    session_id = started_session(nurse, patient.id, "rituximab", product="truxima")
    session = nurse.get(f"/api/v1/sessions/{session_id}").get_json()
    assert session["product"] == {"code": "truxima", "brand": "Truxima", "generic": "rituximab-abbs"}
    finish(nurse, session_id)
    from tests.api.test_printouts import text_of

    text = text_of(nurse.get(f"/api/v1/sessions/{session_id}/summary.pdf").data)
    assert "Truxima" in text and "Rituxan" not in text


def test_tyruko_asks_for_its_own_rems_not_touch(nurse, make_patient):
    session = check_in(nurse, make_patient().id, "natalizumab_sztn")
    assert session["required_checks"] == ["tyruko_rems_authorized", "pre_infusion_questions"]
    refused = nurse.post(f"/api/v1/sessions/{session['id']}/checks", json={"codes": ["touch_authorized"]})
    assert refused.status_code == 422


def test_alemtuzumab_next_day_within_a_course(nurse, make_patient, ctx):
    patient = make_patient()
    first = started_session(nurse, patient.id, "alemtuzumab", started_minutes_ago=300)
    finish(nurse, first)
    post(nurse, first, "discharge", {"early_reason": "the test checks the patient in again"})
    refused = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "alemtuzumab"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "interval_short"
    _started_hours_ago(ctx, first, 21)
    assert check_in(nurse, patient.id, "alemtuzumab")["infusion_number"] == 2


def _started_hours_ago(ctx, session_id, hours):
    from sqlalchemy import update

    from clinic.extensions import db
    from clinic.models import InfusionSession

    started = now() - timedelta(hours=hours)
    with ctx():
        db.session.execute(update(InfusionSession).where(InfusionSession.id == session_id).values(
            started_at=started, ended_at=started + timedelta(hours=4), session_date=started.date()))
        db.session.commit()


def test_history_is_validated(nurse, make_patient):
    patient = make_patient()
    future = nurse.post(f"/api/v1/patients/{patient.id}/history", json={
        "drug": "ocrelizumab", "infusions": 2, "last_infusion_on": (date.today() + timedelta(days=5)).isoformat(),
        "had_reaction": False, "source": "letter"})
    assert future.status_code == 422 and "last_infusion_on" in future.get_json()["error"]["fields"]
    unknown = nurse.post(f"/api/v1/patients/{patient.id}/history", json={
        "drug": "aspirin", "infusions": 2, "last_infusion_on": "2026-01-01", "had_reaction": False, "source": "x"})
    assert unknown.status_code == 422 and "drug" in unknown.get_json()["error"]["fields"]
    assert nurse.post("/api/v1/patients/999999/history", json={
        "drug": "ocrelizumab", "infusions": 2, "last_infusion_on": "2026-01-01", "had_reaction": False,
        "source": "x"}).status_code == 404


def test_weight_kept_only_for_thirty_days(nurse, make_patient, ctx):
    patient = make_patient(weight_kg=Decimal("70"))
    from sqlalchemy import update

    from clinic.extensions import db
    from clinic.models import Patient

    with ctx():
        db.session.execute(update(Patient).where(Patient.id == patient.id).values(
            weight_taken_on=date.today() - timedelta(days=31)))
        db.session.commit()
    stale = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "ivig"})
    assert stale.status_code == 422 and "weight_kg" in stale.get_json()["error"]["fields"]
    assert check_in(nurse, patient.id, "ivig", weight_kg="71.5")["weight_kg"] == "71.5"
