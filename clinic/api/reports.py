"""The reaction report over JSON and CSV."""
from __future__ import annotations

from flask import Response, jsonify, request

from ..reports.query import ReportQuery
from ..reports.views import build_report, csv_text
from ..services import audit
from ..web import current_actor
from .base import endpoint


@endpoint("/reports/reactions", summary="The reaction report (from, to: clinic-local dates; drug)",
          role="supervisor", query=ReportQuery)
def reactions_report(query):
    report = build_report(request.args)
    audit.record(current_actor(), "reaction_report_viewed", object_type="report", details={"via": "api"})
    return jsonify(report.to_dict())


@endpoint("/reports/reactions.csv", summary="The reaction report as CSV", role="supervisor", query=ReportQuery,
          produces="text/csv")
def reactions_report_csv(query):
    report = build_report(request.args)
    audit.record(current_actor(), "reaction_report_exported", object_type="report", details={"via": "api"})
    return Response(csv_text(report), mimetype="text/csv")
