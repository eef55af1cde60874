"""Check-in in one form from the protocol, and the patient page's treatment history and alerts (issue 22)."""
import re

import pytest

from tests.helpers import OVERRIDE, ago, post, started_session


@pytest.fixture
def nurse(login):
    return login("nurse")


def check_in_form(web, patient_id, **fields):
    return web.post("/sessions/new", {"patient_id": patient_id, **fields})


def test_the_page_shows_each_drugs_protocol_for_this_patient(nurse, make_patient):
    patient = make_patient()
    page = nurse.get(f"/sessions/new?patient_id={patient.id}").get_data(as_text=True)
    for words in ("Infusion #1 of Ocrevus", "300 mg", "30 mL/h for 30 min, then +30 every 30 min to 180 mL/h",
                  "Hepatitis B screening done", "Infusion #1 of Ocrevus Zunovo", "An injection: no rate plan.",
                  "Infusion #1 of Tyruko", "TYRUKO REMS", "Rituxan", "Truxima", "0.4 g/kg"):
        assert words in page, words
    assert 'data-protocol="ocrelizumab"' in page and "Show drug details" not in page


def test_one_submit_checks_in_at_the_protocols_dose_without_javascript(nurse, make_patient):
    patient = make_patient()
    response = check_in_form(nurse, patient.id, drug="natalizumab", chair="3")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    session_page = nurse.get(response.headers["Location"]).get_data(as_text=True)
    assert "300 mg" in session_page and "100 mL/h" in session_page


def test_without_javascript_the_first_product_choice_is_the_drugs_usual_one(nurse, api, make_patient):
    """A browser without JavaScript posts the product select's first choice: it must suit any drug."""
    patient = make_patient()
    page = nurse.get(f"/sessions/new?patient_id={patient.id}").get_data(as_text=True)
    product = re.search(r'<select[^>]*name="product".*?</select>', page, re.S).group(0)
    options = re.findall(r"<option[^>]*>", product)
    assert 'value=""' in options[0] and not any("selected" in option for option in options[1:])
    assert '<optgroup label="rituximab"><option value="rituxan">' in product and '<optgroup label="Tysabri">' in product
    assert '<option value="rituximab">rituximab</option>' in page  # a drug named by its generic is named once
    assert "<details" in page and " open" not in re.search(r"<details[^>]*>", page).group(0)
    response = check_in_form(nurse, patient.id, drug="rituximab", product="", chair="3")
    assert response.status_code == 302
    sid = int(response.headers["Location"].rsplit("/", 1)[1])
    assert api("nurse").get(f"/api/v1/sessions/{sid}").get_json()["product"]["code"] == "rituxan"
    refused = check_in_form(nurse, make_patient().id, drug="natalizumab", product="ocrevus")
    assert refused.status_code == 422 and "not a product of Tysabri" in refused.get_data(as_text=True)
    chosen = nurse.get(f"/sessions/new?patient_id={patient.id}&drug=natalizumab").get_data(as_text=True)
    assert re.search(r'<details class="protocol[^>]*data-protocol="natalizumab"[^>]*\bopen>', chosen, re.S)


def test_an_override_checks_in_past_a_short_interval(nurse, api, make_patient):
    patient = make_patient()
    api_nurse = api("nurse")
    first = started_session(api_nurse, patient.id, "natalizumab")
    post(api_nurse, first, "end", {"full_dose": True, "at": ago(5)})
    post(api_nurse, first, "discharge", {"early_reason": "the test checks in again"})
    refused = check_in_form(nurse, patient.id, drug="natalizumab")
    assert refused.status_code == 409 and "infusion #2 may be given from" in refused.get_data(as_text=True)
    assert "override:" not in refused.get_data(as_text=True)  # said at the prescriber field, not as a code
    response = check_in_form(nurse, patient.id, drug="natalizumab", override_prescriber=OVERRIDE["prescriber"],
                             override_reason=OVERRIDE["reason"])
    assert response.status_code == 302
    page = nurse.get(response.headers["Location"]).get_data(as_text=True)
    assert "before the protocol&#39;s earliest date" in page or "before the protocol's earliest date" in page


