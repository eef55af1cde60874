"""The MedWatch 3500 draft of a charted session, through the API and the page's PDF (SPEC §7; issue 24).

The issue's scenario: a Tysabri anaphylaxis — hives, trouble breathing and swelling in the throat; paused for
the reaction, epinephrine given, ended early with the full dose not given, transferred to the emergency
department, every reaction resolved later. `CHAIRSIDE_SCREENS=1` also renders its first page to
docs/medwatch-anaphylaxis.png (pdftoppm), as `make screens` does.
"""
import io
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tests.helpers import ago, post, started_session

CLINIC_TZ = ZoneInfo("America/New_York")  # tests/conftest.py's CLINIC_TIMEZONE
DOCS = Path(__file__).resolve().parents[2] / "docs"


def clock(iso_time):
    """A time as the draft prints it on the session's day: the clinic's hour."""
    return datetime.fromisoformat(iso_time).astimezone(CLINIC_TZ).strftime("%H:%M")


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def reaction(nurse, session_id, code, grade, action, minutes_ago, **fields):
    return post(nurse, session_id, "reactions", {"code": code, "grade": grade, "action": action,
                                                 "onset_at": ago(minutes_ago), **fields}, 201)


def vitals(nurse, session_id, minutes_ago, phase="during", **values):
    post(nurse, session_id, "vitals", {"taken_at": ago(minutes_ago), "phase": phase, **values}, 201)


@pytest.fixture
def anaphylaxis(api, make_patient):
    """The scenario charted through the API; returns the session's id and its JSON."""
    nurse = api("nurse")
    patient = make_patient(first_name="Dana", last_name="Reyes", weight_kg="64.5")
    session_id = started_session(nurse, patient.id, "natalizumab", started_minutes_ago=150, lot_number="TY-2231",
                                 lot_expiry="2027-03-31")
    vitals(nurse, session_id, 130, systolic=126, diastolic=78, heart_rate=76, spo2=98, on_oxygen=False)
    hives = reaction(nurse, session_id, "hives", 2, "paused", 122, medication="Diphenhydramine 50 mg IV",
                     notes="Raised welts over chest and both arms")
    post(nurse, session_id, "pause", {"at": ago(121), "reason": "Hives, then wheeze", "due_to_reaction": True})
    wheeze = reaction(nurse, session_id, "trouble_breathing", 3, "emergency_response", 120,
                      medication="Epinephrine 0.3 mg IM; oxygen 6 L/min by mask", notes="Audible wheeze")
    throat = reaction(nurse, session_id, "swelling_mouth_throat", 3, "emergency_response", 119,
                      medication="Epinephrine 0.3 mg IM (second dose at 5 min)",
                      notes="Says her throat feels tight; hoarse voice")
    vitals(nurse, session_id, 118, systolic=84, diastolic=50, heart_rate=124, resp_rate=26, spo2=89,
           on_oxygen=False, consciousness="alert")
    vitals(nurse, session_id, 110, systolic=104, diastolic=64, heart_rate=108, resp_rate=22, spo2=95,
           on_oxygen=True, consciousness="alert")
    post(nurse, session_id, "end", {"at": ago(112), "full_dose": False})
    vitals(nurse, session_id, 100, phase="end", systolic=112, diastolic=70, heart_rate=98, resp_rate=18, spo2=97,
           on_oxygen=True, consciousness="alert")
    post(nurse, session_id, "discharge", {"at": ago(95), "disposition": "emergency_department",
                                          "early_reason": "Transferred to the emergency department by EMS"})
    for entry, minutes_ago in ((hives, 40), (wheeze, 30), (throat, 20)):  # the ED called back later
        post(nurse, session_id, f"reactions/{entry['id']}/resolve", {"at": ago(minutes_ago)})
    return session_id, nurse.get(f"/api/v1/sessions/{session_id}").get_json()


