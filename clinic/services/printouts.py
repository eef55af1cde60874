"""Gather what the printed documents need and render them; every PDF made is audited."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app

from ..domain import catalog as catalog_data
from ..domain import protocols
from ..extensions import db
from ..models import User
from .. import i18n
from ..pdf.visit_summary import VisitSummaryContext, Warning, render_visit_summary
from . import audit, treatment
from .actor import Actor
from .errors import NotFound, StateError
from .records import build_record, load_session


def _config_tz():
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


def visit_summary(actor: Actor, session_id: int, *, large_print: bool = False, pagesize: str = "letter",
                  language: str | None = None) -> bytes:
    """Render the patient's visit summary, in `language` or else the patient's preferred one; refused (409)
    before the infusion has ended."""
    from flask_babel import force_locale, get_translations

    infusion = load_session(session_id)
    if infusion is None:
        raise NotFound("No such session.")
    if infusion.ended_at is None:
        raise StateError("The visit summary is printed once the infusion has ended.")
    tz = _config_tz()
    drug = catalog_data.Drug.from_dict(infusion.drug_version.definition)  # as recorded, not as edited since
    history = treatment.history_of(infusion.patient_id, infusion.drug_code, exclude_session=infusion.id)
    record = build_record(infusion, history.first_on())
    infused_on = infusion.started_at.astimezone(tz).date()
    alerts = treatment.standing_alerts(infusion.patient_id, infusion.drug_code)
    language = i18n.choose_language(language, infusion.patient.preferred_language)
    with force_locale(language):
        translations = get_translations()
    context = VisitSummaryContext(
        record=record, clinic_name=current_app.config["CLINIC_NAME"],
        clinic_phone=current_app.config["CLINIC_PHONE"], tz=tz,
        warnings=tuple(Warning(w.action, w.text, w.applies_to) for w in drug.warnings),
        delayed_reaction_hours=drug.delayed_reaction_hours, language=language, translations=translations,
        next_due=protocols.next_due(drug, infusion.infusion_number, infused_on, history,
                                    booked=infusion.next_appointment, do_not_retreat=bool(alerts)),
        next_due_is_booked=infusion.next_appointment is not None, do_not_retreat=bool(alerts),
        pagesize=pagesize, large_print=large_print,
    )
    pdf = render_visit_summary(context)
    audit.record(actor, "visit_summary_printed", object_type="session", object_id=infusion.id,
                 patient_id=infusion.patient_id, details={"large_print": large_print, "pagesize": pagesize,
                                                             "language": language})
    return pdf


def _name_of(actor: Actor) -> str:
    user = db.session.get(User, actor.user_id) if actor.user_id else None
    return user.full_name if user else (actor.username or "")


def ae_draft(actor: Actor, session_id: int) -> bytes:
    """Render the adverse-event report draft of a serious session (SPEC §7)."""
    from ..models import utcnow
    from ..pdf.ae_draft import AeDraftContext, render_ae_draft

    infusion = load_session(session_id)
    if infusion is None:
        raise NotFound("No such session.")
    if infusion.flag_level != "serious":
        raise StateError("An adverse-event report draft is made for sessions with a serious flag.")
    patient = infusion.patient
    # The weight a dose was worked out from is the one of the day; otherwise the patient's, with its date.
    weight, taken_on = ((infusion.weight_kg, None) if infusion.weight_kg is not None
                        else (patient.weight_kg, patient.weight_taken_on))
    context = AeDraftContext(
        record=build_record(infusion), route=infusion.drug_version.definition["route"], weight_kg=weight,
        weight_taken_on=taken_on, clinic_name=current_app.config["CLINIC_NAME"],
        clinic_phone=current_app.config["CLINIC_PHONE"], tz=_config_tz(), reporter_name=_name_of(actor),
        prepared_at=utcnow(),
    )
    pdf = render_ae_draft(context)
    audit.record(actor, "ae_draft_printed", object_type="session", object_id=infusion.id,
                 patient_id=infusion.patient_id)
    return pdf


def reaction_report_pdf(actor: Actor, report) -> bytes:
    """Render the reaction report as a PDF."""
    from ..models import utcnow
    from ..pdf.reaction_report import render_reaction_report

    pdf = render_reaction_report(report, current_app.config["CLINIC_NAME"], utcnow(), _config_tz())
    audit.record(actor, "reaction_report_printed", object_type="report",
                 details={"from": report.date_from.isoformat(), "to": report.date_to.isoformat(),
                          "drug": report.drug})
    return pdf
