"""The session lifecycle (SPEC §4), enforced here for the web pages and the API alike.

Every function: load the session, refuse with a clear message if the state or
the input does not allow the change, write the rows, recompute the flags, bump
the version, audit. Nothing is committed here; the caller commits once.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import schemas
from ..domain import catalog as catalog_data
from ..domain import lifecycle, protocols
from ..domain.lifecycle import Status
from ..domain.schedule import observation_ends_at
from ..extensions import db
from ..formatting import decimal_text
from ..models import (
    CheckConfirmation, DrugVersion, InfusionSession, PremedicationRecord, Reaction, ReactionEntry, SessionEvent, VitalSigns,
    utcnow,
)
from . import audit, catalog, treatment
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
        record, flags = refresh_flags(infusion)
        _follow_reactions(actor, infusion, record, flags)
        infusion.updated_at = utcnow()
        infusion.version += 1
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict("This session was changed by someone else at the same moment. Reload and try again.") from exc
    audit.record(actor, action, object_type=object_type, object_id=object_id or infusion.id,
                 patient_id=infusion.patient_id, details={"session_id": infusion.id, **(details or {})})


def _follow_reactions(actor: Actor, infusion: InfusionSession, record, flags) -> None:
    """What the protocol does after a reaction: the do-not-re-treat alert (DOMAIN.md §1.3)."""
    drug = definition_of(infusion)
    if drug.retreat is None:
        return
    seen = tuple(protocols.ReactionSeen(r.id, r.code, r.grade, r.label) for r in record.reactions)
    verdict = protocols.retreat_verdict(drug, seen, any(f.code == "anaphylaxis_criteria" for f in flags))
    treatment.update_alert(actor, infusion, drug, verdict.reasons, verdict.entry_id)


def _refresh_observation(infusion: InfusionSession) -> None:
    """Briumvi's observation grows to 60 minutes once an infusion reaction is recorded (DOMAIN.md §1.1)."""
    drug = definition_of(infusion)
    if drug.row(infusion.infusion_number).observation.after_reaction_minutes is None:
        return
    reacted = any(r.reaction_group in protocols.INFUSION_REACTION_GROUPS and not r.is_voided
                  for r in infusion.reactions)
    history = treatment.history_of(infusion.patient_id, infusion.drug_code, exclude_session=infusion.id)
    infusion.observation_minutes = protocols.observation_minutes(
        drug, infusion.infusion_number, history, infusion.session_date, reacted_now=reacted,
        product=infusion.product_code)
    if infusion.ended_at is not None:
        infusion.observation_ends_at = observation_ends_at(infusion.ended_at, infusion.observation_minutes)


def _at(value: datetime | None) -> datetime:
    return value or utcnow()


def _not_before(value: datetime, limit: datetime | None, field: str, what: str) -> None:
    if limit is not None and value < limit:
        raise Invalid.field(field, f"must not be before {what}")


# --- check-in -------------------------------------------------------------------------------------------------

def _refuse_second_open_session(patient_id: int, drug) -> None:
    """Two open sessions of one drug would give the patient two infusion numbers for one dose."""
    open_id = db.session.scalar(select(InfusionSession.id).where(
        InfusionSession.patient_id == patient_id, InfusionSession.drug_code == drug.code,
        InfusionSession.status.in_(lifecycle.OPEN)))
    if open_id is not None:
        raise Conflict(f"This patient already has an open {drug.brand} session (session {open_id}). "
                       "Continue that one, or cancel it first.")


def _measurements(patient, data) -> protocols.Measurements:
    """The weight and height to work a dose out from: as entered now, else as recorded on the patient."""
    if data.weight_kg is not None:
        return protocols.Measurements(data.weight_kg, utcnow().date(), data.height_cm or patient.height_cm)
    return protocols.Measurements(patient.weight_kg, patient.weight_taken_on, data.height_cm or patient.height_cm)


def plan_for(patient, drug: catalog_data.Drug, today: date, *, product: str | None = None, per=None,
             measured: protocols.Measurements | None = None) -> protocols.CheckInPlan:
    """What the protocol says for this patient's next infusion of `drug` (nothing is stored)."""
    measured = measured or protocols.Measurements(patient.weight_kg, patient.weight_taken_on, patient.height_cm)
    return protocols.plan_check_in(drug, treatment.history_of(patient.id, drug.code), today, utcnow(),
                                   product=product, per=per, measured=measured)


