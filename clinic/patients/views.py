"""Patients: search, register, view, edit (never delete)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..formtools import blank_to_none, show_service_error
from ..services import audit, history, patients
from ..services.errors import ServiceError
from ..web import current_actor
from .forms import EditPatientForm, PatientForm, SearchForm

bp = Blueprint("patients", __name__, url_prefix="/patients")

FIELDS = ("mrn", "first_name", "last_name", "date_of_birth", "sex", "allergies", "weight_kg", "phone",
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
    return render_template("patients/form.html", form=form, title="Register a patient")


@bp.route("/<int:patient_id>")
def show(patient_id: int):
    """Show a patient's details, sessions and reaction history (the view is audited)."""
    patient = patients.get(patient_id)
    sessions_list = history.sessions_of_patient(patient.id)
    reactions = history.reaction_history(patient.id)
    audit.record(current_actor(), "patient_viewed", object_type="patient", object_id=patient.id,
                 patient_id=patient.id)
    return render_template("patients/show.html", patient=patient, sessions=sessions_list, reactions=reactions)


@bp.route("/<int:patient_id>/edit", methods=["GET", "POST"])
def edit(patient_id: int):
    """Edit a patient's details; every change is audited with before and after."""
    patient = patients.get(patient_id)
    form = EditPatientForm(obj=patient)
    if request.method == "GET":
        form.version.data = patient.version
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        try:
            patients.update(current_actor(), patient.id, version, active=form.active.data, **_values(form))
        except ServiceError as exc:
            show_service_error(form, exc)
            return render_template("patients/form.html", form=form, title=f"Edit {patient.full_name}",
                                   patient=patient), exc.status
        else:
            flash("Saved.", "success")
            return redirect(url_for("patients.show", patient_id=patient.id))
    return render_template("patients/form.html", form=form, title=f"Edit {patient.full_name}", patient=patient)
