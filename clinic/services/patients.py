"""Register, edit, find and inactivate patients."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..input_guard import text_problem
from ..models import Patient, utcnow
from ..models.patient import KEY_LENGTH, mrn_key, search_key
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
    patient.mrn_key = mrn_key(data.mrn)


def _mrn_taken(mrn: str, other_than: int | None = None) -> None:
    query = select(Patient.id).where(Patient.mrn_key == mrn_key(mrn))
    if other_than is not None:
        query = query.where(Patient.id != other_than)
    if db.session.scalar(query) is not None:
        raise Conflict("A patient with this MRN is already registered.", {"mrn": ["already registered"]})


def _flush_unique(patient: Patient) -> None:
    """Flush; a registration racing this one with the same MRN meets the unique index: a conflict, not a 500."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict("A patient with this MRN is already registered.", {"mrn": ["already registered"]}) from exc


def register(actor: Actor, **fields) -> Patient:
    """Register a patient; a duplicate MRN is a conflict."""
    data = validate(PatientIn, fields)
    _mrn_taken(data.mrn)
    patient = Patient()
    _apply(patient, data)
    db.session.add(patient)
    _flush_unique(patient)
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
    _mrn_taken(data.mrn, other_than=patient.id)
    before = _snapshot(patient)
    _apply(patient, data)
    patient.active = data.active
    after = _snapshot(patient)
    changes = {k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]}
    if changes:
        _flush_unique(patient)
        audit.record(actor, "patient_updated", object_type="patient", object_id=patient.id,
                     patient_id=patient.id, details={"changes": changes})
    return patient


def _snapshot(patient: Patient) -> dict:
    return {f: (str(getattr(patient, f)) if getattr(patient, f) is not None else None)
            for f in (*PatientIn.model_fields, "active")}


def search(q: str, include_inactive: bool = False, limit: int = SEARCH_LIMIT) -> list[Patient]:
    """Find patients by MRN prefix (any case) or by name prefix ("lopez", "maria lo", "lopez, m")."""
    q = q.strip()
    if not q or text_problem(q):
        return []
    terms = [t[:KEY_LENGTH] for t in " ".join(p.casefold() for p in q.replace(",", " ").split()).split(" ") if t]
    conditions = [_starts_with(Patient.mrn_key, mrn_key(q))]
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
    """The id of the patient with this MRN, in any case."""
    if text_problem(mrn) or len(mrn) > 32:
        return None
    return db.session.scalar(select(Patient.id).where(Patient.mrn_key == mrn_key(mrn)))


def search_by_id(patient_id: int | None) -> Patient | None:
    """Return the patient with this id, or None (for pre-filling forms)."""
    return db.session.get(Patient, patient_id) if patient_id else None
