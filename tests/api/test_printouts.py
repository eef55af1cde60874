"""The visit summary PDF: content, sizes, large print, refusal before the end (SPEC §6)."""
import io
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from pypdf import PdfReader

from tests.helpers import post, ready_to_start


def now():
    return datetime.now(timezone.utc)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def finished(api, make_patient):
    """A natalizumab session with a reaction, ended, observed and discharged."""
    nurse = api("nurse")
    patient = make_patient(first_name="Zoë <b>&amp;", last_name="O'Brien")
    sid = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "natalizumab",
                                              "lot_number": "LOT-42"}).get_json()["id"]
    ready_to_start(nurse, sid, at=now() - timedelta(minutes=150))
    post(nurse, sid, "start", {"at": (now() - timedelta(minutes=140)).isoformat()})
    post(nurse, sid, "vitals", {"taken_at": (now() - timedelta(minutes=120)).isoformat(), "phase": "during",
                                "systolic": 131, "diastolic": 83, "heart_rate": 77, "spo2": 97}, 201)
    post(nurse, sid, "reactions", {"code": "headache", "grade": 2, "action": "medication_given",
                                   "medication": "Acetaminophen 650 mg PO",
                                   "onset_at": (now() - timedelta(minutes=110)).isoformat()}, 201)
    post(nurse, sid, "end", {"full_dose": True, "at": (now() - timedelta(minutes=75)).isoformat()})
    post(nurse, sid, "vitals", {"taken_at": (now() - timedelta(minutes=10)).isoformat(), "phase": "discharge",
                                "systolic": 122, "diastolic": 79, "heart_rate": 70}, 201)
    post(nurse, sid, "discharge", {})
    post(nurse, sid, "finalize", {"password": "correct horse battery"})
    nurse.sid = sid
    return nurse


def test_summary_has_every_required_part(finished):
    response = finished.get(f"/api/v1/sessions/{finished.sid}/summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) <= 3
    assert reader.metadata.title.startswith("Visit summary")
    text = text_of(response.data)
    session = finished.get(f"/api/v1/sessions/{finished.sid}").get_json()
    for part in ("Chairside Infusion Center", "555-0100", "Zoë <b>&amp; O'Brien", "Tysabri", "natalizumab",
                 "300 mg", "128/78", "122/79", "you had a headache", "It was moderate.",
                 "We gave you a fever and pain medicine (acetaminophen, Tylenol).", "we watched you for 75 minutes",
                 "PML", "Call 911", "trouble breathing", "nearest emergency department", "next infusion is due about",
                 "Confirm the date", "Your nurse today: Test Nurse", "not medical advice"):
        assert part in text, part
    assert "650 mg PO" not in text, "the nurse's shorthand is never printed"
    assert session["fingerprint"] not in text and "fingerprint" not in text.lower(), "the staff's, not the patient's"
    assert text.index("What to do first") < text.index("What to watch for") < text.index("What you were given")


def test_under_a_do_not_re_treat_alert_the_summary_gives_no_next_date(api, make_patient):
    """Hives with Tysabri: the label says not to give it again (DOMAIN.md §1.3, §1.4)."""
    nurse = api("nurse")
    sid = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab"}).get_json()["id"]
    ready_to_start(nurse, sid, at=now() - timedelta(minutes=80))
    post(nurse, sid, "start", {"at": (now() - timedelta(minutes=70)).isoformat()})
    post(nurse, sid, "reactions", {"code": "hives", "grade": 2, "action": "medication_given",
                                   "onset_at": (now() - timedelta(minutes=50)).isoformat()}, 201)
    post(nurse, sid, "end", {"full_dose": False, "at": (now() - timedelta(minutes=45)).isoformat()})
    text = text_of(nurse.get(f"/api/v1/sessions/{sid}/summary.pdf").data)
    assert "Do not get Tysabri (natalizumab) again unless your doctor decides so" in text
    assert "Tell every doctor" in text and "next infusion is due" not in text


def test_summary_is_refused_before_the_infusion_ended(api, make_patient, login):
    nurse = api("nurse")
    patient = make_patient()
    sid = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "natalizumab"}).get_json()["id"]
    response = nurse.get(f"/api/v1/sessions/{sid}/summary.pdf")
    assert response.status_code == 409
    page = login("nurse").get(f"/sessions/{sid}/summary.pdf")
    assert page.status_code == 409 and "once the infusion has ended" in page.get_data(as_text=True)


