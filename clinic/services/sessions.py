"""The session lifecycle (SPEC §4), enforced here for the web pages and the API alike.

Every function: load the session, refuse with a clear message if the state or
the input does not allow the change, write the rows, recompute the flags, bump
the version, audit. Nothing is committed here; the caller commits once.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import schemas
from ..domain import catalog as catalog_data
from ..domain import lifecycle
from ..domain.lifecycle import Status
from ..domain.schedule import observation_ends_at
from ..extensions import db
from ..models import (
    CheckConfirmation, DrugVersion, InfusionSession, PremedicationRecord, Reaction, ReactionEntry, SessionEvent, VitalSigns,
    utcnow,
)
from . import audit, catalog
from .actor import Actor
from .errors import Conflict, Invalid, NotFound, StateError
from .flagging import refresh_flags
from .records import load_session
from .validation import validate


def definition_of(infusion: InfusionSession) -> catalog_data.Drug:
    """Return the drug definition the session was recorded with."""
    return catalog_data.Drug.from_dict(infusion.drug_version.definition)


def drug_and_infusion_number(session_id: int) -> tuple[catalog_data.Drug, int]:
    """Return the drug a session was recorded with and its infusion number (NotFound when there is none)."""
    row = db.session.execute(
        select(DrugVersion.definition, InfusionSession.infusion_number)
        .join(InfusionSession, InfusionSession.drug_version_id == DrugVersion.id)
        .where(InfusionSession.id == session_id)).first()
    if row is None:
        raise NotFound("No such session.")
    return catalog_data.Drug.from_dict(row.definition), row.infusion_number


def get(session_id: int, expected_version: int | None = None) -> InfusionSession:
    """Load a session to change it, or raise NotFound; a stale expected version is a conflict."""
    infusion = load_session(session_id, for_update=True, people=False)
    if infusion is None:
        raise NotFound("No such session.")
    if expected_version is not None and expected_version != infusion.version:
        raise Conflict("This session was changed by someone else since you opened it. "
                       "Reload the page to see the latest, then try again.")
    return infusion


def require(infusion: InfusionSession, action: str) -> None:
    """Refuse `action` unless the session's status allows it (SPEC §4)."""
    why = lifecycle.refusal(infusion.status, action)
    if why is not None:
        raise StateError(why)


def _add(entries: list, *rows) -> None:
    """Add entries to one of a session's lists; they get their ids now, for the audit and the flags."""
    entries.extend(rows)
    db.session.flush()


def save_change(actor: Actor, infusion: InfusionSession, action: str, details: dict | None = None,
                object_type: str = "session", object_id=None) -> None:
    """Recompute the flags, bump the version once and audit: the end of every change."""
    try:
        db.session.flush()
        refresh_flags(infusion)
        infusion.updated_at = utcnow()
        infusion.version += 1
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict("This session was changed by someone else at the same moment. Reload and try again.") from exc
    audit.record(actor, action, object_type=object_type, object_id=object_id or infusion.id,
                 patient_id=infusion.patient_id, details={"session_id": infusion.id, **(details or {})})


def _at(value: datetime | None) -> datetime:
    return value or utcnow()


def _not_before(value: datetime, limit: datetime | None, field: str, what: str) -> None:
    if limit is not None and value < limit:
        raise Invalid.field(field, f"must not be before {what}")


# --- check-in -------------------------------------------------------------------------------------------------

def next_infusion_number(patient_id: int, drug_code: str) -> int:
    """Count this patient's earlier infusions of this drug (cancelled ones do not count)."""
    done = db.session.scalar(
        select(func.count(InfusionSession.id)).where(
            InfusionSession.patient_id == patient_id, InfusionSession.drug_code == drug_code,
            InfusionSession.status != Status.CANCELLED))
    return (done or 0) + 1


def _refuse_second_open_session(patient_id: int, drug) -> None:
    """Two open sessions of one drug would give the patient two infusion numbers for one dose."""
    open_id = db.session.scalar(select(InfusionSession.id).where(
        InfusionSession.patient_id == patient_id, InfusionSession.drug_code == drug.code,
        InfusionSession.status.in_(lifecycle.OPEN)))
    if open_id is not None:
        raise Conflict(f"This patient already has an open {drug.brand} session (session {open_id}). "
                       "Continue that one, or cancel it first.")


