"""FHIR R4 export, validated with the fhir.resources R4B models (DOMAIN.md §6)."""
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import insert, select

from tests.helpers import post

LOINC = "http://loinc.org"


def ago(minutes):
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def session_with_everything(api, make_patient):
    nurse = api("nurse")
    sid = nurse.post("/api/v1/sessions", json={"patient_id": make_patient(weight_kg="71.5").id, "drug": "ocrelizumab",
                                              "chair": "7"}).get_json()["id"]
    post(nurse, sid, "checks", {"codes": ["no_active_infection", "hepatitis_b_screening"]})
    post(nurse, sid, "premedications", {"code": "methylprednisolone_100", "given_at": ago(100), "dose": "100 mg"}, 201)
    post(nurse, sid, "premedications", {"code": "antihistamine", "not_given_reason": "patient declined"}, 201)
    post(nurse, sid, "vitals", {"taken_at": ago(95), "phase": "baseline", "systolic": 128, "diastolic": 79,
                                "heart_rate": 72, "resp_rate": 15, "temperature_c": "36.9", "spo2": 98, "pain": 1}, 201)
    post(nurse, sid, "start", {"at": ago(90)})
    post(nurse, sid, "rate", {"rate_ml_h": "120", "at": ago(80)}, 201)
    post(nurse, sid, "reactions", {"code": "trouble_breathing", "grade": 3, "action": "stopped",
                                   "onset_at": ago(60)}, 201)
    voided = post(nurse, sid, "reactions", {"code": "rash", "grade": 1, "action": "none", "onset_at": ago(59)}, 201)
    post(nurse, sid, f"reactions/{voided['id']}/void", {"reason": "wrong patient"})
    post(nurse, sid, "end", {"full_dose": False, "at": ago(55)})
    nurse.sid = sid
    return nurse


def _references(node):
    if isinstance(node, dict):
        if "reference" in node:
            yield node["reference"]
        for key, value in node.items():
            if key != "reference":
                yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def _bundle(client, sid):
    response = client.get(f"/api/v1/sessions/{sid}/fhir")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    return response.get_json()


def test_bundle_validates_and_references_resolve(session_with_everything):
    data = _bundle(session_with_everything, session_with_everything.sid)
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    urls = {entry["fullUrl"] for entry in data["entry"]}

    refs = list(_references(data["entry"]))
    assert refs and all(ref in urls for ref in refs)


def test_bundle_contents(session_with_everything):
    data = _bundle(session_with_everything, session_with_everything.sid)
    by_type = {}
    for entry in data["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    encounter = by_type["Encounter"][0]
    assert encounter["class"]["code"] == "AMB" and "period" in encounter
    assert by_type["Location"][0]["name"] == "Chair 7" and encounter["participant"][0]["individual"]["display"]
    drug = next(m for m in by_type["MedicationAdministration"] if m["id"].startswith("medadmin"))
    assert drug["status"] == "stopped" and drug["statusReason"]
    assert drug["dosage"]["route"]["coding"][0]["code"] == "47625008"
    assert drug["dosage"]["rateQuantity"] == {"value": 120, "unit": "mL/h", "system": "http://unitsofmeasure.org",
                                              "code": "mL/h"}
    premeds = [m for m in by_type["MedicationAdministration"] if m["id"].startswith("premed")]
    assert sorted(m["status"] for m in premeds) == ["completed", "not-done"]
    codes = {}
    for obs in by_type["Observation"]:
        assert obs["category"][0]["coding"][0]["code"] == "vital-signs"
        codes[obs["code"]["coding"][0]["code"]] = obs
    assert set(codes) == {"85354-9", "8867-4", "9279-1", "8310-5", "2708-6", "72514-3", "29463-7"}
    assert codes["29463-7"]["valueQuantity"] == {"value": 71.5, "unit": "kg", "system": "http://unitsofmeasure.org",
                                                 "code": "kg"}
    bp = codes["85354-9"]
    assert [(c["code"]["coding"][0]["code"], c["valueQuantity"]["code"]) for c in bp["component"]] == [
        ("8480-6", "mm[Hg]"), ("8462-4", "mm[Hg]")]
    assert codes["8310-5"]["valueQuantity"]["code"] == "Cel"
    assert codes["8867-4"]["valueQuantity"]["code"] == "/min"
    assert {c["code"] for c in codes["2708-6"]["code"]["coding"]} == {"2708-6", "59408-5"}
    events = by_type["AdverseEvent"]
    assert len(events) == 1  # the voided rash is not exported
    event = events[0]
    assert event["seriousness"]["coding"][0]["code"] == "serious"
    assert event["severity"]["coding"][0]["code"] == "severe"
    assert event["extension"][0]["valueInteger"] == 3
    assert event["suspectEntity"][0]["instance"]["reference"] == next(
        e["fullUrl"] for e in data["entry"] if e["resource"] is not None and e["resource"].get("id") == drug["id"])


def test_export_is_audited_and_404_for_unknown(session_with_everything, ctx):
    from clinic.extensions import db
    from clinic.models import AuditEvent

    assert session_with_everything.get("/api/v1/sessions/99999/fhir").status_code == 404
    _bundle(session_with_everything, session_with_everything.sid)
    with ctx():
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "fhir_exported"))