def test_no_reactions_says_none_were_noted(api, make_patient):
    nurse = api("nurse")
    patient = make_patient()
    sid = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "ivig", "weight_kg": "70"}
                     ).get_json()["id"]
    post(nurse, sid, "checks", {"codes": ["hydration", "creatinine_current", "thrombosis_risk"]})
    post(nurse, sid, "vitals", {"taken_at": (now() - timedelta(minutes=70)).isoformat(), "phase": "baseline",
                                "systolic": 120, "diastolic": 80}, 201)
    post(nurse, sid, "start", {"at": (now() - timedelta(minutes=60)).isoformat()})
    post(nurse, sid, "end", {"full_dose": True})
    text = text_of(nurse.get(f"/api/v1/sessions/{sid}/summary.pdf").data)
    assert "No reactions were noted during this visit." in text
    assert "Not yet signed" not in text and "fingerprint" not in text.lower()
    assert "Your care team will tell you when your next infusion is." in text


def test_large_print_and_page_sizes(finished):
    normal = PdfReader(io.BytesIO(finished.get(f"/api/v1/sessions/{finished.sid}/summary.pdf").data))
    a4 = PdfReader(io.BytesIO(finished.get(f"/api/v1/sessions/{finished.sid}/summary.pdf?size=a4").data))
    large = finished.get(f"/api/v1/sessions/{finished.sid}/summary.pdf?large=1").data
    assert [round(float(x)) for x in normal.pages[0].mediabox[2:]] == [612, 792]
    assert [round(float(x)) for x in a4.pages[0].mediabox[2:]] == [595, 842]
    sizes = set()
    for page in PdfReader(io.BytesIO(large)).pages:
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: sizes.add(round(size * tm[0])) if text.strip() else None)
    assert "Call 911 right away" in PdfReader(io.BytesIO(large)).pages[0].extract_text()
    body = {s for s in sizes if s >= 8}
    assert min(body) >= 14  # chart labels aside, print is large; body text 16 pt
    assert 16 in body


def test_web_print_button_and_audit(finished, login, ctx):
    from sqlalchemy import select

    from clinic.extensions import db
    from clinic.models import AuditEvent

    web = login("nurse")
    page = web.get(f"/sessions/{finished.sid}").get_data(as_text=True)
    assert "Print visit summary" in page
    response = web.get(f"/sessions/{finished.sid}/summary.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    with ctx():
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action == "visit_summary_printed")).all()
    assert len(actions) == 1
    assert re.search(rb"/Title", response.data)


def test_summary_speaks_plainly_and_states_a_booked_appointment(api, make_patient, ctx):
    from datetime import date

    from clinic.extensions import db
    from clinic.models import User
    from clinic.services import sessions
    from clinic.services.actor import Actor

    nurse = api("nurse")
    sid = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "ocrelizumab"}).get_json()["id"]
    post(nurse, sid, "checks", {"codes": ["no_active_infection", "hepatitis_b_screening"]})
    for code in ("methylprednisolone_100", "antihistamine"):
        post(nurse, sid, "premedications", {"code": code, "given_at": (now() - timedelta(minutes=100)).isoformat()}, 201)
    post(nurse, sid, "vitals", {"taken_at": (now() - timedelta(minutes=95)).isoformat(), "phase": "baseline",
                                "systolic": 120, "diastolic": 80, "pain": 3}, 201)
    post(nurse, sid, "start", {"at": (now() - timedelta(minutes=90)).isoformat()})
    post(nurse, sid, "end", {"full_dose": True})
    with ctx():
        user = db.session.get(User, nurse.user.id)
        sessions.set_next_appointment(Actor.for_user(user, "test"), sid, date(2031, 5, 6), None)
        db.session.commit()
    text = text_of(nurse.get(f"/api/v1/sessions/{sid}/summary.pdf").data)
    assert "A steroid medicine (methylprednisolone)" in text and "An allergy medicine" in text
    assert "mg IV" not in text and "e.g." not in text
    assert "Your next infusion is booked for May 6, 2031." in text and "due about" not in text