def check_in(actor: Actor, local_today, **fields) -> InfusionSession:
    """Check a patient in for an infusion of a catalog drug (SPEC §4.1)."""
    data = validate(schemas.CheckInIn, fields)
    from .patients import get as get_patient

    try:
        patient = get_patient(data.patient_id)
    except NotFound as exc:
        raise Invalid.field("patient_id", "no such patient") from exc
    if not patient.active:
        raise Invalid.field("patient_id", "this patient is marked inactive")
    found = catalog.current_drug(data.drug)
    if found is None:
        raise Invalid.field("drug", "not an active drug in the catalog")
    version, drug = found
    if data.lot_expiry is not None and data.lot_expiry < local_today:
        raise Invalid.field("lot_expiry", f"this lot expired on {data.lot_expiry.isoformat()}; use another lot")
    _refuse_second_open_session(patient.id, drug)
    number = next_infusion_number(patient.id, drug.code)
    infusion = InfusionSession(
        patient_id=patient.id, drug_code=drug.code, drug_version_id=version.id,
        dose=data.dose if data.dose is not None else drug.default_dose,
        dose_unit=data.dose_unit or drug.dose_unit, lot_number=data.lot_number or None,
        lot_expiry=data.lot_expiry, infusion_number=number, chair=data.chair or None, nurse_id=actor.user_id,
        status=Status.PLANNED, session_date=local_today, observation_minutes=drug.observation_minutes(number),
        notes=data.notes or None, flags=[], flag_level="none", needs_review=False,
    )
    db.session.add(infusion)
    try:
        db.session.flush()
    except IntegrityError as exc:  # another check-in of the same patient and drug won the race
        raise Conflict(f"This patient already has an open {drug.brand} session. Reload and continue that one.") from exc
    infusion = get(infusion.id)
    save_change(actor, infusion, "session_checked_in", {"drug": drug.code, "infusion_number": number})
    return infusion


def cancel(actor: Actor, session_id: int, reason: str, expected_version: int | None = None) -> InfusionSession:
    """Cancel a session that has not started."""
    infusion = get(session_id, expected_version)
    require(infusion, "cancel")
    data = validate(schemas.VoidIn, {"reason": reason})
    infusion.status = Status.CANCELLED
    infusion.cancelled_reason = data.reason
    save_change(actor, infusion, "session_cancelled", {"reason": data.reason})
    return infusion


# --- before the start -----------------------------------------------------------------------------------------

def confirm_checks(actor: Actor, session_id: int, codes: list[str],
                   expected_version: int | None = None) -> InfusionSession:
    """Confirm pre-infusion checks of the session's drug (SPEC §4.2)."""
    infusion = get(session_id, expected_version)
    require(infusion, "checks")
    data = validate(schemas.ChecksIn, {"codes": codes})
    checks = {c.code: c for c in definition_of(infusion).checks}
    unknown = [c for c in data.codes if c not in checks]
    if unknown:
        raise Invalid.field("codes", f"not a check for this drug: {', '.join(unknown)}")
    already = {c.code for c in infusion.checks}
    added = [code for code in dict.fromkeys(data.codes) if code not in already]
    _add(infusion.checks, *(CheckConfirmation(code=code, prompt=checks[code].prompt, confirmed_by_id=actor.user_id,
                                              confirmed_at=utcnow()) for code in added))
    save_change(actor, infusion, "checks_confirmed", {"codes": added})
    return infusion


def record_premedication(actor: Actor, session_id: int, expected_version: int | None = None,
                         **fields) -> PremedicationRecord:
    """Record a premedication as given, or as not given with a reason."""
    infusion = get(session_id, expected_version)
    require(infusion, "premedication")
    data = validate(schemas.PremedicationIn, fields)
    drug = definition_of(infusion)
    premeds = {p.code: p for p in drug.premedications}
    if data.code not in premeds:
        raise Invalid.field("code", "not a premedication for this drug")
    premed = premeds[data.code]
    row = PremedicationRecord(
        code=premed.code, text=premed.text,
        required=premed.is_required_for(infusion.infusion_number), given_at=data.given_at, dose=data.dose,
        not_given_reason=data.not_given_reason, recorded_by_id=actor.user_id, charted_at=utcnow(),
    )
    _add(infusion.premedications, row)
    save_change(actor, infusion, "premedication_recorded", {"code": premed.code, "given": data.given_at is not None},
           object_type="premedication", object_id=row.id)
    return row


# --- vitals and reactions -------------------------------------------------------------------------------------

def record_vitals(actor: Actor, session_id: int, expected_version: int | None = None, **fields) -> VitalSigns:
    """Record a set of vital signs; impossible values are refused, concerning ones kept."""
    infusion = get(session_id, expected_version)
    require(infusion, "vitals")
    data = validate(schemas.VitalsIn, fields)
    if data.phase == "baseline" and infusion.started_at is not None and data.taken_at >= infusion.started_at:
        raise Invalid.field("taken_at", "a baseline reading must be taken before the infusion started")
    _not_before(data.taken_at, infusion.created_at - timedelta(hours=12), "taken_at", "the check-in")
    row = VitalSigns(recorded_by_id=actor.user_id, charted_at=utcnow(), **data.model_dump())
    _add(infusion.vitals, row)
    save_change(actor, infusion, "vitals_recorded", {"phase": data.phase}, object_type="vitals", object_id=row.id)
    return row


