"""FHIR exports over HTTP."""
from __future__ import annotations

from flask import Response, jsonify, stream_with_context
from pydantic import Field, model_validator

from ..schemas import Day, Schema
from ..services import exports
from ..web import current_actor
from .base import endpoint

FHIR_JSON = "application/fhir+json"


class ExportQuery(Schema):
    """`from` and `to` are session days (inclusive)."""

    date_from: Day = Field(alias="from")
    date_to: Day = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self):
        if self.date_to < self.date_from:
            raise ValueError("'to' must not be before 'from'")
        return self


@endpoint("/sessions/<int:session_id>/fhir", summary="The session as a FHIR R4 Bundle", produces=FHIR_JSON)
def session_fhir(session_id):
    bundle = exports.session_bundle(current_actor(), session_id)
    response = jsonify(bundle)
    response.mimetype = FHIR_JSON
    return response


@endpoint("/exports/fhir", summary="FHIR resources of all sessions in a range, as NDJSON (streamed)",
          role="supervisor", query=ExportQuery, produces="application/fhir+ndjson")
def export_fhir(query):
    exports.audit_bulk_export(current_actor(), query.date_from, query.date_to)
    lines = exports.ndjson_lines(query.date_from, query.date_to)
    return Response(stream_with_context(lines), mimetype="application/fhir+ndjson")
