"""The flag rules of issue 24 through the API and the pages, on the stored record (SPEC §5, §8)."""
import itertools
import re
from datetime import datetime, timedelta, timezone

import pytest

from clinic.domain.flags import SEVERITY_ORDER
from tests.helpers import post, ready_to_start


def ago(minutes):
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes)).isoformat()


_mrns = itertools.count(1)


def register(nurse, **fields):
    body = {"mrn": f"R-{next(_mrns)}", "first_name": "Rae", "last_name": "Rules", "date_of_birth": "1950-05-06", **fields}
    return nurse.post("/api/v1/patients", json=body)


def started_natalizumab(nurse, patient_id):
    sid = nurse.post("/api/v1/sessions", json={"patient_id": patient_id, "drug": "natalizumab"}).get_json()["id"]
    ready_to_start(nurse, sid, at=datetime.now(timezone.utc) - timedelta(minutes=60))
    post(nurse, sid, "start", {"at": ago(50)})
    return sid


def flags(nurse, sid):
    return nurse.get(f"/api/v1/sessions/{sid}").get_json()["flags"]


@pytest.fixture
def nurse(api):
    return api("nurse")


def test_spo2_scale_is_settable_shown_and_defaults_to_1(nurse):
    created = register(nurse, spo2_scale=2)
    assert created.status_code == 201 and created.get_json()["spo2_scale"] == 2
    assert nurse.get(f"/api/v1/patients/{created.get_json()['id']}").get_json()["spo2_scale"] == 2
    assert register(nurse).get_json()["spo2_scale"] == 1
    for bad in (3, 0, "two"):
        refused = register(nurse, spo2_scale=bad)
        assert refused.status_code == 422 and "spo2_scale" in refused.get_json()["error"]["fields"]


@pytest.mark.parametrize("scale, expected", [(1, ["news2_urgent"]), (2, [])])
def test_a_copd_patient_on_scale_2_with_spo2_90_on_air_raises_nothing(nurse, scale, expected):
    sid = started_natalizumab(nurse, register(nurse, spo2_scale=scale).get_json()["id"])
    post(nurse, sid, "vitals", {"taken_at": ago(30), "phase": "during", "spo2": 90, "on_oxygen": False}, 201)
    assert [f["code"] for f in flags(nurse, sid)] == expected


def test_face_swelling_raises_a_serious_flag(nurse, make_patient):
    sid = started_natalizumab(nurse, make_patient().id)
    post(nurse, sid, "reactions", {"code": "swelling_face", "grade": 2, "action": "medication_given",
                                   "onset_at": ago(20)}, 201)
    session = nurse.get(f"/api/v1/sessions/{sid}").get_json()
    assert session["serious"] is True
    assert [f["code"] for f in session["flags"]] == ["serious_reaction", "moderate_reaction"]
    assert "Swelling of the face, lips or eyelids" in session["flags"][0]["message"]
    catalog = {r["code"]: r for r in nurse.get("/api/v1/catalog/reactions").get_json()}
    assert catalog["swelling_face"] == {
        "code": "swelling_face", "label": "Swelling of the face, lips or eyelids", "group": "serious",
        "systems": ["skin_mucosal"], "help": "Puffy face, lips or eyelids (angioedema): act now."}


def test_severe_hypertension_during_methylprednisolone_is_a_warning_naming_the_reading(nurse, make_patient):
    sid = started_natalizumab(nurse, make_patient().id)
    post(nurse, sid, "vitals", {"taken_at": ago(30), "phase": "during", "systolic": 200, "diastolic": 118}, 201)
    (flag,) = flags(nurse, sid)
    assert (flag["code"], flag["level"]) == ("hypertension_severe", "warning")
    assert re.fullmatch(r"Warning: blood pressure 200/118 mmHg at \d\d:\d\d — severe hypertension "
                        r"\(systolic 180 or higher and diastolic 110 or higher\)", flag["message"])


def test_a_reaction_to_the_premedication_counts_toward_anaphylaxis(nurse, make_patient):
    sid = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "ocrelizumab"}).get_json()["id"]
    post(nurse, sid, "checks", {"codes": ["no_active_infection"]})
    post(nurse, sid, "premedications", {"code": "methylprednisolone_100", "given_at": ago(70)}, 201)
    post(nurse, sid, "premedications", {"code": "antihistamine", "given_at": ago(70)}, 201)
    post(nurse, sid, "vitals", {"taken_at": ago(80), "phase": "baseline", "systolic": 130, "diastolic": 80}, 201)
    post(nurse, sid, "reactions", {"code": "hives", "grade": 1, "action": "none", "onset_at": ago(65)}, 201)
    # Before the start, after the premedication: the low reading counts.
    post(nurse, sid, "vitals", {"taken_at": ago(62), "phase": "baseline", "systolic": 84, "diastolic": 50}, 201)
    codes = [f["code"] for f in flags(nurse, sid)]
    assert codes[:2] == ["anaphylaxis_criteria", "hypotension"], codes


def test_the_api_lists_flags_most_severe_first(nurse, make_patient):
    sid = started_natalizumab(nurse, make_patient().id)
    post(nurse, sid, "reactions", {"code": "headache", "grade": 2, "action": "paused", "onset_at": ago(40)}, 201)
    post(nurse, sid, "vitals", {"taken_at": ago(35), "phase": "during", "temperature_c": "38.4"}, 201)
    post(nurse, sid, "reactions", {"code": "fainting", "grade": 4, "action": "emergency_response",
                                   "onset_at": ago(30)}, 201)
    post(nurse, sid, "reactions", {"code": "hives", "grade": 1, "action": "none", "onset_at": ago(30)}, 201)
    codes = [f["code"] for f in flags(nurse, sid)]
    assert codes == ["anaphylaxis_criteria", "emergency_response", "serious_reaction", "high_grade", "fever",
                     "moderate_reaction", "infusion_interrupted"]
    assert codes == sorted(codes, key=SEVERITY_ORDER.index)
    advice = {f["code"]: f["action"] for f in flags(nurse, sid)}
    assert "restart at half rate" not in advice["moderate_reaction"]


def test_patient_page_sets_and_shows_the_spo2_scale(login):
    web = login("nurse")
    form = web.get("/patients/new").get_data(as_text=True)
    assert 'name="spo2_scale"' in form and "Scale 2: prescribed target 88–92 %" in form
    response = web.post("/patients/new", {"mrn": "S-2", "first_name": "Cole", "last_name": "Pd",
                                          "date_of_birth": "1950-01-01", "sex": "male", "preferred_language": "en",
                                          "spo2_scale": "2"})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Scale 2: prescribed target 88–92 %" in page
    bad = web.post("/patients/new", {"mrn": "S-3", "first_name": "Cole", "last_name": "Pd",
                                     "date_of_birth": "1950-01-01", "sex": "male", "preferred_language": "en",
                                     "spo2_scale": "5"})
    assert bad.status_code == 422 and "Not a valid choice" in bad.get_data(as_text=True)
