"""Plain, immutable views of a session's data.

The services build these from database rows; the pure rules (flags, NEWS2,
fingerprints), the PDF builders and the FHIR export read only these, so none
of them needs Flask or SQLAlchemy. All datetimes are timezone-aware UTC.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class VitalsRecord:
    id: int
    taken_at: datetime
    phase: str  # baseline | during | end | observation | discharge
    systolic: int | None = None
    diastolic: int | None = None
    heart_rate: int | None = None
    resp_rate: int | None = None
    temperature_c: Decimal | None = None
    spo2: int | None = None
    on_oxygen: bool | None = None
    consciousness: str | None = None  # alert | confusion | voice | pain | unresponsive
    pain: int | None = None
    charted_at: datetime | None = None
    recorded_by: str = ""
    voided: bool = False
    void_reason: str | None = None


@dataclass(frozen=True)
class ReactionRecord:
    id: int
    code: str
    label: str
    group: str  # infusion_reaction | side_effect | serious
    systems: frozenset[str]  # subset of skin_mucosal, respiratory, circulatory, gastrointestinal, laryngeal
    onset_at: datetime
    grade: int
    action: str  # none | rate_slowed | paused | stopped | medication_given | emergency_response
    medication: str | None = None
    resolved_at: datetime | None = None
    notes: str | None = None
    charted_at: datetime | None = None
    recorded_by: str = ""
    voided: bool = False
    void_reason: str | None = None


@dataclass(frozen=True)
class EventRecord:
    """A rate change, pause or resume."""

    id: int
    kind: str  # rate_change | pause | resume
    at: datetime
    rate_ml_h: Decimal | None = None
    reason: str | None = None
    due_to_reaction: bool = False
    charted_at: datetime | None = None
    recorded_by: str = ""
    voided: bool = False
    void_reason: str | None = None


@dataclass(frozen=True)
class PremedicationRecord:
    id: int
    code: str
    text: str
    required: bool
    given_at: datetime | None = None
    dose: str | None = None
    not_given_reason: str | None = None
    charted_at: datetime | None = None
    recorded_by: str = ""
    voided: bool = False
    void_reason: str | None = None


@dataclass(frozen=True)
class PatientRecord:
    id: int
    mrn: str
    first_name: str
    last_name: str
    date_of_birth: date
    sex: str = "unknown"
    allergies: str | None = None
    weight_kg: Decimal | None = None
    phone: str | None = None
    pregnant: bool = False
    spo2_scale: int = 1  # 2 for a prescribed 88–92 % target (NEWS2 SpO₂ scale 2, DOMAIN.md §5)

    def age_on(self, day: date) -> int:
        """Return the patient's age in whole years on `day`."""
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class Override:
    """A check-in refusal a prescriber overrode: a do-not-re-treat alert or a short interval (SPEC §4.1)."""

    kind: str  # retreat | interval
    why: str  # what the refusal said
    prescriber: str
    reason: str


@dataclass(frozen=True)
class SessionRecord:
    """Everything the rules, the summary and the export need about one session."""

    id: int
    patient: PatientRecord
    drug_code: str
    drug_brand: str
    drug_generic: str
    dose: Decimal
    dose_unit: str
    infusion_number: int
    status: str
    chair: str | None = None
    lot_number: str | None = None
    lot_expiry: date | None = None
    nurse_name: str = ""
    nurse_id: int | None = None
    rxnorm: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    full_dose: bool | None = None
    observation_minutes: int = 0
    observation_ends_at: datetime | None = None
    discharged_at: datetime | None = None
    early_reason: str | None = None
    disposition: str | None = None  # home | emergency_department | admitted | other
    disposition_text: str | None = None
    finalized_at: datetime | None = None
    next_appointment: date | None = None
    first_infusion_on: date | None = None  # date of infusion 1 of this drug for this patient
    notes: str | None = None
    protocol_dose: Decimal | None = None  # what the protocol said for this infusion
    dose_reason: str | None = None  # why the dose given differs from it
    overrides: tuple[Override, ...] = ()  # check-in refusals a prescriber overrode
    vitals: tuple[VitalsRecord, ...] = field(default_factory=tuple)
    reactions: tuple[ReactionRecord, ...] = field(default_factory=tuple)
    events: tuple[EventRecord, ...] = field(default_factory=tuple)
    premedications: tuple[PremedicationRecord, ...] = field(default_factory=tuple)
