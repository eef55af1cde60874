"""Input schemas: the one place that says what a valid value is.

The API validates request bodies with these, the services validate again with
them before storing, and the OpenAPI document is generated from them.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator,
    model_validator,
)

from .domain.catalog_rules import MAX_DOSE_PER
from .input_guard import FIRST_DAY, INVISIBLE_WORDS, LAST_DAY, text_problem, visible

CLOCK_SKEW = timedelta(minutes=1)


def _one_line(value: str) -> str:
    if why := text_problem(value):
        raise ValueError(why)
    return value


def _lines(value: str) -> str:
    if why := text_problem(value, multi_line=True):
        raise ValueError(why)
    return value


def _seen(value: str) -> str:
    if value and not visible(value):
        raise ValueError(INVISIBLE_WORDS)
    return value


def line(max_length: int, *, required: bool = False, pattern: str | None = None):
    """One line of text that fits a column of `max_length` characters: no control characters, and (when
    given) at least one visible character."""
    checks = (AfterValidator(_one_line), AfterValidator(_seen))
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1 if required else None,
                                            max_length=max_length, pattern=pattern), *checks]


def lines(max_length: int = 2000, *, required: bool = False):
    """Free text that may keep its new lines and tabs (notes, reasons, allergies)."""
    checks = (AfterValidator(_lines), AfterValidator(_seen))
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1 if required else None,
                                            max_length=max_length), *checks]


Text = lines(2000)
ShortText = line(200)
Required = line(200, required=True)
Reason = lines(2000, required=True)
NAME_LENGTH = 100  # the patients' name columns
Name = line(NAME_LENGTH, required=True)


def _aware_past(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("give the time with its UTC offset, e.g. 2026-11-24T10:42:00-05:00")
    if value > datetime.now(timezone.utc) + CLOCK_SKEW:
        raise ValueError("this time is in the future")
    return value.astimezone(timezone.utc)


def _finite(value: Decimal | None) -> Decimal | None:
    if value is not None and not value.is_finite():
        raise ValueError("must be a number")
    return value


def _plausible_day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError("give a date between 1900 and 2999")
    return value


_ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_time(value):
    """A time is an ISO 8601 string (or a datetime from a form), never a number of seconds since 1970."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_TIME.match(value.strip())):
        return value
    raise ValueError("give the time as ISO 8601 with its UTC offset, e.g. 2026-11-24T10:42:00-05:00")


def _iso_day(value):
    if (isinstance(value, date) and not isinstance(value, datetime)) or \
            (isinstance(value, str) and _ISO_DAY.fullmatch(value.strip())):
        return value
    raise ValueError("give a date as YYYY-MM-DD")


PastTime = Annotated[datetime, BeforeValidator(_iso_time), AfterValidator(_aware_past)]
IsoDate = Annotated[date, BeforeValidator(_iso_day)]
Day = Annotated[date, BeforeValidator(_iso_day), AfterValidator(_plausible_day)]


def finite_decimal(**bounds):
    """A finite decimal within bounds; the bounds come first so the OpenAPI document shows them."""
    return Annotated[Decimal, Field(**bounds), AfterValidator(_finite)]


Weight = finite_decimal(ge=20, le=350, decimal_places=1)
Height = finite_decimal(ge=50, le=250, decimal_places=1)
Dose = finite_decimal(gt=0, le=100000, max_digits=10, decimal_places=3)
TEMPERATURE_C_RANGE = (Decimal("30.0"), Decimal("44.0"))
TemperatureC = finite_decimal(ge=TEMPERATURE_C_RANGE[0], le=TEMPERATURE_C_RANGE[1], decimal_places=1)
RateMlH = finite_decimal(gt=0, le=2000, decimal_places=1)