def test_the_api_serves_the_draft_to_supervisors_only(anaphylaxis, api):
    session_id, _ = anaphylaxis
    response = api("supervisor").get(f"/api/v1/sessions/{session_id}/adverse-event.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "MedWatch" in text_of(response.data)
    assert api("nurse").get(f"/api/v1/sessions/{session_id}/adverse-event.pdf").status_code == 403


def test_the_anaphylaxis_draft_says_what_the_record_says(anaphylaxis, login):
    session_id, charted = anaphylaxis
    response = login("supervisor").get(f"/sessions/{session_id}/adverse-event-draft.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = text_of(response.data)
    paused = next(e["at"] for e in charted["events"] if e["kind"] == "pause")
    ended, discharged = clock(charted["ended_at"]), clock(charted["discharged_at"])
    last_resolved = clock(max(r["resolved_at"] for r in charted["reactions"]))
    # interrupted, and when; never "not stopped"
    assert (f"Infusion interrupted or stopped? Yes: paused at {clock(paused)} because of a reaction (reason charted: "
            f"“Hives, then wheeze”); not resumed; ended early at {ended}: the full dose was not given.") in text
    assert "not stopped" not in text and "Infusion was not" not in text
    # the outcome boxes: life-threatening (anaphylaxis), not hospitalization (an ED transfer), recovered
    assert "[X] Life-threatening Anaphylaxis criteria met" in text
    assert (f"[ ] Hospitalization (initial or prolonged) Transferred to the emergency department at {discharged}; "
            "that alone is not an admission") in text
    assert "[ ] Death" in text and "[ ] Other serious (important medical events) Consider it" in text
    assert (f"[X] Recovered / resolved Every reaction has a resolved time; the last, Swelling in the mouth or throat, "
            f"at {last_resolved}.") in text
    assert "[ ] Not yet recovered / unknown" in text and "resolution not recorded" not in text
    # dechallenge from the resolved times after the pause; not restarted
    assert (f"Event abated after use stopped or dose reduced? [X] Yes [ ] No [ ] Doesn't apply The infusion was "
            f"paused at {clock(paused)}; every reaction resolved, the last (Swelling in the mouth or throat) at "
            f"{last_resolved}. Treatment was given as well") in text
    assert "Event reappeared after reintroduction? [ ] Yes [ ] No [X] Doesn't apply" in text
    # the suspect product and the patient
    for part in ("Name Tysabri (natalizumab)", "300 mg ordered; the full dose was not given", "; intravenous",
                 "Lot number TY-2231", "Expiry 2027-03-31", "Infusion number 1 (of this drug",
                 "DR (initials)", "Sex Female", "64.5 kg (on the patient's record, taken",
                 "“Epinephrine 0.3 mg IM (second dose at 5 min)”", "Notes: “Says her throat feels tight; hoarse voice”",
                 f"{discharged} Discharged to the emergency department (a transfer; not recorded as an admission).",
                 f"{last_resolved} Swelling in the mouth or throat: resolved."):
        assert part in text, part
    assert "Dana" not in text and "Reyes" not in text  # an identifier, never the name
    # the flags: a short list, one numbered line per clinical event, the anaphylaxis first
    assert "1. Serious: anaphylaxis criteria met" in text
    assert text.index("1. Serious: anaphylaxis criteria met") < text.index("2. ")
    assert "SpO2 89 %" in text and "■" not in text  # printable in the PDF's fonts


def test_a_stored_pdf_of_the_scenario_for_the_docs(anaphylaxis, login, tmp_path):
    if os.environ.get("CHAIRSIDE_SCREENS") != "1":
        pytest.skip("CHAIRSIDE_SCREENS=1 renders docs/medwatch-anaphylaxis.png")
    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) renders the PDF"
    session_id, _ = anaphylaxis
    pdf = tmp_path / "draft.pdf"
    pdf.write_bytes(login("supervisor").get(f"/sessions/{session_id}/adverse-event-draft.pdf").data)
    pages = len(PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    for number in range(1, pages + 1):
        name = "medwatch-anaphylaxis" + ("" if number == 1 else f"-{number}")
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(number), "-l", str(number), "-singlefile", str(pdf),
                        str(DOCS / name)], check=True)


def test_a_session_paused_and_resumed_with_the_full_dose_given(api, login, make_patient):
    nurse = api("nurse")
    session_id = started_session(nurse, make_patient().id, "natalizumab", started_minutes_ago=120)
    reaction(nurse, session_id, "chest_pain", 4, "paused", 100)
    post(nurse, session_id, "pause", {"at": ago(99), "reason": "chest pain", "due_to_reaction": True})
    post(nurse, session_id, "resume", {"at": ago(80)})
    post(nurse, session_id, "end", {"at": ago(75), "full_dose": True})
    vitals(nurse, session_id, 30, phase="observation", systolic=120, diastolic=80)
    post(nurse, session_id, "discharge", {"at": ago(5), "disposition": "admitted",
                                          "disposition_text": "cardiology ward"})
    text = text_of(login("supervisor").get(f"/sessions/{session_id}/adverse-event-draft.pdf").data)
    assert "[X] Life-threatening Grade 4 (life-threatening) recorded for Chest pain." in text
    assert "[X] Hospitalization (initial or prolonged) Discharged at" in text and "cardiology ward" in text
    assert "[X] Not yet recovered / unknown No resolved time for Chest pain." in text
    assert "Yes: paused at" in text and "resumed at" in text and "300 mg, full dose given" in text
    assert ("Event abated after use stopped or dose reduced? [ ] Yes [ ] No [ ] Doesn't apply The infusion was "
            "paused at") in text and "no resolved time for Chest pain. Not known from the record" in text
    assert "Event reappeared after reintroduction? [ ] Yes [X] No [ ] Doesn't apply" in text



def test_the_product_given_its_premedications_and_the_weight_of_the_dose(api, login, make_patient):
    nurse = api("nurse")
    truxima = started_session(nurse, make_patient().id, "rituximab", product="truxima", lot_number="TX-1")
    reaction(nurse, truxima, "fainting", 3, "stopped", 30)
    text = text_of(login("supervisor").get(f"/sessions/{truxima}/adverse-event-draft.pdf").data)
    assert "Name Truxima (rituximab-abbs)" in text and "Truxima (rituximab-abbs) 1000 mg intravenous" in text
    assert "Premedications: Acetaminophen 30–60 minutes before, given at" in text
    # stopped for the reaction, but not charted as a pause or an early end: said so, never "not stopped"
    assert "Yes: the action recorded for Fainting" in text and "so when is not recorded" in text
    ivig = started_session(nurse, make_patient(weight_kg="80").id, "ivig", weight_kg="71.5", dose_per="0.4")
    reaction(nurse, ivig, "chest_pain", 3, "none", 30)
    text = text_of(login("supervisor").get(f"/sessions/{ivig}/adverse-event-draft.pdf").data)
    assert "Weight 71.5 kg (the weight the dose was worked out from)" in text
    assert "28.6 g ordered; the infusion has not been ended on the record" in text
