"""The nurse's screens: check-in and the session page with its actions."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ..domain import lifecycle
from ..formtools import focus_first_error, show_service_error
from ..review.forms import ReviewForm
from ..input_guard import database_id
from ..security import role_required
from ..services import audit, catalog, patients, printouts, sessions
from ..services import review as review_service
from ..services.errors import Invalid, NotFound, ServiceError
from ..services.records import load_session
from ..models import utcnow
from ..web import current_actor, local_today, pdf_response
from . import page
from .actions import REGISTRY, _aware
from .forms import CheckInForm, ResolveForm, VoidForm

bp = Blueprint("sessions", __name__, url_prefix="/sessions")


def _expected_version(form) -> int | None:
    raw = form.version.data or ""
    return database_id(raw)


def _load_or_404(session_id: int):
    infusion = load_session(session_id)
    if infusion is None:
        abort(404)
    return infusion


# --- views ----------------------------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
def new():
    """Check a patient in: one form, filled from the chosen drug's protocol for this patient's next infusion."""
    form = CheckInForm()
    drugs = catalog.active_drugs()
    form.offer(drugs)
    patient = patients.search_by_id(_patient_id(form))
    status = 200
    if request.method == "GET":
        form.patient_id.data = patient.id if patient else None
        form.drug.data = request.args.get("drug", "")
    elif form.validate_on_submit():
        try:
            infusion = sessions.check_in(current_actor(), local_today(), **form.service_fields())
        except ServiceError as exc:
            show_service_error(form, exc, aliases={"override": "override_prescriber"})
            status = exc.status
        else:
            flash(f"Checked in for infusion #{infusion.infusion_number}.", "success")
            return redirect(url_for("sessions.show", session_id=infusion.id))
    else:
        status = 422
    context = page.check_in_context(patient, drugs, form) if patient else {}
    return render_template("sessions/new.html", form=form, patient=patient, **context,
                           found=patients.search(request.args.get("q", "")) if request.args.get("q") else [],
                           q=request.args.get("q", "")), status


def _patient_id(form) -> int | None:
    """The patient chosen: in the form once posted, in the address before (a number too large is nobody)."""
    raw = form.patient_id.data if request.method == "POST" else request.args.get("patient_id", type=int)
    return raw if isinstance(raw, int) and 0 < raw <= 2**31 - 1 else None


@bp.route("/<int:session_id>")
def show(session_id: int):
    """Show the session page (the view is audited)."""
    infusion = _load_or_404(session_id)
    audit.record(current_actor(), "session_viewed", object_type="session", object_id=infusion.id,
                 patient_id=infusion.patient_id)
    return render_template("sessions/show.html", **page.context(infusion))


@bp.route("/<int:session_id>/reactions", methods=["GET"], endpoint="reactions_page")
def reactions_page(session_id: int):
    """The reaction checklist on a page of its own, with Pause and End beside it."""
    infusion = _load_or_404(session_id)
    if not lifecycle.allows(infusion.status, "reactions"):
        flash(lifecycle.refusal(infusion.status, "reactions"), "error")
        return redirect(url_for("sessions.show", session_id=session_id))
    return render_template("sessions/reactions.html", **page.reactions_context(infusion))


@bp.route("/<int:session_id>/<any(" + ",".join(page.ACTION_PAGES) + "):action>", methods=["GET"],
          endpoint="action_page")
def action_page(session_id: int, action: str):
    """One action's page, one tap from the session page: what it will do, then its form."""
    infusion = _load_or_404(session_id)
    if not lifecycle.allows(infusion.status, action):
        flash(lifecycle.refusal(infusion.status, action), "error")
        return redirect(url_for("sessions.show", session_id=session_id))
    return render_template("sessions/action.html", **page.action_context(infusion, action))


# Where the page opens after a save: the top (the Now panel, the message and the next form are there), or the
# section of a form that sits lower (with the message beside it).
LOWER = {"next_appointment": "record", "amend": "amendments", "void": "corrections",
         "resolve": "corrections", "review": "flags"}


def _done(session_id: int, action: str):
    section = LOWER.get(action)
    if section is None:
        return redirect(url_for("sessions.show", session_id=session_id))
    return redirect(url_for("sessions.show", session_id=session_id, done=section) + f"#{section}")


@bp.route("/<int:session_id>/<any(" + ",".join(REGISTRY) + "):action>", methods=["POST"])
def act(session_id: int, action: str):
    """Run one action of the session page; errors re-show the page with the form as typed, its first
    wrong field focused."""
    form = page.build_form(action, session_id, formdata=request.form)
    if form.validate():
        try:
            message = REGISTRY[action].run(current_actor(), session_id, _expected_version(form), form)
        except ServiceError as exc:
            _show_error(action, form, exc)
            status = exc.status
        else:
            flash(message, "success")
            return _done(session_id, action)
    else:
        flash("Check the highlighted fields.", "error")
        status = 422
    focus_first_error(form)
    infusion = _load_or_404(session_id)
    if action == "reactions":
        return render_template("sessions/reactions.html", **page.reactions_context(infusion, {action: form})), status
    if action in page.ACTION_PAGES and lifecycle.allows(infusion.status, action) and not (
            action in ("premedication", "cancel") and infusion.status == lifecycle.Status.PLANNED):
        return render_template("sessions/action.html", **page.action_context(infusion, action, form)), status
    return render_template("sessions/show.html", **page.context(infusion, {action: form})), status


