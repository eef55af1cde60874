"""The reaction report for supervisors: page, CSV and PDF."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request

from ..security import role_required
from ..services import audit, catalog, printouts, reports
from ..services.errors import Invalid
from ..services.validation import validate
from ..web import clinic_tz, current_actor, local_today, pdf_response
from .query import ReportQuery, SessionListQuery

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


CHART = {"width": 640, "height": 200, "left": 40, "bottom": 28, "top": 12}
MAX_X_LABELS = 8
MAX_BAR_WIDTH = 36  # a few days' bars stay bars, not walls


def link_base(report) -> dict:
    """The query every count's link starts from: the report's own range and drug."""
    base = {"from": report.date_from.isoformat(), "to": report.date_to.isoformat()}
    return dict(base, drug=report.drug) if report.drug else base


def bar_chart(points, period: str = "day") -> dict | None:
    """Geometry of the page's chart over time: paired bars, a labelled value axis, dated periods."""
    if not points:
        return None
    width, height, left, bottom, top_pad = (CHART[k] for k in ("width", "height", "left", "bottom", "top"))
    plot_h = height - bottom - top_pad
    top = max(max(p.infusions for p in points), 1)
    slot = (width - left) / len(points)
    bar_w = min(max(slot / 2 - 2, 1), MAX_BAR_WIDTH)
    step = max(1, -(-len(points) // MAX_X_LABELS))

    def y_of(value):
        return round(top_pad + plot_h - value / top * plot_h, 1)

    bars = []
    for i, p in enumerate(points):
        x = left + i * slot + (slot - 2 * bar_w) / 2
        bars.append({"x_all": round(x, 1), "x_rx": round(x + bar_w, 1), "w": round(bar_w, 1),
                     "y_all": y_of(p.infusions), "h_all": round(p.infusions / top * plot_h, 1),
                     "y_rx": y_of(p.infusions_with_reaction),
                     "h_rx": round(p.infusions_with_reaction / top * plot_h, 1),
                     "label": p.period_start.isoformat(), "n": p.infusions, "rx": p.infusions_with_reaction,
                     "show_label": i % step == 0, "label_x": round(x + bar_w, 1),
                     "first_day": p.first_day.isoformat(), "last_day": p.last_day.isoformat(),
                     "short": p.period_start.strftime("%Y-%m" if period == "month" else "%m-%d")})
    ticks = sorted({0, top // 2, top})
    return {"bars": bars, "ticks": [{"value": t, "y": y_of(t)} for t in ticks], "left": left,
            "baseline": y_of(0), "width": width, "height": height, "label_y": height - 8}


@bp.route("", strict_slashes=False)
@role_required("supervisor")
def index():
    """Show the reaction report for a range and optionally a drug."""
    error, report = None, None
    try:
        report = build_report(request.args)
    except Invalid as exc:
        error = exc.message
    audit.record(current_actor(), "reaction_report_viewed", object_type="report", details=request.args.to_dict())
    return render_template("reports/index.html", report=report, error=error, drugs=catalog.active_drugs(),
                           args=request.args,
                           chart=bar_chart(report.over_time, report.period) if report else None,
                           base=link_base(report) if report else {})


@bp.route("/sessions")
@role_required("supervisor")
def sessions():
    """List the sessions behind one count of the reaction report."""
    error, query, found, date_from, date_to = None, None, None, None, None
    try:
        query = validate(SessionListQuery, request.args.to_dict())
        date_from, date_to = query.resolved(local_today())
        found = reports.sessions_behind(date_from, date_to, clinic_tz(), **query.filters())
    except Invalid as exc:
        error = exc.message
    audit.record(current_actor(), "report_sessions_viewed", object_type="report", details=request.args.to_dict())
    return render_template("reports/sessions.html", error=error, query=query, found=found, date_from=date_from,
                           date_to=date_to, brands={d.code: d.brand for d in catalog.active_drugs()},
                           reactions={r.code: r.label for r in catalog.reactions(include_inactive=True)},
                           back={k: v for k, v in request.args.items() if k in ("from", "to", "drug")}), \
        200 if error is None else 422


@bp.route("/reactions.csv", endpoint="csv")
@role_required("supervisor")
def csv_export():
    """Download the reaction report as CSV."""
    try:
        report = build_report(request.args)
    except Invalid as exc:
        return Response(exc.message, status=422, mimetype="text/plain")
    audit.record(current_actor(), "reaction_report_exported", object_type="report", details=request.args.to_dict())
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
    return pdf_response(data, "reaction-report.pdf")