def _no_control_characters(value):
    """Any text anywhere in a body (a dict's values too): never a character the databases cannot store."""
    if isinstance(value, str):
        _lines(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_control_characters(key)
            _no_control_characters(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _no_control_characters(item)
    return value


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value):
        return _no_control_characters(value)


class PatientIn(Schema):
    mrn: line(32, required=True, pattern=r"^[A-Za-z0-9._/-]+$")
    first_name: Name
    last_name: Name
    date_of_birth: IsoDate
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    allergies: Text | None = None
    weight_kg: Weight | None = None
    height_cm: Height | None = None
    phone: line(40) | None = None
    preferred_language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")] = "en"
    pregnant: bool = False
    spo2_scale: Literal[1, 2] = 1  # NEWS2 SpO₂ scale 2: a prescribed 88–92 % target (DOMAIN.md §5)

    @field_validator("date_of_birth")
    @classmethod
    def _born_in_the_past(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("the date of birth cannot be in the future")
        if value.year < 1900:
            raise ValueError("check the year of birth")
        return value


class PatientUpdate(PatientIn):
    active: bool = True


def finite_float(value: float) -> bool:
    """Tell whether a float is a real number (not NaN or infinite)."""
    return math.isfinite(value)


Phase = Literal["baseline", "during", "end", "observation", "discharge"]
Consciousness = Literal["alert", "confusion", "voice", "pain", "unresponsive"]
Action = Literal["none", "rate_slowed", "paused", "stopped", "medication_given", "emergency_response"]
Code = line(64, required=True)
DoseUnit = line(16, required=True)


MAX_ID = 2**31 - 1


class OverrideIn(Schema):
    """A prescriber's decision to go on despite a do-not-re-treat alert or a short interval (SPEC §4.1)."""

    prescriber: Required
    reason: Reason



class CheckInIn(Schema):
    patient_id: int = Field(ge=1, le=MAX_ID)
    drug: Code
    product: Code | None = None
    dose: Dose | None = None
    dose_unit: DoseUnit | None = None
    dose_reason: Reason | None = None
    # The order per kg or per m², for drugs dosed by weight or body surface.
    dose_per: finite_decimal(gt=0, le=MAX_DOSE_PER, max_digits=10, decimal_places=3) | None = None
    weight_kg: Weight | None = None
    height_cm: Height | None = None
    rate_plan: Code | None = None
    prescriber: ShortText | None = None
    lot_number: line(64) | None = None
    lot_expiry: Day | None = None
    chair: line(32) | None = None
    notes: Text | None = None
    override: OverrideIn | None = None


class HistoryIn(Schema):
    """Infusions of a drug given elsewhere, for a patient who transfers in."""

    drug: Code
    infusions: int = Field(ge=1, le=200)
    last_infusion_on: Day
    had_reaction: bool
    source: Required

    @field_validator("last_infusion_on")
    @classmethod
    def _in_the_past(cls, value: date) -> date:
        if value > date.today() + timedelta(days=1):
            raise ValueError("the last infusion cannot be in the future")
        return value


class LiftIn(Schema):
    reason: Reason


class ChecksIn(Schema):
    codes: list[Code] = Field(min_length=1, max_length=20)


class PremedicationIn(Schema):
    code: Code
    given_at: PastTime | None = None
    dose: line(100) | None = None  # the column's length
    not_given_reason: Reason | None = None

    @model_validator(mode="after")
    def _given_or_reason(self):
        if (self.given_at is None) == (self.not_given_reason is None):
            raise ValueError("give either given_at (when it was given) or not_given_reason, not both")
        return self


class VitalsIn(Schema):
    taken_at: PastTime
    phase: Phase
    systolic: int | None = Field(default=None, ge=40, le=300)
    diastolic: int | None = Field(default=None, ge=20, le=200)
    heart_rate: int | None = Field(default=None, ge=20, le=250)
    resp_rate: int | None = Field(default=None, ge=4, le=60)
    temperature_c: TemperatureC | None = None
    spo2: int | None = Field(default=None, ge=50, le=100)
    on_oxygen: bool | None = None
    consciousness: Consciousness | None = None
    pain: int | None = Field(default=None, ge=0, le=10)

    @model_validator(mode="after")
    def _coherent(self):
        values = [self.systolic, self.diastolic, self.heart_rate, self.resp_rate, self.temperature_c, self.spo2,
                  self.on_oxygen, self.consciousness, self.pain]
        if all(v is None for v in values):
            raise ValueError("enter at least one vital sign")
        return self

    @field_validator("diastolic")
    @classmethod
    def _below_systolic(cls, value: int | None, info: ValidationInfo) -> int | None:
        systolic = info.data.get("systolic")
        if value is not None and systolic is not None and value >= systolic:
            raise ValueError("must be below the systolic")
        return value


class StartIn(Schema):
    at: PastTime | None = None
    rate_ml_h: RateMlH | None = None  # the starting rate; the plan's first when left out


class PauseIn(Schema):
    at: PastTime | None = None
    reason: Reason
    due_to_reaction: bool = False


class ResumeIn(Schema):
    at: PastTime | None = None
    reason: Text | None = None


class RateIn(Schema):
    at: PastTime | None = None
    rate_ml_h: RateMlH


class ReactionIn(Schema):
    code: Code
    onset_at: PastTime
    grade: int = Field(ge=1, le=5)
    action: Action
    medication: Text | None = None
    notes: Text | None = None
    resolved_at: PastTime | None = None


class EndIn(Schema):
    at: PastTime | None = None
    full_dose: bool


Disposition = Literal["home", "emergency_department", "admitted", "other"]


class DischargeIn(Schema):
    at: PastTime | None = None
    early_reason: Text | None = None
    disposition: Disposition = "home"  # where the patient went
    # said in words; needed for "other" (checked when absent too, so the error names this field)
    disposition_text: ShortText | None = Field(default=None, validate_default=True)

    @field_validator("disposition_text")
    @classmethod
    def _other_says_where(cls, text: str | None, info: ValidationInfo):
        if info.data.get("disposition") == "other" and not text:
            raise ValueError("say where the patient went")
        return text


class ResolveIn(Schema):
    at: PastTime  # when the reaction ended


class FinalizeIn(Schema):
    password: Annotated[str, StringConstraints(min_length=1, max_length=512)]


class VoidIn(Schema):
    reason: Reason


class UndoEndIn(Schema):
    """Nothing to say: who undoes it and when are the request's own."""


class CancelIn(Schema):
    reason: Reason


AMENDABLE_FIELDS = ("lot_number", "lot_expiry", "chair", "notes", "next_appointment", "dose", "dose_unit")


class AmendmentIn(Schema):
    reason: Reason
    changes: dict[str, Annotated[str, AfterValidator(_lines)] | None] = Field(min_length=1,
                                                                               max_length=len(AMENDABLE_FIELDS))

    @field_validator("changes")
    @classmethod
    def _known_fields(cls, value: dict) -> dict:
        unknown = sorted(set(value) - set(AMENDABLE_FIELDS))
        if unknown:
            raise ValueError(f"these cannot be amended: {', '.join(unknown)}; "
                             f"allowed: {', '.join(AMENDABLE_FIELDS)}")
        return value


class AmendedValues(Schema):
    """A correction's new values, checked as at check-in: the same types, bounds and column lengths."""

    lot_number: line(64) | None = None
    lot_expiry: Day | None = None
    chair: line(32) | None = None
    notes: Text | None = None
    next_appointment: Day | None = None
    dose: Dose | None = None
    dose_unit: DoseUnit | None = None


class ReviewIn(Schema):
    outcome: Literal["acknowledged", "escalated", "reported_externally"]
    note: Text = ""


class NextAppointmentIn(Schema):
    next_appointment: Day | None = None