def _refusals(plan: protocols.CheckInPlan, alerts) -> list[tuple[str, str]]:
    """What stops this check-in unless a prescriber overrides it: (kind, why)."""
    refusals = []
    if alerts:
        refusals.append(("retreat", f"This patient must not be given {plan.drug.brand} again (do-not-re-treat "
                                    f"alert: {alerts[0].reason})."))
    if plan.interval_short:
        earliest = plan.earliest.on.isoformat() if plan.earliest.on else _clinic_time(plan.earliest.at)
        refusals.append(("interval", f"The last {plan.drug.brand} dose was on {plan.earliest.previous_on.isoformat()}; "
                                     f"infusion #{plan.number} may be given from {earliest} at the earliest."))
    return refusals


def _clinic_time(moment: datetime) -> str:
    """A moment as the nurse reads it: the clinic's day and time."""
    return moment.astimezone(ZoneInfo(current_app.config["CLINIC_TIMEZONE"])).strftime("%Y-%m-%d %H:%M")


def _dose(plan: protocols.CheckInPlan, data) -> tuple:
    """The dose to give and the protocol's, refusing a weight-based dose without its weight."""
    if plan.missing is not None:
        raise Invalid.field(plan.missing.field_name, str(plan.missing))
    protocol = plan.dose.amount
    given = data.dose if data.dose is not None else protocol
    if protocols.differs_by_more_than_a_tenth(given, protocol) and not data.dose_reason:
        raise Invalid.field("dose_reason", f"the dose differs from the protocol's {decimal_text(protocol)} "
                                           f"{plan.dose.unit} by more than 10 %: give the reason")
    return given, protocol


def _rate_plan(plan: protocols.CheckInPlan, code: str | None, weight) -> dict | None:
    """The rate plan chosen (the protocol's first when none is named), its steps in mL/h."""
    if not plan.plans:
        if code:
            raise Invalid.field("rate_plan", "this drug is an injection: it has no rate plan")
        return None
    chosen = next((p for p in plan.plans if p.code == code), None) if code else plan.plans[0]
    if chosen is None:
        raise Invalid.field("rate_plan", "choose one of: " + ", ".join(p.code for p in plan.plans))
    try:
        steps = protocols.steps_in_ml_per_hour(chosen, weight)
    except protocols.MissingMeasurement as exc:
        raise Invalid.field(exc.field_name, str(exc)) from exc
    return {"code": chosen.code, "label": chosen.label,
            "steps": [{"rate_ml_h": decimal_text(step.rate), "minutes": step.minutes} for step in steps]}


def check_in(actor: Actor, local_today: date, **fields) -> InfusionSession:
    """Check a patient in for the next infusion of a catalog drug, as its protocol says (SPEC §4.1)."""
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
    if data.product is not None and data.product not in {p.code for p in drug.products}:
        raise Invalid.field("product", "not a product of " + drug.brand + ": " + ", ".join(p.code for p in drug.products))
    if data.lot_expiry is not None and data.lot_expiry < local_today:
        raise Invalid.field("lot_expiry", f"this lot expired on {data.lot_expiry.isoformat()}; use another lot")
    _refuse_second_open_session(patient.id, drug)
    measured = _measurements(patient, data)
    plan = plan_for(patient, drug, local_today, product=data.product, per=data.dose_per, measured=measured)
    refusals = _refusals(plan, treatment.standing_alerts(patient.id, drug.code))
    if refusals and data.override is None:
        kinds = [kind for kind, _ in refusals]
        raise Conflict(" ".join(why for _, why in refusals) + " To go on, a prescriber's override (who decided, "
                       "and why) is needed.", {"override": [why for _, why in refusals]},
                       code="retreat_alert" if "retreat" in kinds else "interval_short")
    dose, protocol_dose = _dose(plan, data)
    weight = measured.weight_on(local_today)
    infusion = InfusionSession(
        patient_id=patient.id, drug_code=drug.code, drug_version_id=version.id, product_code=plan.product.code,
        dose=dose, dose_unit=data.dose_unit or plan.dose.unit, dose_basis=plan.dose.basis, dose_per=plan.dose.per,
        protocol_dose=protocol_dose, weight_kg=weight if plan.dose.basis != "fixed" else None,
        height_cm=measured.height_cm if plan.dose.basis == "per_m2" else None, surface_m2=plan.dose.surface_m2,
        dose_reason=data.dose_reason or None, prescriber=data.prescriber or None,
        rate_plan=_rate_plan(plan, data.rate_plan, weight),
        overrides=[{"kind": kind, "why": why, "prescriber": data.override.prescriber, "reason": data.override.reason}
                   for kind, why in refusals],
        lot_number=data.lot_number or None, lot_expiry=data.lot_expiry, infusion_number=plan.number,
        chair=data.chair or None, nurse_id=actor.user_id, status=Status.PLANNED, session_date=local_today,
        observation_minutes=plan.observation_minutes, notes=data.notes or None, flags=[], flag_level="none",
        needs_review=False,
    )
    if data.weight_kg is not None or data.height_cm is not None:
        _remember_measurements(actor, patient, data, local_today)
    db.session.add(infusion)
    try:
        db.session.flush()
    except IntegrityError as exc:  # another check-in of the same patient and drug won the race
        raise Conflict(f"This patient already has an open {drug.brand} session. Reload and continue that one.") from exc
    infusion = get(infusion.id)
    save_change(actor, infusion, "session_checked_in", {
        "drug": drug.code, "product": plan.product.code, "infusion_number": plan.number, "dose": str(dose),
        "overrides": infusion.overrides})
    return infusion


