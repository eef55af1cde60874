"""The reaction report for supervisors: page, CSV and PDF."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request

from ..extensions import db
from ..security import role_required
from ..services import audit, catalog, printouts, reports
from ..services.errors import Invalid
from ..services.validation import validate
from ..web import clinic_tz, current_actor, local_today, pdf_response
from .query import ReportQuery

bp = Blueprint("reports", __name__, url_prefix="/reports")


def build_report(args):
    """Parse the range and drug, then run the report (raises Invalid with the field named)."""
    query = validate(ReportQuery, args.to_dict())
    date_from, date_to = query.resolved(local_today())
    return reports.reaction_report(date_from, date_to, query.drug, clinic_tz())


def csv_text(report) -> str:
    """Write the report's rows as CSV."""
    out = io.StringIO()
    csv.writer(out).writerows(report.csv_rows())
    return out.getvalue()


def bar_chart(points, width=640, height=180):
    """Bars for the page's chart over time (pure SVG geometry, no script)."""
    if not points:
        return []
    top = max(p.infusions for p in points) or 1
    slot = width / len(points)
    bars = []
    for i, p in enumerate(points):
        h_all = p.infusions / top * (height - 20)
        h_rx = p.infusions_with_reaction / top * (height - 20)
        bars.append({"x": round(i * slot + 2, 1), "w": round(max(slot - 4, 1), 1), "h_all": round(h_all, 1),
                     "y_all": round(height - h_all, 1), "h_rx": round(h_rx, 1), "y_rx": round(height - h_rx, 1),
                     "label": p.period_start.isoformat(), "n": p.infusions, "rx": p.infusions_with_reaction})
    return bars


@bp.route("/")
@role_required("supervisor")
def index():
    """Show the reaction report for a range and optionally a drug."""
    error, report = None, None
    try:
        report = build_report(request.args)
    except Invalid as exc:
        error = exc.message
    audit.record(current_actor(), "reaction_report_viewed", object_type="report", details=request.args.to_dict())
    db.session.commit()
    return render_template("reports/index.html", report=report, error=error, drugs=catalog.active_drugs(),
                           args=request.args, bars=bar_chart(report.over_time) if report else [])


@bp.route("/reactions.csv", endpoint="csv")
@role_required("supervisor")
def csv_export():
    """Download the reaction report as CSV."""
    try:
        report = build_report(request.args)
    except Invalid as exc:
        return Response(exc.message, status=422, mimetype="text/plain")
    audit.record(current_actor(), "reaction_report_exported", object_type="report", details=request.args.to_dict())
    db.session.commit()
    return Response(csv_text(report), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="reaction-report.csv"'})


@bp.route("/reactions.pdf", endpoint="pdf")
@role_required("supervisor")
def pdf_export():
    """Download the reaction report as PDF."""
    try:
        report = build_report(request.args)
    except Invalid as exc:
        return Response(exc.message, status=422, mimetype="text/plain")
    data = printouts.reaction_report_pdf(current_actor(), report)
    db.session.commit()
    return pdf_response(data, "reaction-report.pdf")