def _show_error(action: str, form, exc: ServiceError) -> None:
    aliases = REGISTRY[action].field_names or {}
    exc.fields = {aliases.get(name, name): why for name, why in exc.fields.items()}
    if exc.status == 409 and not exc.fields:
        flash(exc.message, "error")
        return
    show_service_error(form, exc)


def _entry(raw: str | None) -> tuple[str, int] | None:
    """An entry chosen in a list of a session's entries: "vitals-12" or "reaction-5"."""
    kind, _, number = (raw or "").partition("-")
    entry_id = database_id(number)
    return (kind, entry_id) if kind in ("vitals", "reaction") and entry_id is not None else None


@bp.route("/<int:session_id>/void", methods=["POST"], endpoint="void_entry")
@bp.route("/<int:session_id>/vitals/<int:entry_id>/void", methods=["POST"], endpoint="void_vitals")
@bp.route("/<int:session_id>/reactions/<int:entry_id>/void", methods=["POST"], endpoint="void_reaction")
def void(session_id: int, entry_id: int | None = None):
    """Void a mistaken entry with a reason; it stays visible, struck through."""
    form = VoidForm(prefix="void")
    if not form.validate_on_submit():
        abort(400)
    if entry_id is None:
        chosen = _entry(form.entry.data)
        if chosen is None:
            return _refused(session_id, "void", form, Invalid.field("entry", "choose the entry to void"))
        kind, entry_id = chosen
    else:
        kind = "vitals" if request.endpoint.endswith("void_vitals") else "reaction"
    service = sessions.void_vitals if kind == "vitals" else sessions.void_reaction
    try:
        service(current_actor(), session_id, entry_id, form.reason.data or "", _expected_version(form))
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return _refused(session_id, "void", form, exc)
    flash("Entry voided. It stays on the record, struck through.", "success")
    return _done(session_id, "void")


def _refused(session_id: int, name: str, form, exc: ServiceError):
    """Show the session page again with a correction form's refusal beside it."""
    if exc.fields:
        show_service_error(form, exc)
    flash(exc.message if not exc.fields else "Check the highlighted fields.", "error")
    focus_first_error(form)
    return render_template("sessions/show.html", **page.context(_load_or_404(session_id), {name: form})), exc.status


@bp.route("/<int:session_id>/resolve", methods=["POST"], endpoint="resolve_entry")
@bp.route("/<int:session_id>/reactions/<int:entry_id>/resolve", methods=["POST"], endpoint="resolve_reaction")
def resolve(session_id: int, entry_id: int | None = None):
    """Record when a reaction ended."""
    form = ResolveForm(prefix="resolve")
    if not form.validate_on_submit():
        abort(400)
    if entry_id is None:
        chosen = _entry(form.entry.data)
        if chosen is None or chosen[0] != "reaction":
            return _refused(session_id, "resolve", form, Invalid.field("entry", "choose the reaction"))
        entry_id = chosen[1]
    try:
        sessions.resolve_reaction(current_actor(), session_id, entry_id, _aware(form.at.data) or utcnow(),
                                  _expected_version(form))
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return _refused(session_id, "resolve", form, exc)
    flash("Recorded when the reaction ended.", "success")
    return _done(session_id, "resolve")


@bp.route("/<int:session_id>/review", methods=["POST"], endpoint="review")
@role_required("supervisor")
def review(session_id: int):
    """Review the session's flags from its page, as from the queue (SPEC §7)."""
    form = ReviewForm(prefix="review")
    if form.validate_on_submit():
        try:
            review_service.review(current_actor(), session_id, outcome=form.outcome.data, note=form.note.data or "")
        except NotFound:
            raise
        except ServiceError as exc:
            return _refused(session_id, "review", form, exc)
        flash("Review recorded; the session left the queue.", "success")
        return _done(session_id, "review")
    flash("Check the highlighted fields.", "error")
    focus_first_error(form)
    return render_template("sessions/show.html", **page.context(_load_or_404(session_id), {"review": form})), 422


@bp.route("/<int:session_id>/summary.pdf")
def summary_pdf(session_id: int):
    """Print the patient's visit summary (large print with ?large=1, A4 with ?size=a4, a language with ?lang=es;
    by default the patient's preferred language)."""
    data = printouts.visit_summary(current_actor(), session_id, large_print=request.args.get("large") == "1",
                                   pagesize="a4" if request.args.get("size") == "a4" else "letter",
                                   language=request.args.get("lang"))
    return pdf_response(data, f"visit-summary-{session_id}.pdf")


@bp.route("/<int:session_id>/adverse-event-draft.pdf", endpoint="ae_draft")
@role_required("supervisor")
def ae_draft_pdf(session_id: int):
    """Print the MedWatch 3500 draft of a serious session for the supervisor to complete."""
    data = printouts.ae_draft(current_actor(), session_id)
    return pdf_response(data, f"adverse-event-draft-{session_id}.pdf")
