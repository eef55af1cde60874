"""The chair board's read model: today's sessions by chair, in one query."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, literal, select

from ..domain.flags import in_severity_order
from ..domain.schedule import vitals_due_at
from ..extensions import db
from ..domain.lifecycle import Status
from ..models import Drug, InfusionSession, Patient, PatientAlert


@dataclass(frozen=True)
class BoardRow:
    session_id: int
    chair: str | None
    patient_name: str
    mrn: str
    drug_brand: str
    infusion_number: int
    status: str
    flag_level: str
    flag_messages: tuple[str, ...]
    since_vitals: timedelta | None
    vitals_due: bool
    vitals_due_at: datetime | None
    elapsed: timedelta | None
    observation_ends_at: datetime | None
    do_not_retreat: bool  # a standing do-not-re-treat alert covers this drug for this patient


def _row(s, first, last, mrn, brand, do_not_retreat, now: datetime) -> BoardRow:
    due_at = vitals_due_at(s.started_at, s.last_vitals_at, s.status)
    if s.started_at is None:
        elapsed = None
    else:
        elapsed = (s.ended_at or now) - s.started_at
    return BoardRow(
        session_id=s.id, chair=s.chair, patient_name=f"{last}, {first}", mrn=mrn, drug_brand=brand,
        infusion_number=s.infusion_number, status=s.status, flag_level=s.flag_level,
        flag_messages=tuple(f["message"] for f in in_severity_order(s.flags or [])),
        since_vitals=(now - s.last_vitals_at) if s.last_vitals_at else None,
        vitals_due=due_at is not None and due_at <= now, vitals_due_at=due_at, elapsed=elapsed,
        observation_ends_at=s.observation_ends_at if s.status == "observing" else None,
        do_not_retreat=bool(do_not_retreat),
    )


def _chair_order(row: BoardRow):
    chair = row.chair or ""
    return (chair == "", int(chair) if chair.isdigit() else 10**6, chair, row.session_id)


# An alert's drugs are stored comma-separated: match the whole code, not a prefix of a longer one.
_STANDING_ALERT = exists().where(
    PatientAlert.patient_id == InfusionSession.patient_id, PatientAlert.lifted_at.is_(None),
    (literal(",") + PatientAlert.drugs + literal(",")).contains(literal(",") + InfusionSession.drug_code + literal(",")),
).label("do_not_retreat")


def today(day: date, now: datetime) -> list[BoardRow]:
    """Return the day's sessions (not cancelled), ordered by chair."""
    rows = db.session.execute(
        select(InfusionSession, Patient.first_name, Patient.last_name, Patient.mrn, Drug.brand, _STANDING_ALERT)
        .join(Patient, Patient.id == InfusionSession.patient_id)
        .join(Drug, Drug.code == InfusionSession.drug_code)
        .where(InfusionSession.session_date == day, InfusionSession.status != Status.CANCELLED)
    ).all()
    return sorted((_row(*row, now) for row in rows), key=_chair_order)
