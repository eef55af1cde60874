"""Read models: a patient's sessions and reaction history (SPEC §4.1)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Amendment, Drug, InfusionSession, ReactionEntry, SessionEvent


@dataclass(frozen=True)
class PastReaction:
    session_id: int
    session_date: object
    drug_code: str
    drug_brand: str
    infusion_number: int
    label: str
    grade: int
    onset_at: datetime
    after_start: timedelta | None
    rate_ml_h: Decimal | None
    action: str
    medication: str | None


def sessions_of_patient(patient_id: int, limit: int = 200) -> list:
    """Return the patient's sessions, newest first, with the drug's brand, in one query."""
    return db.session.execute(
        select(InfusionSession.id, InfusionSession.session_date, InfusionSession.drug_code,
               InfusionSession.infusion_number, InfusionSession.status, InfusionSession.flag_level,
               InfusionSession.dose, InfusionSession.dose_unit, Drug.brand)
        .join(Drug, Drug.code == InfusionSession.drug_code)
        .where(InfusionSession.patient_id == patient_id)
        .order_by(InfusionSession.session_date.desc(), InfusionSession.id.desc()).limit(limit)
    ).all()


def _rates_before(session_ids: set[int]) -> dict[int, list[tuple[datetime, Decimal]]]:
    if not session_ids:  # no earlier reaction: nothing to ask the database
        return {}
    rows = db.session.execute(
        select(SessionEvent.session_id, SessionEvent.occurred_at, SessionEvent.rate_ml_h)
        .where(SessionEvent.session_id.in_(session_ids), SessionEvent.kind == "rate_change",
               SessionEvent.voided_at.is_(None))
        .order_by(SessionEvent.occurred_at)
    ).all()
    rates: dict[int, list] = {}
    for row in rows:
        rates.setdefault(row.session_id, []).append((row.occurred_at, row.rate_ml_h))
    return rates


def reaction_history(patient_id: int, drug_code: str | None = None, min_grade: int = 2,
                     exclude_session: int | None = None) -> list[PastReaction]:
    """Return earlier reactions graded `min_grade` or higher, with time after start and rate at onset."""
    query = (
        select(ReactionEntry, InfusionSession.session_date, InfusionSession.drug_code,
               InfusionSession.infusion_number, InfusionSession.started_at, Drug.brand)
        .join(InfusionSession, InfusionSession.id == ReactionEntry.session_id)
        .join(Drug, Drug.code == InfusionSession.drug_code)
        .where(InfusionSession.patient_id == patient_id, ReactionEntry.grade >= min_grade,
               ReactionEntry.voided_at.is_(None))
        .order_by(ReactionEntry.onset_at.desc())
    )
    if drug_code:
        query = query.where(InfusionSession.drug_code == drug_code)
    if exclude_session:
        query = query.where(InfusionSession.id != exclude_session)
    rows = db.session.execute(query).all()
    rates = _rates_before({row[0].session_id for row in rows})
    result = []
    for entry, session_date, code, number, started_at, brand in rows:
        earlier = [rate for at, rate in rates.get(entry.session_id, []) if at <= entry.onset_at]
        result.append(PastReaction(
            session_id=entry.session_id, session_date=session_date, drug_code=code, drug_brand=brand,
            infusion_number=number, label=entry.reaction_label, grade=entry.grade, onset_at=entry.onset_at,
            after_start=(entry.onset_at - started_at) if started_at and entry.onset_at >= started_at else None,
            rate_ml_h=earlier[-1] if earlier else None, action=entry.action, medication=entry.medication))
    return result


def amendments_of(session_id: int) -> list:
    """Return a session's amendments, oldest first, with their authors."""
    return list(db.session.scalars(
        select(Amendment).where(Amendment.session_id == session_id)
        .options(selectinload(Amendment.author)).order_by(Amendment.id)))