def test_a_dose_by_weight_asks_for_the_weight_and_a_changed_dose_for_a_reason(nurse, make_patient):
    patient = make_patient()
    no_weight = check_in_form(nurse, patient.id, drug="ivig")
    assert no_weight.status_code == 422 and "enter it" in no_weight.get_data(as_text=True)
    assert check_in_form(nurse, patient.id, drug="ivig", weight_kg="70", dose_per="0.4").status_code == 302
    other = make_patient()
    off = check_in_form(nurse, other.id, drug="natalizumab", dose="200")
    assert off.status_code == 422 and "by more than 10 %" in off.get_data(as_text=True)
    assert check_in_form(nurse, other.id, drug="natalizumab", dose="200",
                         dose_reason="prescriber ordered a reduced dose").status_code == 302


def test_the_patient_page_enters_treatment_history(nurse, make_patient):
    patient = make_patient()
    page = nurse.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Treatment history (infusions given elsewhere)" in page
    bad = nurse.post(f"/patients/{patient.id}/history", {"drug": "ocrelizumab", "infusions": "2",
                                                         "last_infusion_on": "2026-06-01", "source": ""})
    assert bad.status_code == 422
    response = nurse.post(f"/patients/{patient.id}/history", {
        "drug": "ocrelizumab", "infusions": "2", "last_infusion_on": "2026-06-01", "had_reaction": "no",
        "source": "referral letter, Dr Lee"})
    assert response.status_code == 302
    assert "referral letter, Dr Lee" in nurse.get(f"/patients/{patient.id}").get_data(as_text=True)
    check_in_page = nurse.get(f"/sessions/new?patient_id={patient.id}").get_data(as_text=True)
    assert "Infusion #3 of Ocrevus" in check_in_page and "600 mg" in check_in_page


def test_alerts_show_on_the_patient_and_check_in_and_a_supervisor_lifts_them(nurse, api, login, make_patient):
    patient = make_patient()
    api_nurse = api("nurse")
    session_id = started_session(api_nurse, patient.id, "natalizumab")
    post(api_nurse, session_id, "reactions", {"code": "hives", "grade": 2, "action": "medication_given",
                                              "onset_at": ago(30)}, 201)
    page = nurse.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Do not re-treat" in page and "Lift alert" not in page
    # in the words of the catalog: products by name, the reaction by its label
    assert "with Tysabri, Tyruko" in page and "Tysabri infusion #1: hives (a hypersensitivity reaction)" in page
    assert "Do not re-treat" in nurse.get(f"/sessions/new?patient_id={patient.id}").get_data(as_text=True)
    supervisor = login("supervisor")
    page = supervisor.get(f"/patients/{patient.id}").get_data(as_text=True)
    alert_id = re.search(r"/alerts/(\d+)/lift", page).group(1)
    empty = supervisor.post(f"/patients/{patient.id}/alerts/{alert_id}/lift", {f"lift-{alert_id}-reason": ""})
    assert empty.status_code == 422
    assert nurse.post(f"/patients/{patient.id}/alerts/{alert_id}/lift",
                      {f"lift-{alert_id}-reason": "not allowed"}).status_code == 403
    lifted = supervisor.post(f"/patients/{patient.id}/alerts/{alert_id}/lift",
                             {f"lift-{alert_id}-reason": "allergist: it was the premedication"})
    assert lifted.status_code == 302
    page = supervisor.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Lifted alert" in page and "allergist: it was the premedication" in page


def test_the_board_shows_a_do_not_re_treat_alert_on_the_drug_it_covers(nurse, api, make_patient):
    api_nurse = api("nurse")
    patient, other = make_patient(), make_patient()
    session_id = started_session(api_nurse, patient.id, "natalizumab")
    started_session(api_nurse, other.id, "ocrelizumab")
    post(api_nurse, session_id, "reactions", {"code": "hives", "grade": 2, "action": "none", "onset_at": ago(30)}, 201)
    started_session(api_nurse, patient.id, "ocrelizumab")  # the alert does not cover it
    board = nurse.get("/").get_data(as_text=True)
    assert board.count("Do not re-treat") == 1
