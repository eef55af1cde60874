"""The audit log for supervisors and admins: filter, page, verify the chain."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_wtf import FlaskForm

from ..input_guard import calendar_day, database_id
from ..security import role_required
from ..services import accounts, audit, patients
from ..web import clinic_tz, current_actor

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE = 50


def _day(value: str | None) -> date | None:
    return calendar_day(value)


def _filters(args) -> tuple[dict, list[str]]:
    """Read the filters; unknown users or patients match nothing and say so."""
    problems, filters = [], {}
    if username := (args.get("user") or "").strip():
        user = accounts.find_user(username)
        filters["user_id"] = user.id if user else None
        if filters["user_id"] is None:
            problems.append(f"No user {username!r}.")
            filters["user_id"] = -1
    if patient := (args.get("patient") or "").strip():
        filters["patient_id"] = database_id(patient) or patients.id_by_mrn(patient)
        if filters["patient_id"] is None:
            problems.append(f"No patient with MRN {patient!r}.")
            filters["patient_id"] = -1
    if action := (args.get("action") or "").strip():
        filters["action"] = action
    tz = clinic_tz()
    start, end = _day(args.get("from")), _day(args.get("to"))
    for label, raw, parsed in (("From", args.get("from"), start), ("To", args.get("to"), end)):
        if raw and parsed is None:
            problems.append(f"{label}: give a date as YYYY-MM-DD, between 1900 and 2999.")
    if start and end and end < start:
        problems.append("To: must not be before From.")
    if start:
        filters["start"] = datetime.combine(start, time.min, tz)
    if end:
        filters["end"] = datetime.combine(end + timedelta(days=1), time.min, tz)
    if (before := database_id(args.get("before"))) is not None:
        filters["before_id"] = before
    return filters, problems


@bp.route("", strict_slashes=False)
@role_required("supervisor")
def index():
    """List audit events, newest first, 50 a page (viewing is itself audited)."""
    filters, problems = _filters(request.args)
    events, next_before = audit.search(limit=PAGE, **filters)
    audit.record(current_actor(), "audit_log_viewed", object_type="audit",
                 details={k: v for k, v in request.args.items() if k != "before"})
    args = {k: v for k, v in request.args.items() if k != "before"}
    return render_template("audit/index.html", events=events, next_before=next_before, args=args,
                           problems=problems, actions=audit.actions(), verify_form=FlaskForm(), result=None,
                           details_of=audit.readable_details)


@bp.route("/verify", methods=["POST"])
@role_required("supervisor")
def verify():
    """Run the same check as `flask audit verify` and show the result."""
    FlaskForm().validate_on_submit()  # CSRFProtect has already refused a POST without a valid token
    result = audit.verify()
    audit.record(current_actor(), "audit_chain_verified", object_type="audit",
                 details={"ok": result.ok, "checked": result.checked, "first_broken_id": result.first_broken_id})
    events, next_before = audit.search(limit=PAGE)
    return render_template("audit/index.html", events=events, next_before=next_before, args={}, problems=[],
                           actions=audit.actions(), verify_form=FlaskForm(), result=result,
                           details_of=audit.readable_details)
