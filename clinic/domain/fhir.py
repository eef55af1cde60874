"""A session as FHIR R4 resources (DOMAIN.md §6): plain dicts, references resolvable inside a Bundle."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

from ..formatting import decimal_text
from .records import SessionRecord, VitalsRecord

NAMESPACE = uuid.UUID("5b0e6f4e-2f49-4f8a-9a39-7c1f1c0f0a11")
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
VITAL_SIGNS = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                           "code": "vital-signs", "display": "Vital Signs"}]}
IV_ROUTE = {"coding": [{"system": SNOMED, "code": "47625008", "display": "Intravenous route"}]}
CTCAE_EXTENSION = "http://chairside.local/fhir/StructureDefinition/ctcae-grade"
MRN_SYSTEM = "http://chairside.local/fhir/mrn"
SEVERITY = {1: "mild", 2: "moderate", 3: "severe", 4: "severe", 5: "severe"}
GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}
# (field, LOINC code, display, UCUM unit, UCUM code)
SIMPLE_VITALS = (
    ("heart_rate", "8867-4", "Heart rate", "/min", "/min"),
    ("resp_rate", "9279-1", "Respiratory rate", "/min", "/min"),
    ("temperature_c", "8310-5", "Body temperature", "Cel", "Cel"),
    ("pain", "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported", "{score}", "{score}"),
)


def urn(kind: str, *ids) -> str:
    """A stable urn:uuid for a resource, so exports of the same record agree."""
    return "urn:uuid:" + str(uuid.uuid5(NAMESPACE, kind + ":" + ":".join(str(i) for i in ids)))


def _ref(full_url: str, display: str | None = None) -> dict:
    return {"reference": full_url, **({"display": display} if display else {})}


def _iso(value):
    return value.isoformat() if value else None


def _number(value):
    text = decimal_text(value)
    return float(text) if "." in text else int(text)


def _quantity(value, unit: str, code: str) -> dict:
    return {"value": _number(value), "unit": unit, "system": UCUM, "code": code}


def _code(code: str, display: str) -> dict:
    return {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display}


def patient(r: SessionRecord) -> dict:
    p = r.patient
    return {"resourceType": "Patient", "id": f"patient-{p.id}",
            "identifier": [{"system": MRN_SYSTEM, "value": p.mrn}],
            "name": [{"family": p.last_name, "given": [p.first_name]}],
            "gender": GENDER.get(p.sex, "unknown"), "birthDate": p.date_of_birth.isoformat()}


def practitioner(r: SessionRecord) -> dict:
    return {"resourceType": "Practitioner", "id": f"practitioner-{r.nurse_id}", "name": [{"text": r.nurse_name}]}


def location(r: SessionRecord) -> dict:
    return {"resourceType": "Location", "id": f"chair-{r.id}", "name": f"Chair {r.chair}" if r.chair else "Chair",
            "mode": "instance", "status": "active"}


def _encounter_status(r: SessionRecord) -> str:
    return {"planned": "planned", "cancelled": "cancelled", "discharged": "finished",
            "finalized": "finished"}.get(r.status, "in-progress")


# Where the patient went, in HL7's discharge-disposition code system, with our words beside the code.
DISPOSITION_CODES = {
    "home": ("home", "Home"), "emergency_department": ("other-hcf", "Transferred to the emergency department"),
    "admitted": ("other-hcf", "Admitted to hospital"), "other": ("oth", "Other"),
}


def _hospitalization(r: SessionRecord) -> dict:
    code, words = DISPOSITION_CODES[r.disposition]
    return {"dischargeDisposition": {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/discharge-disposition", "code": code}],
        "text": r.disposition_text or words}}


def encounter(r: SessionRecord) -> dict:
    period = {"start": _iso(r.started_at or r.created_at)}
    if r.discharged_at:
        period["end"] = _iso(r.discharged_at)
    extra = {"hospitalization": _hospitalization(r)} if r.disposition else {}
    return {
        "resourceType": "Encounter", "id": f"encounter-{r.id}", "status": _encounter_status(r),
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB",
                  "display": "ambulatory"},
        "subject": _ref(urn("Patient", r.patient.id)), "period": period,
        "participant": [{"individual": _ref(urn("Practitioner", r.nurse_id), r.nurse_name)}],
        "location": [{"location": _ref(urn("Location", r.id), f"Chair {r.chair}" if r.chair else None)}],
        **extra,
    }


def _last_rate(r: SessionRecord):
    rates = [e for e in r.events if e.kind == "rate_change" and not e.voided]
    return max(rates, key=lambda e: (e.at, e.id)).rate_ml_h if rates else None


def _drug_status(r: SessionRecord) -> tuple[str, str | None]:
    if r.status == "cancelled":
        return "not-done", r.early_reason or "Session cancelled"
    if r.ended_at is None:
        return "in-progress", None
    if r.full_dose is False:
        return "stopped", "Infusion ended before the full dose was given"
    return "completed", None


def drug_administration(r: SessionRecord) -> dict:
    status, reason = _drug_status(r)
    medication = {"text": f"{r.drug_brand} ({r.drug_generic})"}
    if r.rxnorm:
        medication["coding"] = [{"system": RXNORM, "code": r.rxnorm, "display": r.drug_generic}]
    dosage = {"route": IV_ROUTE, "dose": {"value": _number(r.dose), "unit": r.dose_unit, "system": UCUM,
                                           "code": r.dose_unit}}
    rate = _last_rate(r)
    if rate is not None:
        dosage["rateQuantity"] = _quantity(rate, "mL/h", "mL/h")
    resource = {
        "resourceType": "MedicationAdministration", "id": f"medadmin-{r.id}", "status": status,
        "medicationCodeableConcept": medication, "subject": _ref(urn("Patient", r.patient.id)),
        "context": _ref(urn("Encounter", r.id)),
        "effectivePeriod": {k: v for k, v in (("start", _iso(r.started_at or r.created_at)),
                                              ("end", _iso(r.ended_at))) if v},
        "dosage": dosage,
    }
    if reason:
        resource["statusReason"] = [{"text": reason}]
    return resource


def premedication_administrations(r: SessionRecord) -> Iterator[dict]:
    for p in r.premedications:
        if p.voided:
            continue
        resource = {
            "resourceType": "MedicationAdministration", "id": f"premed-{p.id}",
            "status": "completed" if p.given_at else "not-done",
            "medicationCodeableConcept": {"text": p.text}, "subject": _ref(urn("Patient", r.patient.id)),
            "context": _ref(urn("Encounter", r.id)), "effectiveDateTime": _iso(p.given_at or p.charted_at),
            "dosage": {"route": IV_ROUTE, **({"text": p.dose} if p.dose else {})},
        }
        if p.not_given_reason:
            resource["statusReason"] = [{"text": p.not_given_reason}]
        yield resource


def _observation(r: SessionRecord, v: VitalsRecord, key: str, code: dict, **value) -> dict:
    return {"resourceType": "Observation", "id": f"obs-{v.id}-{key.replace('_', '-')}",
            "status": "entered-in-error" if v.voided else "final", "category": [VITAL_SIGNS], "code": code,
            "subject": _ref(urn("Patient", r.patient.id)), "encounter": _ref(urn("Encounter", r.id)),
            "effectiveDateTime": _iso(v.taken_at), **value}


def observations(r: SessionRecord) -> Iterator[dict]:
    """One Observation per vital sign measured; blood pressure as one panel with two components."""
    for v in r.vitals:
        if v.systolic is not None or v.diastolic is not None:
            components = [{"code": _code(code, display), "valueQuantity": _quantity(value, "mmHg", "mm[Hg]")}
                          for value, code, display in ((v.systolic, "8480-6", "Systolic blood pressure"),
                                                       (v.diastolic, "8462-4", "Diastolic blood pressure"))
                          if value is not None]
            yield _observation(r, v, "bp", _code("85354-9", "Blood pressure panel with all children optional"),
                               component=components)
        for field, code, display, unit, ucum in SIMPLE_VITALS:
            value = getattr(v, field)
            if value is not None:
                yield _observation(r, v, field, _code(code, display), valueQuantity=_quantity(value, unit, ucum))
        if v.spo2 is not None:
            spo2_code = {"coding": [
                {"system": LOINC, "code": "2708-6", "display": "Oxygen saturation in Arterial blood"},
                {"system": LOINC, "code": "59408-5",
                 "display": "Oxygen saturation in Arterial blood by Pulse oximetry"}], "text": "Oxygen saturation"}
            yield _observation(r, v, "spo2", spo2_code, valueQuantity=_quantity(v.spo2, "%", "%"))


def body_weight(r: SessionRecord) -> Iterator[dict]:
    """The weight on the patient's chart at this visit (it sets weight-based doses), when known."""
    if r.patient.weight_kg is None:
        return
    yield {"resourceType": "Observation", "id": f"obs-weight-{r.id}", "status": "final", "category": [VITAL_SIGNS],
           "code": _code("29463-7", "Body weight"), "subject": _ref(urn("Patient", r.patient.id)),
           "encounter": _ref(urn("Encounter", r.id)), "effectiveDateTime": _iso(r.started_at or r.created_at),
           "valueQuantity": _quantity(r.patient.weight_kg, "kg", "kg")}