def _remember_measurements(actor: Actor, patient, data, today: date) -> None:
    """A weight or height taken at check-in goes on the patient's record for the next one."""
    before = {"weight_kg": patient.weight_kg, "height_cm": patient.height_cm}
    if data.weight_kg is not None:
        patient.weight_kg, patient.weight_taken_on = data.weight_kg, today
    if data.height_cm is not None:
        patient.height_cm = data.height_cm
    audit.record(actor, "patient_measured", object_type="patient", object_id=patient.id, patient_id=patient.id,
                 details={name: {"before": None if value is None else str(value),
                                 "after": None if getattr(patient, name) is None else str(getattr(patient, name))}
                          for name, value in before.items()})


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
    premeds = {p.code: p for p in drug.premedications_for(infusion.infusion_number)}
    if data.code not in premeds:
        raise Invalid.field("code", "not a premedication for this drug and infusion")
    premed = premeds[data.code]
    row = PremedicationRecord(
        code=premed.code, text=premed.text, required=premed.required, given_at=data.given_at, dose=data.dose,
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
    _refresh_observation(infusion)
    save_change(actor, infusion, "reactions_recorded",
           {"entries": [{"id": r.id, "code": r.reaction_code, "grade": r.grade, "action": r.action} for r in rows]})
    return rows


# --- the infusion ---------------------------------------------------------------------------------------------

def missing_before_start(infusion: InfusionSession, at: datetime) -> list[str]:
    """List what must be done before this session may start (empty when ready)."""
    drug = definition_of(infusion)
    missing = []
    confirmed = {c.code for c in infusion.checks}
    for check in drug.checks_for(infusion.infusion_number):
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
    rate = _starting_rate(infusion, data.rate_ml_h)
    if rate is not None:  # the rate history starts with the starting rate
        _add_event(actor, infusion, kind="rate_change", occurred_at=at, rate_ml_h=rate)
    infusion.status, infusion.started_at, infusion.started_charted_at = Status.INFUSING, at, utcnow()
    save_change(actor, infusion, "infusion_started", {"at": at.isoformat(), "rate_ml_h": _text(rate)})
    return infusion


def _starting_rate(infusion: InfusionSession, given):
    """The rate the infusion starts at: as entered, else the plan's first step; an injection has none."""
    steps = (infusion.rate_plan or {}).get("steps") or []
    if given is not None:
        if definition_of(infusion).route == "subcutaneous":
            raise Invalid.field("rate_ml_h", "this drug is an injection: it has no rate")
        return given
    return Decimal(steps[0]["rate_ml_h"]) if steps else None


def _text(value) -> str | None:
    return None if value is None else str(value)


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
    infusion.ended_by_id = actor.user_id
    infusion.full_dose = data.full_dose
    infusion.observation_ends_at = observation_ends_at(at, infusion.observation_minutes)
    save_change(actor, infusion, "infusion_ended", {"at": at.isoformat(), "full_dose": data.full_dose})
    return infusion


def undo_end(actor: Actor, session_id: int, expected_version: int | None = None, **_fields) -> InfusionSession:
    """Put an infusion ended by mistake back to infusing: by the nurse who ended it, within 10 minutes
    (SPEC §4.4). What the end recorded is kept in the audit event."""
    infusion = get(session_id, expected_version)
    why = lifecycle.undo_end_refusal(infusion.status, infusion.ended_by_id, infusion.ended_charted_at,
                                     actor.user_id, utcnow())
    if why is not None:
        raise StateError(why)
    undone = {"ended_at": infusion.ended_at.isoformat(), "full_dose": infusion.full_dose,
              "observation_ends_at": infusion.observation_ends_at.isoformat()}
    infusion.status, infusion.ended_at, infusion.ended_charted_at = Status.INFUSING, None, None
    infusion.ended_by_id = infusion.full_dose = infusion.observation_ends_at = None
    save_change(actor, infusion, "infusion_end_undone", {"undone": undone})
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
    if problems and not data.early_reason:  # something the discharge needs is missing: a state refusal (SPEC §4)
        why = f"give a reason to discharge now: {' and '.join(problems)}"
        raise StateError(f"Cannot discharge yet: {why}.", {"early_reason": [why]})
    infusion.status, infusion.discharged_at, infusion.discharged_charted_at = Status.DISCHARGED, at, utcnow()
    infusion.early_reason = data.early_reason or None
    infusion.disposition, infusion.disposition_text = data.disposition, data.disposition_text or None
    save_change(actor, infusion, "patient_discharged", {
        "at": at.isoformat(), "early_reason": infusion.early_reason, "disposition": data.disposition,
        "disposition_text": infusion.disposition_text})
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
    if model is ReactionEntry:
        _refresh_observation(infusion)
    save_change(actor, infusion, f"{model.__tablename__}_voided", {"entry_id": row.id, "reason": data.reason},
           object_type=what, object_id=row.id)
    return row


def resolve_reaction(actor: Actor, session_id: int, reaction_id: int, at: datetime,
                     expected_version: int | None = None) -> ReactionEntry:
    """Record when a reaction ended (what happened next: SPEC §3)."""
    infusion = get(session_id, expected_version)
    require(infusion, "reactions")
    data = validate(schemas.ResolveIn, {"at": at})
    row = next((r for r in infusion.reactions if r.id == reaction_id), None)
    if row is None:
        raise NotFound("No such reaction on this session.")
    if row.is_voided:
        raise StateError("This reaction is voided.")
    if data.at < row.onset_at:
        raise Invalid.field("at", "must not be before the reaction began")
    before = row.resolved_at
    row.resolved_at = data.at
    save_change(actor, infusion, "reaction_resolved", {
        "entry_id": row.id, "resolved_at": {"before": before.isoformat() if before else None,
                                            "after": data.at.isoformat()}}, object_type="reaction", object_id=row.id)
    return row


def void_vitals(actor: Actor, session_id: int, vitals_id: int, reason: str, expected_version: int | None = None):
    """Void a mistaken set of vitals; it stays visible, struck through."""
    return _void(actor, session_id, VitalSigns, vitals_id, reason, expected_version, "vitals")


def void_reaction(actor: Actor, session_id: int, reaction_id: int, reason: str,
                  expected_version: int | None = None):
    """Void a mistaken reaction entry; it stays visible, struck through."""
    return _void(actor, session_id, ReactionEntry, reaction_id, reason, expected_version, "reaction")


APPOINTMENT_HORIZON = timedelta(days=5 * 366)


def appointment_problem(session_date: date, day: date) -> str | None:
    """Why a next appointment cannot follow a session of `session_date`, or None."""
    if day < session_date:
        return "must not be before the day of this session"
    if day > session_date + APPOINTMENT_HORIZON:
        return "must be within five years of this session"
    return None


def set_next_appointment(actor: Actor, session_id: int, next_appointment, expected_version: int | None = None):
    """Record the next appointment the nurse booked; it overrides the computed due date."""
    infusion = get(session_id, expected_version)
    require(infusion, "next_appointment")
    data = validate(schemas.NextAppointmentIn, {"next_appointment": next_appointment})
    if data.next_appointment is not None and (why := appointment_problem(infusion.session_date, data.next_appointment)):
        raise Invalid.field("next_appointment", why)
    infusion.next_appointment = data.next_appointment
    save_change(actor, infusion, "next_appointment_set", {"next_appointment": str(data.next_appointment)})
    return infusion
