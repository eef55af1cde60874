"""A patient's treatment with a drug: what was given here and elsewhere, and do-not-re-treat alerts."""
from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select

from .. import schemas
from ..domain import protocols
from ..domain.lifecycle import Status
from ..extensions import db
from ..models import InfusionSession, PatientAlert, ReactionEntry, TreatmentHistory, utcnow
from . import audit, catalog
from .actor import Actor
from .errors import Invalid, NotFound, StateError
from .validation import validate

_STANDING_REACTION = ReactionEntry.voided_at.is_(None)
_INFUSION_REACTION = and_(_STANDING_REACTION, ReactionEntry.reaction_group.in_(protocols.INFUSION_REACTION_GROUPS))
_SERIOUS_INFUSION_REACTION = and_(_STANDING_REACTION, or_(
    ReactionEntry.grade >= 3, ReactionEntry.reaction_group == "serious", ReactionEntry.action == "emergency_response"))


def history_of(patient_id: int, drug_code: str, exclude_session: int | None = None) -> protocols.TreatmentHistory:
    """What the patient had of the drug before: sessions here and infusions entered as given elsewhere."""
    return histories_of(patient_id, drug_code, exclude_session).get(drug_code, protocols.TreatmentHistory())


def histories_of(patient_id: int, drug_code: str | None = None,
                 exclude_session: int | None = None) -> dict[str, protocols.TreatmentHistory]:
    """The patient's history of every drug (or of one), in two queries: sessions here and history entries."""
    sessions_here = (
        select(InfusionSession.drug_code, InfusionSession.infusion_number, InfusionSession.session_date,
               InfusionSession.started_at, InfusionSession.product_code,
               func.max(case((_INFUSION_REACTION, 1), else_=0)), func.max(case((_SERIOUS_INFUSION_REACTION, 1), else_=0)))
        .outerjoin(ReactionEntry, ReactionEntry.session_id == InfusionSession.id)
        .where(InfusionSession.patient_id == patient_id, InfusionSession.status != Status.CANCELLED,
               InfusionSession.id != (exclude_session or 0))
        .group_by(InfusionSession.id, InfusionSession.drug_code, InfusionSession.infusion_number,
                  InfusionSession.session_date, InfusionSession.started_at, InfusionSession.product_code))
    elsewhere = (
        select(TreatmentHistory.drug_code, func.sum(TreatmentHistory.infusions),
               func.max(TreatmentHistory.last_infusion_on), func.max(case((TreatmentHistory.had_reaction, 1), else_=0)))
        .where(TreatmentHistory.patient_id == patient_id, TreatmentHistory.voided_at.is_(None))
        .group_by(TreatmentHistory.drug_code))
    if drug_code is not None:
        sessions_here = sessions_here.where(InfusionSession.drug_code == drug_code)
        elsewhere = elsewhere.where(TreatmentHistory.drug_code == drug_code)
    here: dict[str, list] = {}
    for code, number, day, started, product, reacted, serious in db.session.execute(sessions_here):
        here.setdefault(code, []).append(
            protocols.PriorInfusion(number, day, started, product, bool(reacted), bool(serious)))
    before = {code: (int(count), last_on, bool(reacted)) for code, count, last_on, reacted in db.session.execute(elsewhere)}
    return {code: protocols.TreatmentHistory(tuple(here.get(code, ())), *before.get(code, (0, None, False)))
            for code in set(here) | set(before)}


def record_history(actor: Actor, patient_id: int, **fields) -> TreatmentHistory:
    """Enter infusions of a drug given elsewhere; later infusion numbers count them."""
    from .patients import get as get_patient

    data = validate(schemas.HistoryIn, fields)
    patient = get_patient(patient_id)
    if not catalog.drug_exists(data.drug):
        raise Invalid.field("drug", "not a drug in the catalog")
    row = TreatmentHistory(patient_id=patient.id, drug_code=data.drug, infusions=data.infusions,
                           last_infusion_on=data.last_infusion_on, had_reaction=data.had_reaction, source=data.source,
                           recorded_by_id=actor.user_id, recorded_at=utcnow())
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "treatment_history_recorded", object_type="treatment_history", object_id=row.id,
                 patient_id=patient.id, details={"drug": data.drug, "infusions": data.infusions,
                                                 "last_infusion_on": data.last_infusion_on.isoformat(),
                                                 "had_reaction": data.had_reaction, "source": data.source})
    return row


