"""Turn a session's rows into the plain record the pure rules read."""
from __future__ import annotations

from collections import Counter, namedtuple
from dataclasses import fields
from datetime import date
from operator import itemgetter

from sqlalchemy import Integer, String, bindparam, cast, inspect, literal_column, null, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from ..domain.records import (
    EventRecord, PatientRecord, PremedicationRecord as PremedRec, ReactionRecord, SessionRecord, VitalsRecord,
)
from ..extensions import db
from ..models import (
    CheckConfirmation, InfusionSession, PremedicationRecord, ReactionEntry, SessionEvent, VitalSigns,
)


# Loader options are built once: building them costs more than the query they shape.
# Who charted each entry comes joined to its collection's query: a query of its own per collection
# would send the same few users again and again.
_WHO_CHARTED = (
    joinedload(InfusionSession.nurse),
    joinedload(InfusionSession.drug_version),
    selectinload(InfusionSession.vitals).joinedload(VitalSigns.recorded_by),
    selectinload(InfusionSession.reactions).joinedload(ReactionEntry.recorded_by),
    selectinload(InfusionSession.events).joinedload(SessionEvent.recorded_by),
    selectinload(InfusionSession.premedications).joinedload(PremedicationRecord.recorded_by),
    selectinload(InfusionSession.checks).joinedload(CheckConfirmation.confirmed_by),
    joinedload(InfusionSession.finalized_by),
)
_WITH_PATIENT = joinedload(InfusionSession.patient)


def _session_query(people: bool, locked: bool):
    # Several service calls may share one transaction: always read what is stored now.
    query = (
        select(InfusionSession)
        .where(InfusionSession.id == bindparam("session_id"))
        .options(_WITH_PATIENT, *(_WHO_CHARTED if people else ()))
        .execution_options(populate_existing=True)
    )
    return query.with_for_update(of=InfusionSession) if locked else query


# Built once, like the options: every change of a session loads it, and building the query (and its
# cache key) on every call was 40 % of the load's CPU (0.23 ms against 0.14, SQLite, measured).
_SESSION_QUERIES = {(people, locked): _session_query(people, locked)
                    for people in (True, False) for locked in (True, False)}


def load_session(session_id: int, *, for_update: bool = False, people: bool = True) -> InfusionSession | None:
    """Load a session, with everything charted on it and who charted it unless `people` is False.

    Without people only the patient comes with it: a change reads what else its rule needs (the
    drug as recorded, a collection) in one query on first use, and the flags read the entries
    as plain rows. `for_update` locks the session's row on PostgreSQL (SQLite's writers already
    hold its one write lock).
    """
    locked = for_update and db.session.get_bind().dialect.name == "postgresql"
    return db.session.scalar(_SESSION_QUERIES[people, locked], {"session_id": session_id})


def first_infusion_date(patient_id: int, drug_code: str) -> date | None:
    """Return the day infusion 1 of this drug was given to this patient, if recorded."""
    return db.session.scalar(
        select(InfusionSession.session_date).where(
            InfusionSession.patient_id == patient_id, InfusionSession.drug_code == drug_code,
            InfusionSession.infusion_number == 1, InfusionSession.status != "cancelled",
        ).limit(1)
    )


def _name(user) -> str:
    return user.full_name if user is not None else ""


def _charted_by(entry) -> str:
    """The name of whoever charted an entry, if it was loaded."""
    loaded = "recorded_by" not in inspect(entry).unloaded
    return _name(entry.recorded_by) if loaded else ""


# The converters below read an ORM entry or a plain row of the same columns alike (readings for
# the rules are made by position instead: see _STANDING_KINDS).

def _vitals(v, recorded_by: str) -> VitalsRecord:
    return VitalsRecord(
        id=v.id, taken_at=v.taken_at, phase=v.phase, systolic=v.systolic, diastolic=v.diastolic,
        heart_rate=v.heart_rate, resp_rate=v.resp_rate, temperature_c=v.temperature_c, spo2=v.spo2,
        on_oxygen=v.on_oxygen, consciousness=v.consciousness, pain=v.pain, charted_at=v.charted_at,
        recorded_by=recorded_by, voided=v.voided_at is not None, void_reason=v.void_reason,
    )


