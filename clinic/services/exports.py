"""FHIR R4 exports: one session as a Bundle, a date range as streamed NDJSON (DOMAIN.md §6)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..domain import fhir
from ..extensions import db
from ..models import (
    CheckConfirmation, InfusionSession, PremedicationRecord, ReactionEntry, SessionEvent, VitalSigns,
)
from . import audit
from .actor import Actor
from .errors import NotFound
from .records import build_record, load_session

BATCH = 200
SHARED_RESOURCES = frozenset({"Patient", "Practitioner"})


def session_bundle(actor: Actor, session_id: int) -> dict:
    """Return the session's Bundle; the export is audited."""
    infusion = load_session(session_id)
    if infusion is None:
        raise NotFound("No such session.")
    audit.record(actor, "fhir_exported", object_type="session", object_id=infusion.id,
                 patient_id=infusion.patient_id)
    return fhir.bundle(build_record(infusion))


def _batch(after_id: int, date_from: date, date_to: date, size: int) -> list[InfusionSession]:
    return list(db.session.scalars(
        select(InfusionSession)
        .where(InfusionSession.id > after_id, InfusionSession.session_date >= date_from,
               InfusionSession.session_date <= date_to)
        .order_by(InfusionSession.id).limit(size)
        .options(selectinload(InfusionSession.patient), selectinload(InfusionSession.nurse),
                 selectinload(InfusionSession.drug_version),
                 selectinload(InfusionSession.vitals).selectinload(VitalSigns.recorded_by),
                 selectinload(InfusionSession.reactions).selectinload(ReactionEntry.recorded_by),
                 selectinload(InfusionSession.events).selectinload(SessionEvent.recorded_by),
                 selectinload(InfusionSession.premedications).selectinload(PremedicationRecord.recorded_by),
                 selectinload(InfusionSession.checks).selectinload(CheckConfirmation.confirmed_by))))


def ndjson_lines(date_from: date, date_to: date, batch_size: int = BATCH) -> Iterator[str]:
    """Yield one line per resource for every session in range, a batch of sessions at a time.

    Memory stays flat: each batch is dropped from the session before the next is loaded.
    A patient or nurse seen in several sessions is written once.
    """
    after_id, written = 0, set()
    while True:
        rows = _batch(after_id, date_from, date_to, batch_size)
        if not rows:
            return
        for infusion in rows:
            for resource in fhir.relative_references(list(fhir.resources(build_record(infusion)))):
                name = (resource["resourceType"], resource["id"])
                if resource["resourceType"] in SHARED_RESOURCES:
                    if name in written:
                        continue
                    written.add(name)
                yield json.dumps(resource, separators=(",", ":"), ensure_ascii=False) + "\n"
        after_id = rows[-1].id
        db.session.expunge_all()


def audit_bulk_export(actor: Actor, date_from: date, date_to: date) -> None:
    """Record the bulk export before it streams."""
    audit.record(actor, "fhir_bulk_exported", object_type="export",
                 details={"from": date_from.isoformat(), "to": date_to.isoformat()})
