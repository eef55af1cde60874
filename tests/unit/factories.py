"""Build plain session records for the pure-rule tests."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from clinic.domain.catalog import reaction_by_code
from clinic.domain.records import (
    EventRecord, PatientRecord, PremedicationRecord, ReactionRecord, SessionRecord, VitalsRecord,
)

START = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)
_ids = iter(range(1, 10**9))


def at(minutes: int) -> datetime:
    """A time `minutes` after the start (negative: before it)."""
    return START + timedelta(minutes=minutes)


def vitals(minutes: int = 10, phase: str = "during", **values) -> VitalsRecord:
    if "temperature_c" in values and values["temperature_c"] is not None:
        values["temperature_c"] = Decimal(str(values["temperature_c"]))
    return VitalsRecord(id=next(_ids), taken_at=at(minutes), phase=phase, **values)


def baseline(systolic: int = 150, minutes: int = -20, **values) -> VitalsRecord:
    return vitals(minutes, "baseline", systolic=systolic, **values)


def reaction(code: str, minutes: int = 10, grade: int = 1, action: str = "none", voided=False) -> ReactionRecord:
    r = reaction_by_code(code)
    return ReactionRecord(id=next(_ids), code=code, label=r.label, group=r.group, systems=r.systems,
                          onset_at=at(minutes), grade=grade, action=action, voided=voided)


def pause(minutes: int = 15, due_to_reaction: bool = True) -> EventRecord:
    return EventRecord(id=next(_ids), kind="pause", at=at(minutes), reason="itching", due_to_reaction=due_to_reaction)


def premed(required: bool = True, given: bool = False, minutes: int = -30, voided: bool = False) -> PremedicationRecord:
    return PremedicationRecord(id=next(_ids), code="methylprednisolone_100", text="Methylprednisolone 100 mg",
                               required=required, given_at=at(minutes) if given else None,
                               not_given_reason=None if given else "patient refused", charted_at=at(minutes),
                               voided=voided)


def patient(born: date = date(1980, 1, 1), pregnant: bool = False, spo2_scale: int = 1) -> PatientRecord:
    return PatientRecord(id=1, mrn="M1", first_name="A", last_name="B", date_of_birth=born, pregnant=pregnant,
                         spo2_scale=spo2_scale)


def session(*, vitals=(), reactions=(), events=(), premedications=(), started=True, ended_minutes=None,
            observation_minutes=60, discharged_minutes=None, born=date(1980, 1, 1), pregnant=False,
            spo2_scale=1, status="infusing") -> SessionRecord:
    ended_at = at(ended_minutes) if ended_minutes is not None else None
    return SessionRecord(
        id=1, patient=patient(born, pregnant, spo2_scale), drug_code="natalizumab", drug_brand="Tysabri",
        drug_generic="natalizumab", dose=Decimal("300"), dose_unit="mg", infusion_number=1, status=status,
        started_at=START if started else None, ended_at=ended_at, observation_minutes=observation_minutes,
        observation_ends_at=ended_at + timedelta(minutes=observation_minutes) if ended_at else None,
        discharged_at=at(discharged_minutes) if discharged_minutes is not None else None,
        vitals=tuple(vitals), reactions=tuple(reactions), events=tuple(events), premedications=tuple(premedications),
    )
