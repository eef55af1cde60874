"""The nurse's screens: check-in and the session page with its actions."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ..extensions import db
from ..formtools import show_service_error
from ..security import role_required
from ..services import audit, catalog, history, patients, printouts, sessions, signing
from .. import schemas
from ..services.errors import Invalid, ServiceError
from ..services.records import load_session
from ..web import clinic_tz, current_actor, local_today, pdf_response
from . import page
from .forms import CheckInForm

bp = Blueprint("sessions", __name__, url_prefix="/sessions")


def _aware(value):
    """Read a datetime-local value as clinic time."""
    return value.replace(tzinfo=clinic_tz()) if value is not None else None


def _version(form) -> int | None:
    raw = form.version.data or ""
    return int(raw) if raw.isdigit() else None


def celsius_to_fahrenheit(value: Decimal) -> Decimal:
    return (value * 9 / 5 + 32).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def fahrenheit_to_celsius(value: Decimal) -> Decimal:
    """Convert °F to °C at the one decimal a thermometer shows."""
    return ((value - 32) * 5 / 9).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- the handlers: form in, one service call, a message out ---------------------------------------------------

def _checks(actor, sid, v, f):
    sessions.confirm_checks(actor, sid, f.codes.data or [], v)
    return "Checks confirmed."


def _premedication(actor, sid, v, f):
    given = f.given.data == "yes"
    sessions.record_premedication(
        actor, sid, v, code=f.code.data, dose=f.dose.data or None,
        given_at=(_aware(f.given_at.data) or _now()) if given else None,
        not_given_reason=None if given else (f.not_given_reason.data or None))
    return "Premedication recorded."


def _vitals(actor, sid, v, f):
    temperature = f.temperature.data
    note = ""
    if temperature is not None and f.temperature_unit.data == "F":
        celsius = fahrenheit_to_celsius(temperature)
        note = f" {temperature} °F was recorded as {celsius} °C."
        temperature = celsius
    try:
        sessions.record_vitals(
            actor, sid, v, taken_at=_aware(f.taken_at.data) or _now(), phase=f.phase.data,
            systolic=f.systolic.data, diastolic=f.diastolic.data, heart_rate=f.heart_rate.data,
            resp_rate=f.resp_rate.data, temperature_c=temperature, spo2=f.spo2.data,
            on_oxygen={"yes": True, "no": False}.get(f.on_oxygen.data), consciousness=f.consciousness.data or None,
            pain=f.pain.data)
    except Invalid as exc:
        if note and "temperature_c" in (exc.fields or {}):  # the nurse typed °F: answer in °F
            low, high = (celsius_to_fahrenheit(c) for c in schemas.TEMPERATURE_C_RANGE)
            raise Invalid.field("temperature_c", f"{f.temperature.data} °F is outside {low} to {high} °F") from exc
        raise
    return "Vitals recorded." + note


def _reactions(actor, sid, v, f):
    entry = {"onset_at": _aware(f.onset_at.data) or _now(), "grade": f.grade.data, "action": f.action.data,
             "medication": f.medication.data or None, "notes": f.notes.data or None}
    sessions.record_reactions(actor, sid, [dict(entry, code=code) for code in f.codes.data or []], v)
    return "Reactions recorded. Use Pause infusion or End infusion if the infusion must stop."


def _simple(service, message, **extra):
    def handler(actor, sid, v, f):
        values = {name: getter(f) for name, getter in extra.items()}
        service(actor, sid, v, at=_aware(f.at.data) or _now(), **values)
        return message
    return handler


def _finalize(actor, sid, v, f):
    signing.finalize(actor, sid, f.password.data or "", v)
    return "Finalized. The record is signed and read-only."


def _amend(actor, sid, v, f):
    signing.amend(actor, sid, f.reason.data or "", {f.field.data: f.value.data}, v)
    return "Amendment recorded."


def _next_appointment(actor, sid, v, f):
    sessions.set_next_appointment(actor, sid, f.next_appointment.data, v)
    return "Next appointment saved."


def _cancel(actor, sid, v, f):
    sessions.cancel(actor, sid, f.reason.data or "", v)
    return "Session cancelled."


def _now():
    from ..models import utcnow

    return utcnow()


HANDLERS = {
    "checks": _checks,
    "premedication": _premedication,
    "vitals": _vitals,
    "reactions": _reactions,
    "start": _simple(sessions.start, "Infusion started."),
    "pause": _simple(sessions.pause, "Infusion paused.", reason=lambda f: f.reason.data or "",
                     due_to_reaction=lambda f: bool(f.due_to_reaction.data)),
    "resume": _simple(sessions.resume, "Infusion resumed."),
    "rate": _simple(sessions.change_rate, "Rate recorded.", rate_ml_h=lambda f: f.rate_ml_h.data),
    "end": _simple(sessions.end, "Infusion ended. The observation period has started.",
                   full_dose=lambda f: f.full_dose.data == "yes"),
    "discharge": _simple(sessions.discharge, "Patient discharged.",
                         early_reason=lambda f: f.early_reason.data or None),
    "finalize": _finalize,
    "amend": _amend,
    "next_appointment": _next_appointment,
    "cancel": _cancel,
}
FIELD_ALIASES = {"temperature_c": "temperature", "at": "at", "code": "codes"}


def _load_or_404(session_id: int, people: bool = True):
    infusion = load_session(session_id, people=people)
    if infusion is None:
        abort(404)
    return infusion


# --- views ----------------------------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
def new():
    """Check a patient in: drug, dose, lot and chair; shows checks, premedications, allergies, history."""
    form = CheckInForm()
    drugs = catalog.active_drugs()
    form.drug.choices = [("", "Choose a drug")] + [(d.code, f"{d.brand} ({d.generic})") for d in drugs]
    patient_id = request.args.get("patient_id", type=int) or form.patient_id.data
    patient = patients.search_by_id(patient_id)
    if request.method == "GET":
        form.patient_id.data = patient.id if patient else None
        form.drug.data = request.args.get("drug", "")
    if form.validate_on_submit():
        try:
            infusion = sessions.check_in(current_actor(), local_today(), **{
                k: v for k, v in form.data.items() if k not in ("submit", "csrf_token")})
        except ServiceError as exc:
            db.session.rollback()
            show_service_error(form, exc)
        else:
            db.session.commit()
            flash(f"Checked in for infusion #{infusion.infusion_number}.", "success")
            return redirect(url_for("sessions.show", session_id=infusion.id))
    chosen = next((d for d in drugs if d.code == form.drug.data), None)
    if request.method == "GET" and chosen is not None:
        form.dose.data, form.dose_unit.data = chosen.default_dose, chosen.dose_unit
    reactions = history.reaction_history(patient.id, chosen.code if chosen else None) if patient else []
    number = sessions.next_infusion_number(patient.id, chosen.code) if (patient and chosen) else None
    return render_template("sessions/new.html", form=form, patient=patient, drugs=drugs, chosen=chosen,
                           reactions=reactions, infusion_number=number,
                           found=patients.search(request.args.get("q", "")) if request.args.get("q") else [],
                           q=request.args.get("q", ""))


@bp.route("/<int:session_id>")
def show(session_id: int):
    """Show the session page (the view is audited)."""
    infusion = _load_or_404(session_id)
    audit.record(current_actor(), "session_viewed", object_type="session", object_id=infusion.id,
                 patient_id=infusion.patient_id)
    db.session.commit()
    return render_template("sessions/show.html", **page.context(infusion))


@bp.route("/<int:session_id>/<any(" + ",".join(HANDLERS) + "):action>", methods=["POST"])
def act(session_id: int, action: str):
    """Run one action of the session page; errors re-show the page with the form as typed."""
    # The form needs only the session and its drug; the whole chart is loaded again only to re-show the page.
    infusion = _load_or_404(session_id, people=False)
    drug = sessions.definition_of(infusion)
    form = page.build_form(action, infusion, drug, formdata=request.form)
    if form.validate():
        try:
            message = HANDLERS[action](current_actor(), session_id, _version(form), form)
        except ServiceError as exc:
            db.session.rollback()
            _show_error(form, exc)
            status = exc.status
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("sessions.show", session_id=session_id) + f"#{action}")
    else:
        flash("Check the highlighted fields.", "error")
        status = 422
    infusion = _load_or_404(session_id)
    return render_template("sessions/show.html", **page.context(infusion, {action: form})), status


def _show_error(form, exc: ServiceError) -> None:
    if exc.fields:
        exc.fields = {FIELD_ALIASES.get(k, k): v for k, v in exc.fields.items()}
    if exc.status == 409 and not exc.fields:
        flash(exc.message, "error")
        return
    show_service_error(form, exc)


@bp.route("/<int:session_id>/vitals/<int:entry_id>/void", methods=["POST"], endpoint="void_vitals")
@bp.route("/<int:session_id>/reactions/<int:entry_id>/void", methods=["POST"], endpoint="void_reaction")
def void(session_id: int, entry_id: int):
    """Void a mistaken entry with a reason; it stays visible, struck through."""
    from .forms import VoidForm

    form = VoidForm(prefix="void")
    if not form.validate_on_submit():
        abort(400)
    service = sessions.void_vitals if request.endpoint.endswith("void_vitals") else sessions.void_reaction
    try:
        service(current_actor(), session_id, entry_id, form.reason.data or "", _version(form))
    except ServiceError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        flash(exc.message if not exc.fields else "Give a reason for voiding the entry.", "error")
    else:
        db.session.commit()
        flash("Entry voided. It stays on the record, struck through.", "success")
    return redirect(url_for("sessions.show", session_id=session_id))


@bp.route("/<int:session_id>/summary.pdf")
def summary_pdf(session_id: int):
    """Print the patient's visit summary (large print with ?large=1, A4 with ?size=a4)."""
    try:
        data = printouts.visit_summary(current_actor(), session_id, large_print=request.args.get("large") == "1",
                                       pagesize="a4" if request.args.get("size") == "a4" else "letter")
    except ServiceError as exc:
        db.session.rollback()
        abort(exc.status, exc.message)  # a printout that cannot be made yet is a 409 page saying why
    db.session.commit()
    return pdf_response(data, f"visit-summary-{session_id}.pdf")


@bp.route("/<int:session_id>/adverse-event-draft.pdf", endpoint="ae_draft")
@role_required("supervisor")
def ae_draft_pdf(session_id: int):
    """Print the MedWatch 3500 draft of a serious session for the supervisor to complete."""
    try:
        data = printouts.ae_draft(current_actor(), session_id)
    except ServiceError as exc:
        db.session.rollback()
        abort(exc.status, exc.message)  # a printout that cannot be made yet is a 409 page saying why
    db.session.commit()
    return pdf_response(data, f"adverse-event-draft-{session_id}.pdf")
