"""The supervisor's review queue."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from ..formtools import show_service_error
from ..security import role_required
from ..services import review as review_service
from ..services.errors import NotFound, ServiceError
from ..web import current_actor
from .forms import NOTE_REQUIRED, ReviewForm

bp = Blueprint("review", __name__, url_prefix="/review")


def _form(item, bound: ReviewForm | None = None) -> ReviewForm:
    form = bound or ReviewForm(prefix=f"review-{item.session_id}", formdata=None)
    if item.serious:
        form.note.description = NOTE_REQUIRED
    return form


def _queue_page(bound: dict[int, ReviewForm] | None = None, status: int = 200):
    bound = bound or {}
    items = review_service.queue()
    shown = {item.session_id for item in items}
    for session_id, form in bound.items():
        if session_id not in shown:  # reviewed or cleared meanwhile: say why nothing was saved
            flash("; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()), "error")
    forms = {item.session_id: _form(item, bound.get(item.session_id)) for item in items}
    return render_template("review/queue.html", items=items, forms=forms), status


@bp.route("", strict_slashes=False)
@role_required("supervisor")
def queue():
    """List sessions with unreviewed flags, serious first, newest first."""
    return _queue_page()


@bp.route("/<int:session_id>", methods=["POST"])
@role_required("supervisor")
def review(session_id: int):
    """Record the review of one session's flags; a refusal shows the queue again with the error."""
    form = ReviewForm(prefix=f"review-{session_id}")
    if form.validate_on_submit():
        try:
            review_service.review(current_actor(), session_id, outcome=form.outcome.data,
                                  note=form.note.data or "")
        except NotFound:
            raise  # no such session: the app's 404, not a form error
        except ServiceError as exc:
            show_service_error(form, exc)
            return _queue_page({session_id: form}, exc.status)
        flash("Review recorded; the session left the queue.", "success")
        return redirect(url_for("review.queue"))
    return _queue_page({session_id: form}, 422)