def _reaction(r, recorded_by: str = "") -> ReactionRecord:
    return ReactionRecord(
        id=r.id, code=r.reaction_code, label=r.reaction_label, group=r.reaction_group,
        systems=frozenset(s for s in r.systems.split(",") if s), onset_at=r.onset_at, grade=r.grade,
        action=r.action, medication=r.medication, resolved_at=r.resolved_at, notes=r.notes,
        charted_at=r.charted_at, recorded_by=recorded_by, voided=r.voided_at is not None, void_reason=r.void_reason,
    )


def _event(e, recorded_by: str = "") -> EventRecord:
    return EventRecord(
        id=e.id, kind=e.kind, at=e.occurred_at, rate_ml_h=e.rate_ml_h, reason=e.reason,
        due_to_reaction=e.due_to_reaction, charted_at=e.charted_at, recorded_by=recorded_by,
        voided=e.voided_at is not None, void_reason=e.void_reason,
    )


def _premed(p, recorded_by: str = "") -> PremedRec:
    return PremedRec(
        id=p.id, code=p.code, text=p.text, required=p.required, given_at=p.given_at, dose=p.dose,
        not_given_reason=p.not_given_reason, charted_at=p.charted_at, recorded_by=recorded_by,
        voided=p.voided_at is not None, void_reason=p.void_reason,
    )


def _patient(p) -> PatientRecord:
    return PatientRecord(
        id=p.id, mrn=p.mrn, first_name=p.first_name, last_name=p.last_name, date_of_birth=p.date_of_birth,
        sex=p.sex, allergies=p.allergies, weight_kg=p.weight_kg, phone=p.phone, pregnant=bool(p.pregnant),
    )


def _by_time_then_id(items, time_of):
    return tuple(sorted(items, key=lambda item: (time_of(item), item.id)))


def _session_record(s: InfusionSession, first_infusion_on, vitals, reactions, events, premedications,
                    names: bool = True) -> SessionRecord:
    """Without `names`, the drug's names and the nurse's are left empty (and not loaded)."""
    definition = s.drug_version.definition if names else {"brand": "", "generic": ""}
    return SessionRecord(
        id=s.id, patient=_patient(s.patient), drug_code=s.drug_code, drug_brand=definition["brand"],
        drug_generic=definition["generic"], dose=s.dose, dose_unit=s.dose_unit,
        infusion_number=s.infusion_number, status=s.status, chair=s.chair, lot_number=s.lot_number,
        lot_expiry=s.lot_expiry, nurse_name=_name(s.nurse) if names else "", nurse_id=s.nurse_id,
        rxnorm=definition.get("rxnorm"), created_at=s.created_at, started_at=s.started_at,
        ended_at=s.ended_at, full_dose=s.full_dose, observation_minutes=s.observation_minutes,
        observation_ends_at=s.observation_ends_at, discharged_at=s.discharged_at, early_reason=s.early_reason,
        finalized_at=s.finalized_at, next_appointment=s.next_appointment, first_infusion_on=first_infusion_on,
        notes=s.notes,
        vitals=_by_time_then_id(vitals, lambda v: v.taken_at),
        reactions=_by_time_then_id(reactions, lambda r: r.onset_at),
        events=_by_time_then_id(events, lambda e: e.at),
        premedications=tuple(sorted(premedications, key=lambda p: p.id)),
    )


def build_record(s: InfusionSession, first_infusion_on: date | None = None) -> SessionRecord:
    """Return the plain record of a session loaded with its entries and who charted them."""
    return _session_record(
        s, first_infusion_on,
        vitals=(_vitals(v, _charted_by(v)) for v in s.vitals),
        reactions=(_reaction(r, _charted_by(r)) for r in s.reactions),
        events=(_event(e, _charted_by(e)) for e in s.events),
        premedications=(_premed(p, _charted_by(p)) for p in s.premedications),
    )


# Every kind of entry has these. The rules read standing entries only, whose voided_at and void_reason
# are NULL: those two are not read (_by_name supplies them), one time fewer to convert per row.
_COMMON = ("id", "charted_at")
# A long session has many readings: they are read as the leading fields of VitalsRecord, in its
# order, and made into records by position (the rest keep their defaults: no rule reads them),
# which costs a fraction of reading each column by name.
_VITALS_FIELDS = [f.name for f in fields(VitalsRecord)]
_VITALS_READ = tuple(_VITALS_FIELDS[:_VITALS_FIELDS.index("consciousness") + 1])
_REACTIONS_READ = (*_COMMON, "reaction_code", "reaction_label", "reaction_group", "systems", "onset_at", "grade",
                   "action", "medication", "resolved_at", "notes")
