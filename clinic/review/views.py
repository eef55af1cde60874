"""The supervisor's review queue."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from ..security import role_required
from ..services import review as review_service
from ..web import current_actor
from .forms import ReviewForm

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.route("", strict_slashes=False)
@role_required("supervisor")
def queue():
    """List sessions with unreviewed flags, serious first, newest first."""
    return render_template("review/queue.html", items=review_service.queue(), form=ReviewForm())


@bp.route("/<int:session_id>", methods=["POST"])
@role_required("supervisor")
def review(session_id: int):
    """Record the review of one session's flags."""
    form = ReviewForm()
    if not form.validate_on_submit():
        flash("Choose an outcome.", "error")
        return redirect(url_for("review.queue"))
    review_service.review(current_actor(), session_id, outcome=form.outcome.data, note=form.note.data or "")
    flash("Review recorded; the session left the queue.", "success")
    return redirect(url_for("review.queue"))
