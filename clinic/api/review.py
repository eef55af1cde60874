"""The review queue over JSON."""
from __future__ import annotations

from flask import jsonify

from .. import schemas
from ..services import review as review_service
from ..web import current_actor
from . import serializers
from .base import endpoint


@endpoint("/review/queue", summary="Sessions with unreviewed flags", role="supervisor")
def review_queue():
    return jsonify([{
        "session_id": i.session_id, "patient_id": i.patient_id, "patient_name": i.patient_name, "mrn": i.mrn,
        "drug": i.drug, "infusion_number": i.infusion_number, "session_date": i.session_date.isoformat(),
        "status": i.status, "serious": i.serious, "flags": [serializers.flag(f) for f in i.flags],
        "flags_raised_at": i.flags_raised_at.isoformat() if i.flags_raised_at else None,
    } for i in review_service.queue()])


@endpoint("/sessions/<int:session_id>/review", "POST", summary="Review a session's flags", role="supervisor",
          body=schemas.ReviewIn, status=201)
def review(session_id, body):
    row = review_service.review(current_actor(), session_id, **body.model_dump())
    return jsonify({"id": row.id, "session_id": row.session_id, "outcome": row.outcome, "note": row.note,
                    "reviewer_id": row.reviewer_id, "reviewed_at": row.reviewed_at.isoformat()}), 201
