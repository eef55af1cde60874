"""The supervisor's review queue (SPEC §7)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from .. import schemas
from ..domain.flags import Flag, Headline, headlines, in_severity_order, is_serious
from ..extensions import db
from ..models import Drug, InfusionSession, Patient, Review, utcnow
from . import audit
from .actor import Actor
from .errors import Invalid, NotFound, StateError
from .validation import validate


@dataclass(frozen=True)
class QueueItem:
    session_id: int
    patient_id: int
    patient_name: str
    mrn: str
    drug: str
    drug_brand: str
    infusion_number: int
    session_date: object
    status: str
    serious: bool
    flags: list
    flags_raised_at: datetime | None

    @property
    def headlines(self) -> tuple[Headline, ...]:
        """One headline per clinical event, most severe first (SPEC §5)."""
        return headlines(Flag.from_dict(f) for f in self.flags)


def _serious_first_then_newest(columns):
    """The queue's order, over the sessions table or a subquery of it."""
    return (case((columns.flag_level == "serious", 0), else_=1), columns.flags_raised_at.desc(), columns.id.desc())


_UNREVIEWED = select(
    InfusionSession.id, InfusionSession.patient_id, InfusionSession.drug_code, InfusionSession.infusion_number,
    InfusionSession.session_date, InfusionSession.status, InfusionSession.flag_level, InfusionSession.flags,
    InfusionSession.flags_raised_at,
).where(InfusionSession.needs_review.is_(True))


def queue(limit: int = 200) -> list[QueueItem]:
    """Sessions with unreviewed flags: serious first, then newest (one query).

    The sessions to show are picked first and only they are joined to their patients: joined before
    the limit, PostgreSQL may hash every patient to name two hundred of them (bench/README.md).
    """
    picked = _UNREVIEWED.order_by(*_serious_first_then_newest(InfusionSession)).limit(limit).subquery()
    rows = db.session.execute(
        select(picked, Patient.first_name, Patient.last_name, Patient.mrn, Drug.brand)
        .join(Patient, Patient.id == picked.c.patient_id)
        .join(Drug, Drug.code == picked.c.drug_code)
        .order_by(*_serious_first_then_newest(picked.c))
    ).all()
    return [QueueItem(
        session_id=r.id, patient_id=r.patient_id, patient_name=f"{r.last_name}, {r.first_name}", mrn=r.mrn,
        drug=r.drug_code, drug_brand=r.brand, infusion_number=r.infusion_number, session_date=r.session_date,
        status=r.status, serious=r.flag_level == "serious", flags=in_severity_order(r.flags or []),
        flags_raised_at=r.flags_raised_at,
    ) for r in rows]


def review(actor: Actor, session_id: int, **fields) -> Review:
    """Record a supervisor's decision on a session's flags; the session leaves the queue."""
    data = validate(schemas.ReviewIn, fields)
    infusion = db.session.get(InfusionSession, session_id)
    if infusion is None:
        raise NotFound("No such session.")
    if not infusion.flags:
        raise StateError("This session has no flags to review.")
    if is_serious(infusion.flags) and not data.note:
        raise Invalid.field("note", "is required when a flag is serious: say what was done or decided")
    now = utcnow()
    row = Review(session_id=infusion.id, reviewer_id=actor.user_id, reviewed_at=now, outcome=data.outcome,
                 note=data.note, flags_seen=[f.get("key") for f in infusion.flags])
    db.session.add(row)
    infusion.needs_review = False
    infusion.reviewed_at = now
    db.session.flush()
    audit.record(actor, "session_reviewed", object_type="session", object_id=infusion.id,
                 patient_id=infusion.patient_id, details={"review_id": row.id, "outcome": data.outcome})
    return row


def reviews_of(session_id: int) -> list[Review]:
    """Return a session's reviews, oldest first."""
    return list(db.session.scalars(select(Review).where(Review.session_id == session_id)
                                   .options(selectinload(Review.reviewer)).order_by(Review.id)))