def record_reactions(actor: Actor, session_id: int, entries: list[dict],
                     expected_version: int | None = None) -> list[ReactionEntry]:
    """Record ticked reactions; recording never changes the session's status by itself (SPEC §4.3)."""
    infusion = get(session_id, expected_version)
    require(infusion, "reactions")
    if not entries:
        raise Invalid.field("code", "tick at least one reaction")
    parsed = [validate(schemas.ReactionIn, e) for e in entries]
    known = {r.code: r for r in db.session.scalars(
        select(Reaction).where(Reaction.code.in_([p.code for p in parsed]), Reaction.active.is_(True)))}
    rows = []
    for data in parsed:
        if data.code not in known:
            raise Invalid.field("code", f"{data.code!r} is not a reaction in the catalog")
        if data.resolved_at is not None and data.resolved_at < data.onset_at:
            raise Invalid.field("resolved_at", "must not be before the onset")
        _not_before(data.onset_at, infusion.created_at - timedelta(hours=12), "onset_at", "the check-in")
        reaction = known[data.code]
        rows.append(ReactionEntry(
            reaction_code=reaction.code, reaction_label=reaction.label,
            reaction_group=reaction.reaction_group, systems=reaction.systems, onset_at=data.onset_at,
            grade=data.grade, action=data.action, medication=data.medication or None, notes=data.notes or None,
            resolved_at=data.resolved_at, recorded_by_id=actor.user_id, charted_at=utcnow()))
    _add(infusion.reactions, *rows)
    save_change(actor, infusion, "reactions_recorded",
           {"entries": [{"id": r.id, "code": r.reaction_code, "grade": r.grade, "action": r.action} for r in rows]})
    return rows


# --- the infusion ---------------------------------------------------------------------------------------------

def missing_before_start(infusion: InfusionSession, at: datetime) -> list[str]:
    """List what must be done before this session may start (empty when ready)."""
    drug = definition_of(infusion)
    missing = []
    confirmed = {c.code for c in infusion.checks}
    for check in drug.checks:
        if check.code not in confirmed:
            missing.append(f"Confirm the check: {check.prompt} (if it cannot be confirmed: {check.stop_text})")
    if not any(v.phase == "baseline" and not v.is_voided and v.taken_at <= at for v in infusion.vitals):
        missing.append("Record a baseline set of vitals.")
    recorded = {p.code for p in infusion.premedications if not p.is_voided}
    for code in drug.required_premedications(infusion.infusion_number):
        if code not in recorded:
            text = next(p.text for p in drug.premedications if p.code == code)
            missing.append(f"Record the premedication {text}: given, or not given with a reason.")
    return missing


def start(actor: Actor, session_id: int, expected_version: int | None = None, **fields) -> InfusionSession:
    """Start the infusion once checks, baseline vitals and premedications are recorded."""
    infusion = get(session_id, expected_version)
    require(infusion, "start")
    data = validate(schemas.StartIn, fields)
    at = _at(data.at)
    missing = missing_before_start(infusion, at)
    if missing:
        raise StateError("Cannot start yet. " + " ".join(missing))
    infusion.status, infusion.started_at, infusion.started_charted_at = Status.INFUSING, at, utcnow()
    save_change(actor, infusion, "infusion_started", {"at": at.isoformat()})
    return infusion


def _add_event(actor: Actor, infusion: InfusionSession, **values) -> SessionEvent:
    row = SessionEvent(recorded_by_id=actor.user_id, charted_at=utcnow(), **values)
    _add(infusion.events, row)
    return row


def pause(actor: Actor, session_id: int, expected_version: int | None = None, **fields) -> InfusionSession:
    """Pause the infusion with a reason."""
    infusion = get(session_id, expected_version)
    require(infusion, "pause")
    data = validate(schemas.PauseIn, fields)
    at = _at(data.at)
    _not_before(at, infusion.started_at, "at", "the start")
    row = _add_event(actor, infusion, kind="pause", occurred_at=at, reason=data.reason,
                     due_to_reaction=data.due_to_reaction)
    infusion.status = Status.PAUSED
    save_change(actor, infusion, "infusion_paused", {"event_id": row.id, "reason": data.reason,
                                                 "due_to_reaction": data.due_to_reaction})
    return infusion