def history_entries(patient_id: int) -> list[TreatmentHistory]:
    """The treatment history entered for a patient, newest first."""
    return list(db.session.scalars(
        select(TreatmentHistory).where(TreatmentHistory.patient_id == patient_id)
        .order_by(TreatmentHistory.recorded_at.desc(), TreatmentHistory.id.desc())))


# --- do not re-treat ------------------------------------------------------------------------------------------

def alerts_of(patient_id: int) -> list[PatientAlert]:
    """Every alert of a patient, standing ones first, newest first (lifted ones stay in the history)."""
    return list(db.session.scalars(
        select(PatientAlert).where(PatientAlert.patient_id == patient_id)
        .order_by(PatientAlert.lifted_at.is_not(None), PatientAlert.created_at.desc(), PatientAlert.id.desc())))


def standing_alerts(patient_id: int, drug_code: str | None = None) -> list[PatientAlert]:
    """The patient's alerts not lifted, for one drug or all."""
    alerts = [a for a in alerts_of(patient_id) if a.standing]
    return [a for a in alerts if drug_code is None or drug_code in a.drug_codes]


def update_alert(actor: Actor, infusion: InfusionSession, drug: protocols.Drug, reasons: tuple[str, ...],
                 entry_id: int | None) -> None:
    """Raise the session's do-not-re-treat alert when its reactions qualify; lift it when they no longer do.

    A voided entry raises nothing: an alert that stood only on entries since voided is lifted, saying so.
    """
    if reasons and not infusion.raised_alert:
        alert = PatientAlert(patient_id=infusion.patient_id, drugs=",".join(drug.retreat_drugs()),
                             reason=f"{drug.product(infusion.product_code).brand} infusion #{infusion.infusion_number}: "
                             + "; ".join(reasons),
                             session_id=infusion.id, reaction_entry_id=entry_id, created_at=utcnow())
        db.session.add(alert)
        db.session.flush()
        infusion.raised_alert = True
        audit.record(actor, "retreat_alert_raised", object_type="patient_alert", object_id=alert.id,
                     patient_id=infusion.patient_id, details={"drugs": alert.drugs, "reason": alert.reason,
                                                              "session_id": infusion.id})
    elif not reasons and infusion.raised_alert:
        infusion.raised_alert = False
        for alert in db.session.scalars(select(PatientAlert).where(PatientAlert.session_id == infusion.id,
                                                                   PatientAlert.lifted_at.is_(None))):
            alert.lifted_at, alert.lifted_by_id = utcnow(), actor.user_id
            alert.lift_reason = "The entries that raised it were voided."
            audit.record(actor, "retreat_alert_lifted", object_type="patient_alert", object_id=alert.id,
                         patient_id=infusion.patient_id, details={"reason": alert.lift_reason})


def lift_alert(actor: Actor, patient_id: int, alert_id: int, reason: str) -> PatientAlert:
    """A supervisor lifts a do-not-re-treat alert with a reason; it stays in the patient's history."""
    data = validate(schemas.LiftIn, {"reason": reason})
    alert = db.session.get(PatientAlert, alert_id)
    if alert is None or alert.patient_id != patient_id:
        raise NotFound("No such alert for this patient.")
    if not alert.standing:
        raise StateError("This alert was lifted already.")
    alert.lifted_at, alert.lifted_by_id, alert.lift_reason = utcnow(), actor.user_id, data.reason
    db.session.flush()
    audit.record(actor, "retreat_alert_lifted", object_type="patient_alert", object_id=alert.id,
                 patient_id=patient_id, details={"reason": data.reason})
    return alert
