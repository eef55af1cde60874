"""Patients and the session lifecycle over JSON (SPEC §8)."""
from __future__ import annotations

from flask import jsonify
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .. import schemas
from ..models import utcnow
from ..services import chair, patients, sessions, signing, treatment
from ..services.records import load_session
from ..web import current_actor, local_today, pdf_response
from . import serializers
from .base import endpoint
from .errors import expected_version


class PatientQuery(schemas.Schema):
    q: str = Field(default="", max_length=100)


class SummaryQuery(schemas.Schema):
    large: Literal["0", "1"] = "0"
    size: Literal["letter", "a4"] = "letter"
    # A language with a catalog; otherwise (or without one) the patient's preferred language.
    lang: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")] | None = None


def _session_response(infusion, status=200, reload=True):
    if reload:  # after a change, answer with what is stored now
        infusion = load_session(infusion.id)
    now_panel = chair.now_at_the_chair(infusion, utcnow())
    response = jsonify(serializers.session(infusion, sessions.definition_of(infusion), now_panel))
    response.headers["ETag"] = str(infusion.version)
    return response, status


def _audit_view(infusion):
    from ..services import audit

    audit.record(current_actor(), "session_viewed", object_type="session", object_id=infusion.id,
                 patient_id=infusion.patient_id, details={"via": "api"})


@endpoint("/patients", "POST", summary="Register a patient", body=schemas.PatientIn, status=201)
def create_patient(body):
    patient = patients.register(current_actor(), **body.model_dump())
    return jsonify(serializers.patient(patient)), 201


@endpoint("/patients", summary="Search patients by MRN or name", query=PatientQuery)
def search_patients(query):
    found = patients.search(query.q)
    return jsonify([serializers.patient(p) for p in found])


@endpoint("/patients/<int:patient_id>", summary="One patient, with alerts and treatment history")
def get_patient(patient_id):
    patient = patients.get(patient_id)
    from ..services import audit

    audit.record(current_actor(), "patient_viewed", object_type="patient", object_id=patient.id,
                 patient_id=patient.id, details={"via": "api"})
    return jsonify(serializers.patient_with_treatment(patient, treatment.alerts_of(patient.id),
                                                      treatment.history_entries(patient.id)))


@endpoint("/patients/<int:patient_id>/history", "POST", summary="Enter infusions given elsewhere",
          body=schemas.HistoryIn, status=201)
def add_history(patient_id, body):
    row = treatment.record_history(current_actor(), patient_id, **body.model_dump())
    return jsonify(serializers.history_entry(row)), 201


@endpoint("/patients/<int:patient_id>/alerts/<int:alert_id>/lift", "POST", summary="Lift a do-not-re-treat alert",
          role="supervisor", body=schemas.LiftIn)
def lift_alert(patient_id, alert_id, body):
    alert = treatment.lift_alert(current_actor(), patient_id, alert_id, body.reason)
    return jsonify(serializers.alert(alert))


@endpoint("/sessions", "POST", summary="Check a patient in", body=schemas.CheckInIn, status=201)
def check_in(body):
    infusion = sessions.check_in(current_actor(), local_today(), **body.model_dump())
    return _session_response(infusion, 201)


@endpoint("/sessions/<int:session_id>", summary="A session with its vitals, reactions, events and flags")
def get_session(session_id):
    infusion = load_session(session_id)
    if infusion is None:
        from .errors import not_found

        return not_found("No such session.")
    _audit_view(infusion)
    return _session_response(infusion, reload=False)


def _state_change(name: str, rule: str, body_model, service, summary: str):
    @endpoint(f"/sessions/<int:session_id>/{rule}", "POST", summary=summary, body=body_model, name=name)
    def view(session_id, body):
        infusion = service(current_actor(), session_id, expected_version=expected_version(),
                           **body.model_dump(exclude_unset=True))
        return _session_response(infusion)

    return view


start = _state_change("start", "start", schemas.StartIn, sessions.start, "Start the infusion")
pause = _state_change("pause", "pause", schemas.PauseIn, sessions.pause, "Pause the infusion")
resume = _state_change("resume", "resume", schemas.ResumeIn, sessions.resume, "Resume the infusion")
end = _state_change("end", "end", schemas.EndIn, sessions.end, "End the infusion")
undo_end = _state_change("undo_end", "undo-end", schemas.UndoEndIn, sessions.undo_end,
                         "Undo the end of the infusion (within 10 minutes, by the nurse who ended it)")