def test_bulk_export_is_for_supervisors_and_every_line_validates(session_with_everything, api):
    today = date.today()
    window = f"from={(today - timedelta(days=1)).isoformat()}&to={(today + timedelta(days=1)).isoformat()}"
    assert session_with_everything.get(f"/api/v1/exports/fhir?{window}").status_code == 403
    response = api("supervisor").get(f"/api/v1/exports/fhir?{window}")
    assert response.status_code == 200 and response.mimetype == "application/fhir+ndjson"
    resources = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert resources
    for resource in resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    names = [f"{r['resourceType']}/{r['id']}" for r in resources]
    assert len(names) == len(set(names)), "a patient or nurse is written once"
    refs = [ref for r in resources for ref in _references(r)]
    assert refs and set(refs) <= set(names), "every reference names a resource in the export"


def _bulk_sessions(n, patient_id, nurse_id):
    """Insert n finished sessions with one reading each, straight into the tables."""
    from clinic.extensions import db
    from clinic.models import DrugVersion, InfusionSession, VitalSigns

    version = db.session.scalar(select(DrugVersion.id).where(DrugVersion.drug_code == "natalizumab"))
    day = date(2025, 6, 1)
    start = datetime(2025, 6, 1, 14, tzinfo=timezone.utc)
    rows = [dict(patient_id=patient_id, drug_code="natalizumab", drug_version_id=version, dose=300, dose_unit="mg",
                 infusion_number=i + 1, chair="1", nurse_id=nurse_id, status="finalized", session_date=day,
                 created_at=start, started_at=start, ended_at=start + timedelta(hours=1), full_dose=True,
                 observation_minutes=60, flags=[], flag_level="none", needs_review=False, version=1,
                 updated_at=start) for i in range(n)]
    db.session.execute(insert(InfusionSession), rows)
    ids = db.session.scalars(select(InfusionSession.id).where(InfusionSession.session_date == day)).all()
    db.session.execute(insert(VitalSigns), [dict(session_id=i, taken_at=start, charted_at=start, phase="baseline",
                                                 heart_rate=70, recorded_by_id=nurse_id) for i in ids])
    db.session.commit()


def test_bulk_export_streams_ten_thousand_sessions_in_batches(api, make_patient, ctx, monkeypatch):
    from clinic.services import exports

    supervisor = api("supervisor")
    patient = make_patient()
    with ctx():
        _bulk_sessions(10_000, patient.id, supervisor.user.id)
    loaded = []
    original = exports._batch
    monkeypatch.setattr(exports, "_batch", lambda *a: loaded.append(len(result := original(*a))) or result)
    response = supervisor.get("/api/v1/exports/fhir?from=2025-06-01&to=2025-06-01")
    assert response.is_streamed
    count = {"Patient": 0, "Encounter": 0, "Observation": 0}
    for chunk in response.response:
        kind = json.loads(chunk)["resourceType"]
        if kind in count:
            count[kind] += 1
    assert count == {"Patient": 1, "Encounter": 10_000, "Observation": 10_000}
    assert max(loaded) <= exports.BATCH and sum(loaded) == 10_000
