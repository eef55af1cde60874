"""The chair board's read model: today's sessions by chair, in one query (and one more for the rates of the
infusions running, when some are)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, literal, select

from ..domain import protocols
from ..domain.flags import Glance, at_a_glance
from ..domain.lifecycle import RUNNING, Status
from ..domain.schedule import vitals_due_at
from ..extensions import db
from ..models import Drug, InfusionSession, Patient, PatientAlert, SessionEvent
from . import chair


@dataclass(frozen=True)
class BoardRow:
    session_id: int
    chair: str | None
    patient_name: str
    mrn: str
    allergies: str | None
    drug_brand: str
    infusion_number: int
    status: str
    flag_level: str
    flags: Glance  # the headlines the card names, most severe first (an anaphylaxis or emergency always), how many more
    since_vitals: timedelta | None
    vitals_due: bool
    vitals_due_at: datetime | None
    checked_in_at: datetime
    infusing_for: timedelta | None  # only while infusing: paused, observing or discharged, the bag is not running
    paused_at: datetime | None
    ended_at: datetime | None
    observation_ends_at: datetime | None
    discharged_at: datetime | None
    rate: protocols.RateChange | None
    next_step: protocols.NextStep | None
    do_not_retreat: bool  # a standing do-not-re-treat alert covers this drug for this patient

    @property
    def needs_signing(self) -> bool:
        """Discharged and not yet finalized: the nurse still has to sign the record (SPEC §10)."""
        return self.status == Status.DISCHARGED


NO_FLAGS = Glance((), 0)

# What the card shows, read as columns: whole session rows would carry every chart column to the board.
_COLUMNS = (
    InfusionSession.id, InfusionSession.chair, InfusionSession.status, InfusionSession.infusion_number,
    InfusionSession.flag_level, InfusionSession.flags, InfusionSession.created_at, InfusionSession.started_at,
    InfusionSession.ended_at, InfusionSession.observation_ends_at, InfusionSession.discharged_at,
    InfusionSession.last_vitals_at, InfusionSession.rate_plan,
)

# An alert's drugs are stored comma-separated: match the whole code, not a prefix of a longer one.
_STANDING_ALERT = exists().where(
    PatientAlert.patient_id == InfusionSession.patient_id, PatientAlert.lifted_at.is_(None),
    (literal(",") + PatientAlert.drugs + literal(",")).contains(literal(",") + InfusionSession.drug_code + literal(",")),
).label("do_not_retreat")


def _events_of_running(rows) -> dict[int, list]:
    """The rate changes, pauses and resumes of the sessions running now, by session (one query, none when none)."""
    running = [r.id for r in rows if r.status in RUNNING]
    if not running:
        return {}
    events = db.session.execute(
        select(SessionEvent.session_id, SessionEvent.id, SessionEvent.kind, SessionEvent.occurred_at,
               SessionEvent.rate_ml_h)
        .where(SessionEvent.session_id.in_(running), SessionEvent.voided_at.is_(None))
    ).all()
    by_session = defaultdict(list)
    for event in events:
        by_session[event.session_id].append(event)
    return by_session


def _row(r, events, now: datetime) -> BoardRow:
    due_at = vitals_due_at(r.started_at, r.last_vitals_at, r.status)
    running = r.status in RUNNING
    changes, pauses = chair.rate_history_of(events) if running else ((), ())
    paused_at = pauses[-1].start if r.status == Status.PAUSED and pauses else None
    steps = chair.steps_of(r.rate_plan)
    return BoardRow(
        session_id=r.id, chair=r.chair, patient_name=f"{r.last_name}, {r.first_name}", mrn=r.mrn,
        allergies=r.allergies, drug_brand=r.brand, infusion_number=r.infusion_number, status=r.status,
        flag_level=r.flag_level, flags=at_a_glance(r.flags) if r.flags else NO_FLAGS,
        since_vitals=(now - r.last_vitals_at) if r.last_vitals_at else None,
        vitals_due=due_at is not None and due_at <= now, vitals_due_at=due_at, checked_in_at=r.created_at,
        infusing_for=(now - r.started_at) if r.status == Status.INFUSING and r.started_at else None,
        paused_at=paused_at, ended_at=r.ended_at,
        observation_ends_at=r.observation_ends_at if r.status == Status.OBSERVING else None,
        discharged_at=r.discharged_at if r.status == Status.DISCHARGED else None,
        rate=protocols.current_rate(changes) if running else None,
        next_step=protocols.next_rate_step(steps, changes, pauses, now) if running else None,
        do_not_retreat=bool(r.do_not_retreat),
    )


def _chair_order(row: BoardRow):
    chair_name = row.chair or ""
    # "²".isdigit() is true but int("²") fails: only ASCII digits are a chair number.
    number = int(chair_name) if chair_name.isascii() and chair_name.isdigit() and len(chair_name) < 7 else 10**6
    return (chair_name == "", number, chair_name, row.session_id)


def today(day: date, now: datetime) -> list[BoardRow]:
    """Return the day's sessions (not cancelled), ordered by chair."""
    rows = db.session.execute(
        select(*_COLUMNS, Patient.first_name, Patient.last_name, Patient.mrn, Patient.allergies, Drug.brand,
               _STANDING_ALERT)
        .join(Patient, Patient.id == InfusionSession.patient_id)
        .join(Drug, Drug.code == InfusionSession.drug_code)
        .where(InfusionSession.session_date == day, InfusionSession.status != Status.CANCELLED)
    ).all()
    events = _events_of_running(rows)
    return sorted((_row(r, events.get(r.id, ()), now) for r in rows), key=_chair_order)