discharge = _state_change("discharge", "discharge", schemas.DischargeIn, sessions.discharge, "Discharge")
cancel = _state_change("cancel", "cancel", schemas.CancelIn, sessions.cancel, "Cancel a session that has not started")


@endpoint("/sessions/<int:session_id>/checks", "POST", summary="Confirm pre-infusion checks", body=schemas.ChecksIn)
def confirm_checks(session_id, body):
    infusion = sessions.confirm_checks(current_actor(), session_id, body.codes, expected_version())
    return _session_response(infusion)


@endpoint("/sessions/<int:session_id>/finalize", "POST", summary="Sign the record", body=schemas.FinalizeIn)
def finalize(session_id, body):
    infusion = signing.finalize(current_actor(), session_id, body.password, expected_version())
    return _session_response(infusion)


@endpoint("/sessions/<int:session_id>/premedications", "POST", summary="Record a premedication",
          body=schemas.PremedicationIn, status=201)
def premedication(session_id, body):
    row = sessions.record_premedication(current_actor(), session_id, expected_version(),
                                        **body.model_dump(exclude_unset=True))
    return jsonify(serializers.premedication(row)), 201


@endpoint("/sessions/<int:session_id>/vitals", "POST", summary="Record vital signs", body=schemas.VitalsIn,
          status=201)
def vitals(session_id, body):
    row = sessions.record_vitals(current_actor(), session_id, expected_version(), **body.model_dump())
    return jsonify(serializers.vitals(row)), 201


@endpoint("/sessions/<int:session_id>/rate", "POST", summary="Change the rate", body=schemas.RateIn, status=201)
def rate(session_id, body):
    row = sessions.change_rate(current_actor(), session_id, expected_version(),
                               **body.model_dump(exclude_unset=True))
    return jsonify(serializers.event(row)), 201


@endpoint("/sessions/<int:session_id>/reactions", "POST", summary="Record a reaction", body=schemas.ReactionIn,
          status=201)
def reaction(session_id, body):
    rows = sessions.record_reactions(current_actor(), session_id, [body.model_dump()], expected_version())
    return jsonify(serializers.reaction_entry(rows[0])), 201


@endpoint("/sessions/<int:session_id>/amendments", "POST", summary="Amend a finalized session",
          body=schemas.AmendmentIn, status=201)
def amend(session_id, body):
    row = signing.amend(current_actor(), session_id, body.reason, body.changes, expected_version())
    return jsonify({"id": row.id, "session_id": row.session_id, "reason": row.reason, "changes": row.changes,
                    "fingerprint": row.fingerprint, "created_at": row.created_at.isoformat()}), 201


@endpoint("/sessions/<int:session_id>/reactions/<int:entry_id>/resolve", "POST", summary="Record when a reaction ended",
          body=schemas.ResolveIn)
def resolve_reaction(session_id, entry_id, body):
    row = sessions.resolve_reaction(current_actor(), session_id, entry_id, body.at, expected_version())
    return jsonify(serializers.reaction_entry(row))


@endpoint("/sessions/<int:session_id>/vitals/<int:entry_id>/void", "POST", summary="Void vital signs",
          body=schemas.VoidIn)
def void_vitals(session_id, entry_id, body):
    row = sessions.void_vitals(current_actor(), session_id, entry_id, body.reason, expected_version())
    return jsonify(serializers.vitals(row))


@endpoint("/sessions/<int:session_id>/reactions/<int:entry_id>/void", "POST", summary="Void a reaction entry",
          body=schemas.VoidIn)
def void_reaction(session_id, entry_id, body):
    row = sessions.void_reaction(current_actor(), session_id, entry_id, body.reason, expected_version())
    return jsonify(serializers.reaction_entry(row))


@endpoint("/sessions/<int:session_id>/summary.pdf", summary="The visit summary PDF (?large=1, ?size=a4, ?lang=es)",
          produces="application/pdf", query=SummaryQuery)
def summary_pdf(session_id, query):
    from ..services import printouts

    data = printouts.visit_summary(current_actor(), session_id, large_print=query.large == "1",
                                   pagesize=query.size, language=query.lang)
    return pdf_response(data, f"visit-summary-{session_id}.pdf")


@endpoint("/sessions/<int:session_id>/adverse-event.pdf", summary="The MedWatch 3500 draft of a serious session",
          role="supervisor", produces="application/pdf")
def adverse_event_pdf(session_id):
    from ..services import printouts

    return pdf_response(printouts.ae_draft(current_actor(), session_id), f"adverse-event-draft-{session_id}.pdf")