_EVENTS_READ = (*_COMMON, "kind", "occurred_at", "rate_ml_h", "reason", "due_to_reaction")
_PREMEDICATIONS_READ = (*_COMMON, "code", "text", "required", "given_at", "dose", "not_given_reason")


def _by_name(names, convert):
    """Make a record of a row's values with a converter that reads the columns by name (standing: not voided)."""
    row_type = namedtuple("Row", (*names, "voided_at", "void_reason"), defaults=(None, None))
    return lambda values: convert(row_type(*values))


# Each kind of entry: its model, the columns the rules read, and how their values become a record;
# in the order of _session_record's arguments (rules_record passes them on by position).
_STANDING_KINDS = (
    (VitalSigns, _VITALS_READ, lambda values: VitalsRecord(*values)),
    (ReactionEntry, _REACTIONS_READ, _by_name(_REACTIONS_READ, _reaction)),
    (SessionEvent, _EVENTS_READ, _by_name(_EVENTS_READ, _event)),
    (PremedicationRecord, _PREMEDICATIONS_READ, _by_name(_PREMEDICATIONS_READ, _premed)),
)


def _converted_alike(column) -> tuple:
    """Columns whose values SQLAlchemy converts the same way (texts of any length, decimals of one scale)."""
    kind = String if isinstance(column.type, String) else type(column.type)
    return kind, getattr(column.type, "scale", None)


def _standing_entries():
    """One statement, built once, reading a session's standing entries (not voided) of every kind.

    On PostgreSQL each statement costs the worker more CPU than the rules do, and every change of
    a session runs this one. A UNION needs one type in each column, so the kinds share a column
    only where their values are converted alike: the kind's n-th time goes in the n-th place for
    times, its n-th number in the n-th place for numbers, and so on, with NULL in the places it
    does not fill; the first column says which kind a row is, and that kind's reader picks its
    values from its places and makes its record. Sharing keeps the row narrow (the driver and
    SQLAlchemy do work for every column of every row). Each NULL is cast to its place's type
    because SQLAlchemy takes a UNION's result types from its first SELECT: a bare NULL there would
    leave the other kinds' times, flags and decimals unconverted (naive strings on SQLite).
    """
    places = {}  # (conversion, n) -> the first column put in that place: its type is the place's
    layouts = []  # for each kind, the place of each column it reads
    for model, names, _ in _STANDING_KINDS:
        counts, layout = Counter(), []
        for name in names:
            column = model.__table__.c[name]
            alike = _converted_alike(column)
            layout.append((alike, counts[alike]))
            counts[alike] += 1
            places.setdefault(layout[-1], column)
        layouts.append(layout)
    order = list(places)
    parts, readers = [], []
    for kind, ((model, names, make), layout) in enumerate(zip(_STANDING_KINDS, layouts, strict=True)):
        table = model.__table__
        filled = dict(zip(layout, (table.c[name] for name in names), strict=True))
        columns = [filled.get(place, cast(null(), places[place].type)) for place in order]
        parts.append(
            select(literal_column(str(kind), Integer), *(c.label(f"c{i}") for i, c in enumerate(columns)))
            .where(table.c.session_id == bindparam("session_id"), table.c.voided_at.is_(None)))
        readers.append((itemgetter(*(1 + order.index(place) for place in layout)), make))
    return union_all(*parts), readers


_STANDING_ENTRIES, _READERS = _standing_entries()


def rules_record(s: InfusionSession) -> SessionRecord:
    """The record the flag rules read: the session's row and its entries as stored now.

    Called after a flush, so the change being made is in it. The entries are read as plain
    rows: turning a long session's readings into ORM objects on every change would cost
    more than the rules themselves. Voided entries are left out (they raise nothing), and so
    are who charted each entry and the names of the drug and the nurse (no rule reads them).
    """
    entries = tuple([] for _ in _STANDING_KINDS)
    for row in db.session.connection().execute(_STANDING_ENTRIES, {"session_id": s.id}).all():  # all(): one fetch
        values, make = _READERS[row[0]]
        entries[row[0]].append(make(values(row)))
    return _session_record(s, None, *entries, names=False)