def resume(actor: Actor, session_id: int, expected_version: int | None = None, **fields) -> InfusionSession:
    """Resume a paused infusion."""
    infusion = get(session_id, expected_version)
    require(infusion, "resume")
    data = validate(schemas.ResumeIn, fields)
    at = _at(data.at)
    last_pause = max((e.occurred_at for e in infusion.events if e.kind == "pause" and not e.is_voided),
                     default=infusion.started_at)
    _not_before(at, last_pause, "at", "the pause")
    row = _add_event(actor, infusion, kind="resume", occurred_at=at, reason=data.reason or None)
    infusion.status = Status.INFUSING
    save_change(actor, infusion, "infusion_resumed", {"event_id": row.id})
    return infusion


def change_rate(actor: Actor, session_id: int, expected_version: int | None = None, **fields) -> SessionEvent:
    """Record a new infusion rate."""
    infusion = get(session_id, expected_version)
    require(infusion, "rate")
    data = validate(schemas.RateIn, fields)
    at = _at(data.at)
    _not_before(at, infusion.started_at, "at", "the start")
    row = _add_event(actor, infusion, kind="rate_change", occurred_at=at, rate_ml_h=data.rate_ml_h)
    save_change(actor, infusion, "rate_changed", {"rate_ml_h": str(data.rate_ml_h)}, object_type="event",
           object_id=row.id)
    return row


def end(actor: Actor, session_id: int, expected_version: int | None = None, **fields) -> InfusionSession:
    """End the infusion; the drug's observation period starts (SPEC §4.4)."""
    infusion = get(session_id, expected_version)
    require(infusion, "end")
    data = validate(schemas.EndIn, fields)
    at = _at(data.at)
    _not_before(at, infusion.started_at, "at", "the start")
    infusion.status, infusion.ended_at, infusion.ended_charted_at = Status.OBSERVING, at, utcnow()
    infusion.full_dose = data.full_dose
    infusion.observation_ends_at = observation_ends_at(at, infusion.observation_minutes)
    save_change(actor, infusion, "infusion_ended", {"at": at.isoformat(), "full_dose": data.full_dose})
    return infusion


def discharge(actor: Actor, session_id: int, expected_version: int | None = None, **fields) -> InfusionSession:
    """Discharge; early or without post-infusion vitals only with a reason (SPEC §4.5)."""
    infusion = get(session_id, expected_version)
    require(infusion, "discharge")
    data = validate(schemas.DischargeIn, fields)
    at = _at(data.at)
    _not_before(at, infusion.ended_at, "at", "the end of the infusion")
    problems = []
    if at < infusion.observation_ends_at:
        problems.append("the observation period is not over")
    if not any(v.taken_at >= infusion.ended_at and not v.is_voided for v in infusion.vitals):
        problems.append("no vitals were taken after the infusion ended")
    if problems and not data.early_reason:
        raise Invalid.field("early_reason", f"give a reason to discharge now: {' and '.join(problems)}")
    infusion.status, infusion.discharged_at, infusion.discharged_charted_at = Status.DISCHARGED, at, utcnow()
    infusion.early_reason = data.early_reason or None
    save_change(actor, infusion, "patient_discharged", {"at": at.isoformat(), "early_reason": infusion.early_reason})
    return infusion


# --- corrections ----------------------------------------------------------------------------------------------

def _void(actor: Actor, session_id: int, model, entry_id: int, reason: str, expected_version: int | None,
          what: str):
    infusion = get(session_id, expected_version)
    require(infusion, "void")
    data = validate(schemas.VoidIn, {"reason": reason})
    row = db.session.get(model, entry_id)
    if row is None or row.session_id != infusion.id:
        raise NotFound(f"No such {what} on this session.")
    if row.is_voided:
        raise StateError("This entry is already voided.")
    row.voided_at, row.void_reason = utcnow(), data.reason
    save_change(actor, infusion, f"{model.__tablename__}_voided", {"entry_id": row.id, "reason": data.reason},
           object_type=what, object_id=row.id)
    return row


def void_vitals(actor: Actor, session_id: int, vitals_id: int, reason: str, expected_version: int | None = None):
    """Void a mistaken set of vitals; it stays visible, struck through."""
    return _void(actor, session_id, VitalSigns, vitals_id, reason, expected_version, "vitals")


def void_reaction(actor: Actor, session_id: int, reaction_id: int, reason: str,
                  expected_version: int | None = None):
    """Void a mistaken reaction entry; it stays visible, struck through."""
    return _void(actor, session_id, ReactionEntry, reaction_id, reason, expected_version, "reaction")


def set_next_appointment(actor: Actor, session_id: int, next_appointment, expected_version: int | None = None):
    """Record the next appointment the nurse booked; it overrides the computed due date."""
    infusion = get(session_id, expected_version)
    require(infusion, "next_appointment")
    data = validate(schemas.NextAppointmentIn, {"next_appointment": next_appointment})
    infusion.next_appointment = data.next_appointment
    save_change(actor, infusion, "next_appointment_set", {"next_appointment": str(data.next_appointment)})
    return infusion
