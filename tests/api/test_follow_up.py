"""What happened next (issue 24): a reaction's end, where the patient went, and discharge refusals (SPEC §3, §4, §8)."""
import pytest

from tests.helpers import ago, post, started_session


@pytest.fixture
def nurse(api):
    return api("nurse")


def ended(client, make_patient, drug="natalizumab"):
    session_id = started_session(client, make_patient().id, drug)
    post(client, session_id, "end", {"full_dose": False, "at": ago(20)})
    return session_id


def test_a_reaction_gets_its_resolved_time(nurse, make_patient):
    session_id = started_session(nurse, make_patient().id, "natalizumab")
    reaction = post(nurse, session_id, "reactions", {"code": "rash", "grade": 1, "action": "none",
                                                     "onset_at": ago(40)}, 201)
    before = nurse.post(f"/api/v1/sessions/{session_id}/reactions/{reaction['id']}/resolve", json={"at": ago(50)})
    assert before.status_code == 422 and "at" in before.get_json()["error"]["fields"]
    future = nurse.post(f"/api/v1/sessions/{session_id}/reactions/{reaction['id']}/resolve", json={"at": ago(-10)})
    assert future.status_code == 422
    resolved = post(nurse, session_id, f"reactions/{reaction['id']}/resolve", {"at": ago(10)})
    assert resolved["resolved_at"] is not None
    session = nurse.get(f"/api/v1/sessions/{session_id}").get_json()
    assert session["reactions"][0]["resolved_at"] == resolved["resolved_at"]
    assert nurse.post(f"/api/v1/sessions/{session_id}/reactions/999999/resolve", json={"at": ago(5)}).status_code == 404


def test_discharge_without_vitals_after_the_end_and_without_a_reason_is_a_409(nurse, make_patient):
    session_id = ended(nurse, make_patient)
    refused = nurse.post(f"/api/v1/sessions/{session_id}/discharge", json={})
    error = refused.get_json()["error"]
    assert refused.status_code == 409 and "early_reason" in error["fields"]
    assert "no vitals were taken after the infusion ended" in error["message"]
    assert nurse.get(f"/api/v1/sessions/{session_id}").get_json()["status"] == "observing"


@pytest.mark.parametrize("body, disposition", [
    ({}, "home"), ({"disposition": "emergency_department"}, "emergency_department"),
    ({"disposition": "admitted", "disposition_text": "neurology ward"}, "admitted"),
    ({"disposition": "other", "disposition_text": "nursing home"}, "other"),
])
def test_discharge_records_where_the_patient_went(nurse, make_patient, body, disposition):
    session_id = ended(nurse, make_patient)
    discharged = post(nurse, session_id, "discharge", {"early_reason": "transferred by EMS", **body})
    assert discharged["disposition"] == disposition
    assert discharged["disposition_text"] == body.get("disposition_text")


def test_somewhere_else_must_say_where(nurse, make_patient):
    session_id = ended(nurse, make_patient)
    refused = nurse.post(f"/api/v1/sessions/{session_id}/discharge",
                         json={"early_reason": "x", "disposition": "other"})
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["disposition_text"]
    assert nurse.post(f"/api/v1/sessions/{session_id}/discharge",
                      json={"early_reason": "x", "disposition": "moon"}).status_code == 422


@pytest.mark.parametrize("disposition, code, text", [
    ("home", "home", "Home"), ("emergency_department", "other-hcf", "Transferred to the emergency department"),
    ("admitted", "other-hcf", "Admitted to hospital"),
])
def test_fhir_encounter_carries_the_discharge_disposition(nurse, make_patient, disposition, code, text):
    from fhir.resources.R4B.bundle import Bundle

    session_id = ended(nurse, make_patient)
    post(nurse, session_id, "discharge", {"early_reason": "transferred", "disposition": disposition})
    bundle = nurse.get(f"/api/v1/sessions/{session_id}/fhir").get_json()
    Bundle.model_validate(bundle)
    encounter = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter")
    concept = encounter["hospitalization"]["dischargeDisposition"]
    assert (concept["coding"][0]["code"], concept["text"]) == (code, text)


def test_the_page_records_disposition_and_a_reaction_end(login, api, make_patient):
    import re

    web = login("nurse")
    api_nurse = api("nurse")
    session_id = started_session(api_nurse, make_patient().id, "natalizumab")
    post(api_nurse, session_id, "reactions", {"code": "rash", "grade": 1, "action": "none", "onset_at": ago(40)}, 201)
    page = web.get(f"/sessions/{session_id}").get_data(as_text=True)
    version = re.search(r'name="resolve-version" value="(\d+)"', page).group(1)
    entry = re.search(r'<option value="(reaction-\d+)">Rash', page).group(1)
    response = web.post(f"/sessions/{session_id}/resolve", {"resolve-version": version, "resolve-entry": entry})
    assert response.status_code == 302
    post(api_nurse, session_id, "end", {"full_dose": True, "at": ago(20)})
    page = web.get(f"/sessions/{session_id}").get_data(as_text=True)
    version = re.search(r'id="discharge-version" name="discharge-version" type="hidden" value="(\d+)"', page).group(1)
    response = web.post(f"/sessions/{session_id}/discharge", {
        "discharge-version": version, "discharge-disposition": "emergency_department",
        "discharge-early_reason": "anaphylaxis: EMS transfer"})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    assert "to the emergency department" in web.get(f"/sessions/{session_id}").get_data(as_text=True)