def test_the_patients_preferred_language_by_default_and_lang_overrides(finished, api, make_patient, login, ctx):
    from sqlalchemy import select

    from clinic.extensions import db
    from clinic.models import AuditEvent

    nurse = api("nurse")
    patient = make_patient(preferred_language="es")
    sid = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "natalizumab"}).get_json()["id"]
    ready_to_start(nurse, sid, at=now() - timedelta(minutes=80))
    post(nurse, sid, "start", {"at": (now() - timedelta(minutes=70)).isoformat()})
    post(nurse, sid, "end", {"full_dose": True, "at": (now() - timedelta(minutes=5)).isoformat()})
    spanish = text_of(nurse.get(f"/api/v1/sessions/{sid}/summary.pdf").data)
    assert "Qué hacer primero" in spanish and "Llame al 911 de inmediato" in spanish
    assert "What to do first" not in spanish
    english = text_of(nurse.get(f"/api/v1/sessions/{sid}/summary.pdf?lang=en").data)
    assert "What to do first" in english and "Qué hacer" not in english
    assert "Qué hacer primero" in text_of(login("nurse").get(f"/sessions/{sid}/summary.pdf").data)
    assert "What to do first" in text_of(login("nurse").get(f"/sessions/{sid}/summary.pdf?lang=en").data)
    # An English-speaking patient's summary in Spanish on request; a language without a catalog: the default.
    assert "Qué hacer primero" in text_of(finished.get(f"/api/v1/sessions/{finished.sid}/summary.pdf?lang=es").data)
    assert "What to do first" in text_of(finished.get(f"/api/v1/sessions/{finished.sid}/summary.pdf?lang=fr").data)
    assert finished.get(f"/api/v1/sessions/{finished.sid}/summary.pdf?lang=<b>").status_code == 422
    with ctx():
        languages = db.session.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "visit_summary_printed", AuditEvent.object_id == str(sid))).all()
    assert [json.loads(d)["language"] for d in languages] == ["es", "en", "es", "en"]


def test_the_patient_form_offers_the_summary_languages_and_the_print_buttons_follow_them(api, login):
    from tests.helpers import form_fields

    web = login("nurse")
    form = web.get("/patients/new").get_data(as_text=True)
    assert '<option value="es">Spanish (español)</option>' in form and '<option selected value="en">' in form
    refused = web.post("/patients/new", {"mrn": "L-9", "first_name": "Ana", "last_name": "Silva",
                                         "date_of_birth": "1985-02-03", "sex": "female", "preferred_language": "xx"})
    assert refused.status_code in (200, 422) and "Not a valid choice" in refused.get_data(as_text=True)
    response = web.post("/patients/new", {"mrn": "L-10", "first_name": "Ana", "last_name": "Silva",
                                          "date_of_birth": "1985-02-03", "sex": "female", "preferred_language": "es"})
    assert response.status_code == 302
    patient_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert "Spanish (español)" in web.get(f"/patients/{patient_id}").get_data(as_text=True)
    assert form_fields(web.get(f"/patients/{patient_id}/edit").get_data(as_text=True))["preferred_language"] == "es"

    nurse = api("nurse")
    sid = nurse.post("/api/v1/sessions", json={"patient_id": patient_id, "drug": "natalizumab"}).get_json()["id"]
    ready_to_start(nurse, sid, at=now() - timedelta(minutes=80))
    post(nurse, sid, "start", {"at": (now() - timedelta(minutes=70)).isoformat()})
    post(nurse, sid, "end", {"full_dose": True, "at": (now() - timedelta(minutes=5)).isoformat()})
    page = web.get(f"/sessions/{sid}").get_data(as_text=True)
    assert f'href="/sessions/{sid}/summary.pdf?lang=es">Print visit summary</a>' in page
    assert f'href="/sessions/{sid}/summary.pdf?large=1&amp;lang=es">Large print</a>' in page
    assert f'href="/sessions/{sid}/summary.pdf?lang=en" lang="en">In English</a>' in page
    assert "prints in Spanish (español), the patient's preferred language" in page


def test_the_catalog_editor_sets_what_a_later_summary_says(api, make_patient, login):
    """A warning sign and the late-reaction window, edited per drug, print on the next session's summary;
    a sentence not yet translated prints as written in a Spanish summary rather than not at all."""
    from tests.helpers import form_fields

    admin = login("admin")
    fields = form_fields(admin.get("/admin/catalog/drugs/natalizumab").get_data(as_text=True))
    fields["warnings-2-text"] = "Eye pain, or new trouble seeing."
    fields["warnings-2-action"] = "call_now"
    fields["delayed_reaction_hours"] = "72"
    assert admin.post("/admin/catalog/drugs/natalizumab", fields).status_code == 302
    nurse = api("nurse")
    sid = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab"}).get_json()["id"]
    ready_to_start(nurse, sid, at=now() - timedelta(minutes=80))
    post(nurse, sid, "start", {"at": (now() - timedelta(minutes=70)).isoformat()})
    post(nurse, sid, "end", {"full_dose": True, "at": (now() - timedelta(minutes=5)).isoformat()})
    text = text_of(nurse.get(f"/api/v1/sessions/{sid}/summary.pdf").data)
    right_away = text.index("Call us right away at 555-0100 for:")
    assert right_away < text.index("Eye pain, or new trouble seeing.") < text.index("Call us at 555-0100 for:")
    assert "up to 3 days after it ends" in text and "24 hours" not in text
    spanish = text_of(nurse.get(f"/api/v1/sessions/{sid}/summary.pdf?lang=es").data)
    assert "Eye pain, or new trouble seeing." in spanish and "hasta 3 días después" in spanish