def adverse_events(r: SessionRecord) -> Iterator[dict]:
    """One AdverseEvent per reaction entry that was not voided."""
    for e in r.reactions:
        if e.voided:
            continue
        serious = e.group == "serious" or e.grade >= 3 or e.action == "emergency_response"
        resource = {
            "resourceType": "AdverseEvent", "id": f"reaction-{e.id}", "actuality": "actual",
            "event": {"text": e.label}, "subject": _ref(urn("Patient", r.patient.id)),
            "encounter": _ref(urn("Encounter", r.id)), "date": _iso(e.onset_at), "recordedDate": _iso(e.charted_at),
            "seriousness": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
                "code": "serious" if serious else "non-serious", "display": "Serious" if serious else "Non-serious"}]},
            "severity": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/adverse-event-severity",
                                     "code": SEVERITY[e.grade], "display": SEVERITY[e.grade].title()}]},
            "outcome": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/adverse-event-outcome",
                                    "code": "resolved" if e.resolved_at else "ongoing"}]},
            "suspectEntity": [{"instance": _ref(urn("MedicationAdministration", r.id))}],
            "extension": [{"url": CTCAE_EXTENSION, "valueInteger": e.grade}],
        }
        yield resource


def resources(r: SessionRecord) -> Iterator[tuple[str, dict]]:
    """Yield (fullUrl, resource) for every resource of the session."""
    yield urn("Patient", r.patient.id), patient(r)
    yield urn("Practitioner", r.nurse_id), practitioner(r)
    yield urn("Location", r.id), location(r)
    yield urn("Encounter", r.id), encounter(r)
    yield urn("MedicationAdministration", r.id), drug_administration(r)
    for resource in premedication_administrations(r):
        yield urn("Premedication", resource["id"]), resource
    for resource in (*body_weight(r), *observations(r)):
        yield urn("Observation", resource["id"]), resource
    for resource in adverse_events(r):
        yield urn("AdverseEvent", resource["id"]), resource


def relative_references(entries: list[tuple[str, dict]]) -> Iterator[dict]:
    """The resources with each urn:uuid reference rewritten as `Type/id`.

    Outside a Bundle (bulk NDJSON) there is no fullUrl to resolve a urn against; a
    relative reference names the resource in the same export instead.
    """
    names = {url: f"{resource['resourceType']}/{resource['id']}" for url, resource in entries}

    def rewrite(value):
        if isinstance(value, dict):
            return {k: names.get(v, v) if k == "reference" else rewrite(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rewrite(item) for item in value]
        return value

    for _url, resource in entries:
        yield rewrite(resource)


def bundle(r: SessionRecord) -> dict:
    """The session as a FHIR R4 Bundle of type collection."""
    return {"resourceType": "Bundle", "type": "collection", "id": f"session-{r.id}",
            "entry": [{"fullUrl": full_url, "resource": resource} for full_url, resource in resources(r)]}
