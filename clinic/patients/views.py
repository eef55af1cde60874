"""Patients: search, register, view, edit (never delete)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..formtools import blank_to_none, show_service_error
from ..input_guard import database_id
from ..security import role_required
from ..services import audit, catalog, catalog_admin, history, patients, treatment
from ..services.errors import ServiceError
from ..web import current_actor
from .forms import EditPatientForm, HistoryForm, LiftAlertForm, PatientForm, SearchForm

bp = Blueprint("patients", __name__, url_prefix="/patients")

FIELDS = ("mrn", "first_name", "last_name", "date_of_birth", "sex", "allergies", "weight_kg", "height_cm", "phone",
          "preferred_language", "pregnant", "spo2_scale")


def _values(form) -> dict:
    return blank_to_none({name: getattr(form, name).data for name in FIELDS})


@bp.route("", strict_slashes=False)
def index():
    """Search patients by MRN or name."""
    form = SearchForm(request.args)
    q = (form.q.data or "").strip()
    found = patients.search(q, include_inactive=True) if q else []
    return render_template("patients/index.html", form=form, q=q, patients=found)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Register a patient."""
    form = PatientForm()
    if form.validate_on_submit():
        try:
            patient = patients.register(current_actor(), **_values(form))
        except ServiceError as exc:
            show_service_error(form, exc)
            return render_template("patients/form.html", form=form, title="Register a patient"), exc.status
        else:
            flash(f"Registered {patient.full_name}.", "success")
            return redirect(url_for("patients.show", patient_id=patient.id))
    return render_template("patients/form.html", form=form, title="Register a patient"), _form_status()


@bp.route("/<int:patient_id>")
def show(patient_id: int):
    """Show a patient's details, alerts, treatment history, sessions and reactions (the view is audited)."""
    patient = patients.get(patient_id)
    audit.record(current_actor(), "patient_viewed", object_type="patient", object_id=patient.id,
                 patient_id=patient.id)
    return _page(patient)


class _DrugNames(dict):
    """Drug codes to names on screens; a code no longer in the catalog shows as itself."""

    def __missing__(self, code: str) -> str:
        return code


def _page(patient, history_form=None, lift_forms=None, status=200):
    history_form = history_form or HistoryForm()
    history_form.drug.choices = [("", "Choose a drug")] + [(d.code, f"{d.brand} ({d.generic})")
                                                            for d in catalog.active_drugs()]
    alerts = treatment.alerts_of(patient.id)
    lift_forms = {alert.id: LiftAlertForm(prefix=f"lift-{alert.id}") for alert in alerts if alert.standing} | (
        lift_forms or {})
    return render_template("patients/show.html", patient=patient, sessions=history.sessions_of_patient(patient.id),
                           reactions=history.reaction_history(patient.id), alerts=alerts,
                           entries=treatment.history_entries(patient.id), history_form=history_form,
                           lift_forms=lift_forms, drug_names=_DrugNames(catalog_admin.drug_names())), status


@bp.route("/<int:patient_id>/history", methods=["POST"])
def add_history(patient_id: int):
    """Enter infusions of a drug given elsewhere; later infusion numbers count them."""
    patient = patients.get(patient_id)
    form = HistoryForm()
    form.drug.choices = [(d.code, d.brand) for d in catalog.active_drugs()]
    if form.validate_on_submit():
        try:
            treatment.record_history(current_actor(), patient.id, drug=form.drug.data, infusions=form.infusions.data,
                                     last_infusion_on=form.last_infusion_on.data,
                                     had_reaction=form.had_reaction.data == "yes", source=form.source.data)
        except ServiceError as exc:
            show_service_error(form, exc)
            return _page(patient, history_form=form, status=exc.status)
        flash("Treatment history added: infusion numbers now count it.", "success")
        return redirect(url_for("patients.show", patient_id=patient.id) + "#history")
    return _page(patient, history_form=form, status=422)


@bp.route("/<int:patient_id>/alerts/<int:alert_id>/lift", methods=["POST"])
@role_required("supervisor")
def lift_alert(patient_id: int, alert_id: int):
    """A supervisor lifts a do-not-re-treat alert with a reason (kept in the history)."""
    patient = patients.get(patient_id)
    form = LiftAlertForm(prefix=f"lift-{alert_id}")
    if form.validate_on_submit():
        try:
            treatment.lift_alert(current_actor(), patient.id, alert_id, form.reason.data)
        except ServiceError as exc:
            if exc.status == 404:
                raise
            show_service_error(form, exc)
            return _page(patient, lift_forms={alert_id: form}, status=exc.status)
        flash("Alert lifted. It stays in the patient's history.", "success")
        return redirect(url_for("patients.show", patient_id=patient.id) + "#alerts")
    return _page(patient, lift_forms={alert_id: form}, status=422)


@bp.route("/<int:patient_id>/edit", methods=["GET", "POST"])
def edit(patient_id: int):
    """Edit a patient's details; every change is audited with before and after."""
    patient = patients.get(patient_id)
    form = EditPatientForm(obj=patient)
    form.keep_language(patient.preferred_language)
    if request.method == "GET":
        form.version.data = patient.version
    if form.validate_on_submit():
        version = database_id(form.version.data)
        try:
            patients.update(current_actor(), patient.id, version, active=form.active.data, **_values(form))
        except ServiceError as exc:
            show_service_error(form, exc)
            return render_template("patients/form.html", form=form, title=f"Edit {patient.full_name}",
                                   patient=patient), exc.status
        else:
            flash("Saved.", "success")
            return redirect(url_for("patients.show", patient_id=patient.id))
    return render_template("patients/form.html", form=form, title=f"Edit {patient.full_name}", patient=patient), \
        _form_status()


def _form_status() -> int:
    """A form posted and refused answers 422 (as the API does), a form shown 200."""
    return 422 if request.method == "POST" else 200
