"""Load a session with everything charted on it, and turn it into the plain record the pure code reads."""
from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..domain.lifecycle import Status
from ..domain.records import (
    EventRecord, Override, PatientRecord, PremedicationRecord as PremedRec, ReactionRecord, SessionRecord, VitalsRecord,
)
from ..extensions import db
from ..models import (
    InfusionSession, PremedicationRecord, ReactionEntry, SessionEvent, User, VitalSigns,
)


# Who charted what: the session's own people, and each entry's author. A handful of staff chart a session, so
# they come in one query and are set on each entry, rather than joined to every entry's row in five queries.
PEOPLE = (("nurse", "nurse_id"), ("finalized_by", "finalized_by_id"))
ENTRY_PEOPLE = (
    ("vitals", "recorded_by", "recorded_by_id"), ("reactions", "recorded_by", "recorded_by_id"),
    ("events", "recorded_by", "recorded_by_id"), ("premedications", "recorded_by", "recorded_by_id"),
    ("checks", "confirmed_by", "confirmed_by_id"),
)


def _load_people(infusion: InfusionSession) -> None:
    """Set who charted each entry, and the session's nurse and signer, from one query of those people."""
    owners = [(infusion, attribute, key) for attribute, key in PEOPLE]
    owners += [(entry, attribute, key) for collection, attribute, key in ENTRY_PEOPLE
               for entry in getattr(infusion, collection)]
    wanted = {getattr(owner, key) for owner, _, key in owners} - {None}
    found = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}
    for owner, attribute, key in owners:
        set_committed_value(owner, attribute, found.get(getattr(owner, key)))


# The session's row with its patient and drug version. Each kind of entry comes in a query of its own when first
# read, by SQLAlchemy's lazy loader: for one session these are the queries a selectin load would run, but their
# statements are built once, not again on every load (joined to the session's row instead, every reading would
# repeat the session's columns and its protocol document). populate_existing also resets entries read before in
# this transaction, so they load again.
_SESSION = (select(InfusionSession).where(InfusionSession.id == bindparam("session_id"))
            .options(joinedload(InfusionSession.patient), joinedload(InfusionSession.drug_version))
            .execution_options(populate_existing=True))
_SESSION_LOCKED = _SESSION.with_for_update(of=InfusionSession)


def load_session(session_id: int, *, for_update: bool = False, people: bool = True) -> InfusionSession | None:
    """Load a session; what was charted on it loads when first read (with who charted it, unless `people`
    is False).

    `for_update` locks the session's row on PostgreSQL until the transaction ends, so two changes of
    one session run one after the other (SQLite's writers hold its one write lock already). What is
    stored now always wins over what this transaction read before.
    """
    lock = for_update and db.session.get_bind().dialect.name == "postgresql"
    statement = _SESSION_LOCKED if lock else _SESSION
    infusion = db.session.scalars(statement, {"session_id": session_id}).unique().first()
    if infusion is not None and people:
        _load_people(infusion)
    return infusion


def first_infusion_date(patient_id: int, drug_code: str) -> date | None:
    """Return the day infusion 1 of this drug was given to this patient, if recorded."""
    return db.session.scalar(
        select(InfusionSession.session_date).where(
            InfusionSession.patient_id == patient_id, InfusionSession.drug_code == drug_code,
            InfusionSession.infusion_number == 1, InfusionSession.status != Status.CANCELLED,
        ).limit(1)
    )


def _charted_by(entry, attribute: str = "recorded_by") -> str:
    """The name of whoever charted an entry when it was loaded with the entry, else empty.

    A change of a session loads its entries without their authors (no rule reads them); looking each
    one up here would be a query per entry.
    """
    if attribute in inspect(entry).unloaded:
        return ""
    user = getattr(entry, attribute)
    return user.full_name if user is not None else ""