def test_the_catalog_editor_sets_who_a_warning_sign_is_for(api, make_patient, login):
    """A warning sign set for male patients only prints on a man's summary, not on a woman's."""
    from tests.helpers import form_fields

    admin = login("admin")
    page = admin.get("/admin/catalog/drugs/natalizumab").get_data(as_text=True)
    fields = form_fields(page)
    assert fields["warnings-2-applies_to"] == "everyone"
    fields["warnings-2-text"] = "Men only: a sentence for male patients."
    fields["warnings-2-applies_to"] = "male"
    assert admin.post("/admin/catalog/drugs/natalizumab", fields).status_code == 302
    assert form_fields(admin.get("/admin/catalog/drugs/natalizumab").get_data(as_text=True))[
        "warnings-2-applies_to"] == "male"
    nurse = api("nurse")
    printed = {}
    for sex in ("male", "female"):
        patient = make_patient(sex=sex)
        sid = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "natalizumab"}).get_json()["id"]
        ready_to_start(nurse, sid, at=now() - timedelta(minutes=80))
        post(nurse, sid, "start", {"at": (now() - timedelta(minutes=70)).isoformat()})
        post(nurse, sid, "end", {"full_dose": True, "at": (now() - timedelta(minutes=5)).isoformat()})
        printed[sex] = text_of(nurse.get(f"/api/v1/sessions/{sid}/summary.pdf").data)
    assert "Men only: a sentence for male patients." in printed["male"]
    assert "Men only" not in printed["female"]


def test_the_issues_tysabri_anaphylaxis_sent_to_the_emergency_department(api, make_patient):
    """Issue 25's first complaint, end to end: the summary says what happened and where the patient went, in
    plain words and in both languages; no next date, no observation, none of the nurse's shorthand."""
    nurse = api("nurse")
    sid = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab"}).get_json()["id"]
    ready_to_start(nurse, sid, at=now() - timedelta(minutes=60))
    post(nurse, sid, "start", {"at": (now() - timedelta(minutes=50)).isoformat()})
    post(nurse, sid, "reactions", {"code": "hives", "grade": 2, "action": "stopped",
                                   "onset_at": (now() - timedelta(minutes=35)).isoformat()}, 201)
    post(nurse, sid, "reactions", {"code": "swelling_mouth_throat", "grade": 4, "action": "emergency_response",
                                   "medication": "Epinephrine 0.3 mg IM; O2 4 L NC; NS bolus 500 mL",
                                   "onset_at": (now() - timedelta(minutes=32)).isoformat()}, 201)
    post(nurse, sid, "vitals", {"taken_at": (now() - timedelta(minutes=30)).isoformat(), "phase": "during",
                                "systolic": 78, "diastolic": 48, "heart_rate": 124, "spo2": 89}, 201)
    post(nurse, sid, "end", {"full_dose": False, "at": (now() - timedelta(minutes=31)).isoformat()})
    post(nurse, sid, "vitals", {"taken_at": (now() - timedelta(minutes=10)).isoformat(), "phase": "discharge",
                                "systolic": 104, "diastolic": 66, "heart_rate": 98, "spo2": 96}, 201)
    post(nurse, sid, "discharge", {"disposition": "emergency_department", "early_reason": "EMS to the ED"})
    text = text_of(nurse.get(f"/api/v1/sessions/{sid}/summary.pdf").data)
    for part in ("you had swelling in the mouth or throat", "It was life-threatening.",
                 "We gave you a shot of epinephrine (adrenaline), oxygen, and fluids through your IV.",
                 "You were taken to the emergency department.", "Do not get Tysabri (natalizumab) again",
                 "Tell every doctor who treats you about this reaction.", "Lowest: 78/48"):
        assert part in text, part
    for absent in ("due about", "we watched you", "Epinephrine 0.3", "NC", "NS bolus"):
        assert absent not in text, absent
    assert text.index("What to do first") < text.index("What you were given")
    spanish = text_of(nurse.get(f"/api/v1/sessions/{sid}/summary.pdf?lang=es").data)
    for part in ("una inyección de epinefrina (adrenalina), oxígeno y suero por la vena",
                 "La llevaron a la sala de emergencias", "No vuelva a recibir Tysabri (natalizumab)"):
        assert part in spanish, part
    assert "estuvo en observación" not in spanish and "toca más o menos" not in spanish
