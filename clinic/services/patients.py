"""Register, edit, find and inactivate patients."""
from __future__ import annotations

from sqlalchemy import or_, select

from ..extensions import db
from ..models import Patient, utcnow
from ..models.patient import search_key
from ..schemas import PatientIn, PatientUpdate
from . import audit
from .actor import Actor
from .errors import Conflict, NotFound
from .validation import validate

SEARCH_LIMIT = 50


def _apply(patient: Patient, data: PatientIn) -> None:
    if data.weight_kg != patient.weight_kg:  # a weight entered now was taken today (doses by weight need its date)
        patient.weight_taken_on = utcnow().date() if data.weight_kg is not None else None
    for field in PatientIn.model_fields:
        setattr(patient, field, getattr(data, field))
    patient.first_key = search_key(data.first_name)
    patient.last_key = search_key(data.last_name)


def register(actor: Actor, **fields) -> Patient:
    """Register a patient; a duplicate MRN is a conflict."""
    data = validate(PatientIn, fields)
    if db.session.scalar(select(Patient.id).where(Patient.mrn == data.mrn)) is not None:
        raise Conflict("A patient with this MRN is already registered.", {"mrn": ["already registered"]})
    patient = Patient()
    _apply(patient, data)
    db.session.add(patient)
    db.session.flush()
    audit.record(actor, "patient_registered", object_type="patient", object_id=patient.id,
                 patient_id=patient.id, details={"mrn": data.mrn})
    return patient


def get(patient_id: int) -> Patient:
    """Return a patient or raise NotFound."""
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("No such patient.")
    return patient


def update(actor: Actor, patient_id: int, version: int | None, **fields) -> Patient:
    """Edit a patient's details; the audit event keeps before and after."""
    patient = get(patient_id)
    if version is not None and version != patient.version:
        raise Conflict("Someone else changed this patient since you opened it. Reload and try again.")
    data = validate(PatientUpdate, fields)
    if data.mrn != patient.mrn and db.session.scalar(select(Patient.id).where(Patient.mrn == data.mrn)):
        raise Conflict("A patient with this MRN is already registered.", {"mrn": ["already registered"]})
    before = _snapshot(patient)
    _apply(patient, data)
    patient.active = data.active
    after = _snapshot(patient)
    changes = {k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]}
    if changes:
        db.session.flush()
        audit.record(actor, "patient_updated", object_type="patient", object_id=patient.id,
                     patient_id=patient.id, details={"changes": changes})
    return patient


def _snapshot(patient: Patient) -> dict:
    return {f: (str(getattr(patient, f)) if getattr(patient, f) is not None else None)
            for f in (*PatientIn.model_fields, "active")}


def search(q: str, include_inactive: bool = False, limit: int = SEARCH_LIMIT) -> list[Patient]:
    """Find patients by MRN prefix (any case) or by name prefix ("lopez", "maria lo", "lopez, m")."""
    q = q.strip()
    if not q:
        return []
    terms = [t for t in search_key(q.replace(",", " ")).split(" ") if t]
    conditions = [_starts_with(Patient.mrn, variant) for variant in dict.fromkeys((q, q.upper(), q.lower()))]
    if terms:
        name_match = [or_(_starts_with(Patient.last_key, t), _starts_with(Patient.first_key, t)) for t in terms]
        conditions.append(db.and_(*name_match))
    query = select(Patient).where(or_(*conditions)).order_by(Patient.last_key, Patient.first_key, Patient.id)
    if not include_inactive:
        query = query.where(Patient.active.is_(True))
    return list(db.session.scalars(query.limit(limit)))


def _starts_with(column, prefix: str):
    # The range lets the column's index answer (PostgreSQL uses an index for LIKE only under the C
    # collation); startswith keeps the match exact.
    return db.and_(column >= prefix, column < prefix + "\U0010ffff", column.startswith(prefix, autoescape=True))


def id_by_mrn(mrn: str) -> int | None:
    """The id of the patient with exactly this MRN."""
    return db.session.scalar(select(Patient.id).where(Patient.mrn == mrn))


def search_by_id(patient_id: int | None) -> Patient | None:
    """Return the patient with this id, or None (for pre-filling forms)."""
    return db.session.get(Patient, patient_id) if patient_id else None