def vitals_record(v: VitalSigns) -> VitalsRecord:
    """The plain record of one reading."""
    return VitalsRecord(
        id=v.id, taken_at=v.taken_at, phase=v.phase, systolic=v.systolic, diastolic=v.diastolic,
        heart_rate=v.heart_rate, resp_rate=v.resp_rate, temperature_c=v.temperature_c, spo2=v.spo2,
        on_oxygen=v.on_oxygen, consciousness=v.consciousness, pain=v.pain, charted_at=v.charted_at,
        recorded_by=_charted_by(v), voided=v.is_voided, void_reason=v.void_reason,
    )


def _reaction(r: ReactionEntry) -> ReactionRecord:
    return ReactionRecord(
        id=r.id, code=r.reaction_code, label=r.reaction_label, group=r.reaction_group,
        systems=frozenset(s for s in r.systems.split(",") if s), onset_at=r.onset_at, grade=r.grade,
        action=r.action, medication=r.medication, resolved_at=r.resolved_at, notes=r.notes,
        charted_at=r.charted_at, recorded_by=_charted_by(r), voided=r.is_voided, void_reason=r.void_reason,
    )


def _event(e: SessionEvent) -> EventRecord:
    return EventRecord(
        id=e.id, kind=e.kind, at=e.occurred_at, rate_ml_h=e.rate_ml_h, reason=e.reason,
        due_to_reaction=e.due_to_reaction, charted_at=e.charted_at, recorded_by=_charted_by(e),
        voided=e.is_voided, void_reason=e.void_reason,
    )


def _premedication(p: PremedicationRecord) -> PremedRec:
    return PremedRec(
        id=p.id, code=p.code, text=p.text, required=p.required, given_at=p.given_at, dose=p.dose,
        not_given_reason=p.not_given_reason, charted_at=p.charted_at, recorded_by=_charted_by(p),
        voided=p.is_voided, void_reason=p.void_reason,
    )


def _patient(p) -> PatientRecord:
    return PatientRecord(
        id=p.id, mrn=p.mrn, first_name=p.first_name, last_name=p.last_name, date_of_birth=p.date_of_birth,
        sex=p.sex, allergies=p.allergies, weight_kg=p.weight_kg, phone=p.phone, pregnant=bool(p.pregnant),
        spo2_scale=p.spo2_scale,
    )


def _in_order(records, time_of):
    return tuple(sorted(records, key=lambda record: (time_of(record), record.id)))


def build_record(s: InfusionSession, first_infusion_on: date | None = None) -> SessionRecord:
    """Return the plain record of a loaded session: every field of the session and of each entry."""
    definition = s.drug_version.definition
    products = definition["products"]
    product = next((p for p in products if p["code"] == s.product_code), products[0])  # the product given
    return SessionRecord(
        id=s.id, patient=_patient(s.patient), drug_code=s.drug_code, drug_brand=product["brand"],
        drug_generic=product["generic"], dose=s.dose, dose_unit=s.dose_unit,
        infusion_number=s.infusion_number, status=s.status, chair=s.chair, lot_number=s.lot_number,
        lot_expiry=s.lot_expiry, nurse_name=s.nurse.full_name if s.nurse else "", nurse_id=s.nurse_id,
        rxnorm=definition.get("rxnorm"), created_at=s.created_at, started_at=s.started_at,
        ended_at=s.ended_at, full_dose=s.full_dose, observation_minutes=s.observation_minutes,
        observation_ends_at=s.observation_ends_at, discharged_at=s.discharged_at, early_reason=s.early_reason,
        disposition=s.disposition, disposition_text=s.disposition_text,
        finalized_at=s.finalized_at, next_appointment=s.next_appointment, first_infusion_on=first_infusion_on,
        notes=s.notes, protocol_dose=s.protocol_dose, dose_reason=s.dose_reason,
        overrides=tuple(Override(o["kind"], o["why"], o["prescriber"], o["reason"]) for o in s.overrides or ()),
        vitals=_in_order(map(vitals_record, s.vitals), lambda v: v.taken_at),
        reactions=_in_order(map(_reaction, s.reactions), lambda r: r.onset_at),
        events=_in_order(map(_event, s.events), lambda e: e.at),
        premedications=tuple(sorted(map(_premedication, s.premedications), key=lambda p: p.id)),
    )
