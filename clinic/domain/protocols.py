"""Treatment protocols the way the labels write them, by infusion number (DOMAIN.md §1).

A drug's protocol is data (clinic/domain/drug_data.py, editable on the catalog screen); the functions
here answer, for a drug, an infusion number and the patient's history, what the protocol says: the dose,
the rate plans, the observation, the premedications and checks required, the earliest check-in, whether a
do-not-re-treat alert applies and when the next dose is due. Pure: no Flask, no database.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import TypeAdapter

Basis = Literal["fixed", "per_kg", "per_m2"]
Route = Literal["intravenous", "subcutaneous"]
Category = Literal["disease_modifying", "supportive"]
WarningAction = Literal["call_911", "call_now", "call", "know"]
# Who a warning sign is printed for, by the patient's recorded sex: "female" is anyone who could become
# pregnant as far as the record tells (female, other or not recorded); "male" is male patients only.
WarningAudience = Literal["everyone", "female", "male"]
NextDueKind = Literal["anti_cd20", "weeks", "course", "none"]
# Reaction groups that are an infusion reaction or hypersensitivity (DOMAIN.md §2); side effects are not.
INFUSION_REACTION_GROUPS = frozenset({"infusion_reaction", "serious"})


@dataclass(frozen=True)
class Infusions:
    """Infusion numbers `first` to `last` inclusive; `last` None: and every one after."""

    first: int = 1
    last: int | None = None

    def covers(self, number: int) -> bool:
        return self.first <= number and (self.last is None or number <= self.last)

    def text(self) -> str:
        if self.last is None:
            return f"{self.first} and later" if self.first > 1 else "every"
        return str(self.first) if self.first == self.last else f"{self.first}–{self.last}"


@dataclass(frozen=True)
class Dose:
    """The dose: fixed, or the usual order per kg of weight or per m² of body surface (the order decides)."""

    amount: Decimal
    unit: str
    basis: Basis = "fixed"
    volume_ml: Decimal | None = None
    text: str = ""  # the label's words when they say more than amount and unit (e.g. hyaluronidase units)


@dataclass(frozen=True)
class RateStep:
    rate: Decimal  # mL/h (mL/kg/h in a plan per kg)
    minutes: int | None = None  # None: this rate runs to the end


@dataclass(frozen=True)
class RatePlan:
    code: str
    label: str
    steps: tuple[RateStep, ...]
    per_kg: bool = False
    # Offered only when the patient had no serious infusion reaction with an earlier infusion (Ocrevus' shorter).
    needs_no_serious_reaction: bool = False
    note: str = ""  # e.g. the mg/h equivalents the label gives


@dataclass(frozen=True)
class Observation:
    """Minutes of observation after the end of the infusion."""

    minutes: int
    # Briumvi from infusion 3: this long instead when the patient ever had an infusion reaction to the drug.
    after_reaction_minutes: int | None = None
    # IVIG: this long instead at the first infusion, after a product change, or after a gap of over gap_days.
    first_change_or_gap_minutes: int | None = None
    gap_days: int | None = None


@dataclass(frozen=True)
class Interval:
    """The least time between the previous dose and this check-in."""

    days: int = 0
    hours: int = 0


@dataclass(frozen=True)
class ProtocolRow:
    infusions: Infusions
    dose: Dose
    plans: tuple[RatePlan, ...]  # the first is the default; none for an injection
    observation: Observation
    interval: Interval | None  # None: no previous dose to wait for
    source: str
    checked_on: str
    note: str = ""  # what the label does not set (a center protocol's number), said in words


@dataclass(frozen=True)
class Courses:
    """Alemtuzumab: infusions come in courses of consecutive days."""

    lengths: tuple[int, ...]  # the first courses, in days
    later: int  # every later course
    start_interval: Interval  # from the last infusion of one course to the first of the next
    source: str
    checked_on: str

    def position(self, number: int) -> tuple[int, int]:
        """Return (course, day of the course) of an infusion number, both from 1."""
        course, first = 1, 1
        while True:
            length = self.lengths[course - 1] if course <= len(self.lengths) else self.later
            if number < first + length:
                return course, number - first + 1
            course, first = course + 1, first + length

    def length(self, course: int) -> int:
        return self.lengths[course - 1] if course <= len(self.lengths) else self.later


@dataclass(frozen=True)
class Premedication:
    code: str
    text: str
    required: bool
    infusions: Infusions = field(default_factory=Infusions)
    course_days: tuple[int, int] | None = None  # required on these days of every course (first, last)
    source: str = ""
    checked_on: str = ""

    def applies(self, number: int, courses: Courses | None) -> bool:
        """Tell whether it is asked for (required or offered) before infusion `number`."""
        if not self.infusions.covers(number):
            return False
        if self.course_days is not None and courses is not None:
            _, day = courses.position(number)
            return self.course_days[0] <= day <= self.course_days[1]
        return True


@dataclass(frozen=True)
class Check:
    code: str
    prompt: str
    stop_text: str  # what to do when it cannot be confirmed
    infusions: Infusions = field(default_factory=Infusions)
    source: str = ""
    checked_on: str = ""


@dataclass(frozen=True)
class RetreatRule:
    """The reactions after which the label says not to give the drug again (DOMAIN.md §1.3)."""

    reaction_codes: tuple[str, ...] = ()  # any of these, at any grade
    min_grade: int | None = None  # any reaction of this grade or higher
    anaphylaxis: bool = True  # the anaphylaxis criteria met
    drugs: tuple[str, ...] = ()  # the drugs the alert stops; the drug itself when empty
    source: str = ""
    checked_on: str = ""


@dataclass(frozen=True)
class NextDue:
    kind: NextDueKind = "none"
    weeks: int = 0
    source: str = ""
    checked_on: str = ""


@dataclass(frozen=True)
class WarningSign:
    """A warning sign the patient is told about, in plain words, and what to do (DOMAIN.md §1.5)."""

    text: str
    action: WarningAction
    source: str = ""
    checked_on: str = ""
    applies_to: WarningAudience = "everyone"

    def applies_to_sex(self, sex: str | None) -> bool:
        return warning_applies(self.applies_to, sex)


def warning_applies(applies_to: str, sex: str | None) -> bool:
    """Whether a warning sign for `applies_to` (WarningAudience) is printed for a patient of this recorded sex."""
    if applies_to == "everyone":
        return True
    return (sex == "male") == (applies_to == "male")


@dataclass(frozen=True)
class Product:
    code: str
    brand: str
    generic: str


# --- the patient's history of the drug -------------------------------------------------------------------------

@dataclass(frozen=True)
class PriorInfusion:
    """An earlier infusion of the drug given here."""

    number: int
    given_on: date
    given_at: datetime | None = None  # when it started
    product: str | None = None
    infusion_reaction: bool = False  # any infusion reaction or hypersensitivity
    serious_infusion_reaction: bool = False


@dataclass(frozen=True)
class TreatmentHistory:
    """What the patient had of a drug before this infusion: here, and elsewhere as entered at transfer."""

    here: tuple[PriorInfusion, ...] = ()
    elsewhere: int = 0  # infusions given elsewhere
    last_elsewhere_on: date | None = None
    reaction_elsewhere: bool = False

    @property
    def count(self) -> int:
        return self.elsewhere + len(self.here)

    @property
    def next_number(self) -> int:
        return self.count + 1

    def last(self) -> PriorInfusion | None:
        """The most recent dose: here, or elsewhere when that came later (its date only)."""
        here = max(self.here, key=lambda p: (p.given_on, p.number), default=None)
        if self.last_elsewhere_on is not None and (here is None or self.last_elsewhere_on > here.given_on):
            return PriorInfusion(number=self.elsewhere, given_on=self.last_elsewhere_on)
        return here

    def first_on(self) -> date | None:
        """The day of infusion 1, when it is known."""
        first = next((p for p in self.here if p.number == 1), None)
        if first is not None:
            return first.given_on
        return self.last_elsewhere_on if self.elsewhere == 1 else None

    def ever_reacted(self) -> bool:
        return self.reaction_elsewhere or any(p.infusion_reaction for p in self.here)

    def ever_reacted_seriously(self) -> bool:
        # A reaction elsewhere is recorded without its severity: it may have been serious.
        return self.reaction_elsewhere or any(p.serious_infusion_reaction for p in self.here)


# --- the drug --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Drug:
    code: str
    generic: str
    category: Category
    route: Route
    products: tuple[Product, ...]
    protocol: tuple[ProtocolRow, ...]
    next_due: NextDue
    premedications: tuple[Premedication, ...] = ()
    checks: tuple[Check, ...] = ()
    courses: Courses | None = None
    retreat: RetreatRule | None = None
    warnings: tuple[WarningSign, ...] = ()
    delayed_reaction_hours: int = 24
    rxnorm: str | None = None
    active: bool = True

    @property
    def brand(self) -> str:
        """The drug's name where no product is named: its brand, or the generic name when several products share
        the protocol (a Truxima session is not a "Rituxan" one; a session names its own product)."""
        return self.products[0].brand if len(self.products) == 1 else self.generic

    def product(self, code: str | None) -> Product:
        """Return the product with this code, or the drug's first product."""
        return next((p for p in self.products if p.code == code), self.products[0])

    def row(self, number: int) -> ProtocolRow:
        """Return the protocol row for infusion `number` (the last row that covers it)."""
        rows = [row for row in self.protocol if row.infusions.covers(number)]
        if not rows:
            raise ValueError(f"{self.code}: no protocol row for infusion {number}")
        return rows[-1]

    @property
    def default_dose(self) -> Decimal:
        return self.row(1).dose.amount

    @property
    def dose_unit(self) -> str:
        return self.row(1).dose.unit

    def premedications_for(self, number: int) -> tuple[Premedication, ...]:
        return tuple(p for p in self.premedications if p.applies(number, self.courses))

    def required_premedications(self, number: int) -> tuple[str, ...]:
        """Return the codes of the premedications required before infusion `number`."""
        return tuple(p.code for p in self.premedications_for(number) if p.required)

    def checks_for(self, number: int) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.infusions.covers(number))

    def required_checks(self, number: int) -> tuple[str, ...]:
        return tuple(c.code for c in self.checks_for(number))

    def retreat_drugs(self) -> tuple[str, ...]:
        if self.retreat is None:
            return ()
        return self.retreat.drugs or (self.code,)

    def to_dict(self) -> dict:
        """The drug as JSON-ready data (a catalog version's definition)."""
        return _DRUG.dump_python(self, mode="json")

    @classmethod
    def from_dict(cls, data: dict) -> Drug:
        """Read a catalog version's definition back, checking every field's type."""
        return _DRUG.validate_python(data)


_DRUG = TypeAdapter(Drug)


# --- what the protocol says for this patient -----------------------------------------------------------------

_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")


def body_surface_area(height_cm: Decimal, weight_kg: Decimal) -> Decimal:
    """Mosteller: √(height cm × weight kg ÷ 3600), rounded to 0.01 m² (DOMAIN.md §1.1)."""
    return (Decimal(height_cm) * Decimal(weight_kg) / 3600).sqrt().quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DoseAnswer:
    amount: Decimal
    unit: str
    basis: Basis
    per: Decimal | None = None  # the order per kg or per m²
    surface_m2: Decimal | None = None


class MissingMeasurement(ValueError):
    """A weight- or surface-based dose cannot be computed without the patient's weight (or height)."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field_name = field_name


def dose_for(drug: Drug, number: int, *, per: Decimal | None = None, weight_kg: Decimal | None = None,
             height_cm: Decimal | None = None) -> DoseAnswer:
    """The protocol's dose for infusion `number`; per kg or m², from the order (`per`) and the patient."""
    dose = drug.row(number).dose
    if dose.basis == "fixed":
        return DoseAnswer(dose.amount, dose.unit, "fixed")
    per = dose.amount if per is None else Decimal(per)
    if weight_kg is None:
        raise MissingMeasurement("weight_kg", "this dose is worked out from the patient's weight: enter it")
    if dose.basis == "per_kg":
        return DoseAnswer((per * Decimal(weight_kg)).quantize(_TENTH, rounding=ROUND_HALF_UP), dose.unit, "per_kg", per)
    if height_cm is None:
        raise MissingMeasurement("height_cm", "this dose is worked out from the body surface: enter the height")
    surface = body_surface_area(Decimal(height_cm), Decimal(weight_kg))
    return DoseAnswer((per * surface).quantize(_TENTH, rounding=ROUND_HALF_UP), dose.unit, "per_m2", per, surface)


def differs_by_more_than_a_tenth(given: Decimal, protocol: Decimal) -> bool:
    """Tell whether a dose is more than 10 % off the protocol's (exactly: 10 × |given − protocol| > protocol)."""
    return 10 * abs(Decimal(given) - Decimal(protocol)) > Decimal(protocol)


def plans_for(drug: Drug, number: int, history: TreatmentHistory) -> tuple[RatePlan, ...]:
    """The rate plans the nurse may choose from, the default first (none for an injection)."""
    return tuple(plan for plan in drug.row(number).plans
                 if not (plan.needs_no_serious_reaction and history.ever_reacted_seriously()))


def steps_in_ml_per_hour(plan: RatePlan, weight_kg: Decimal | None) -> tuple[RateStep, ...]:
    """A plan's steps in mL/h: a plan per kg times the patient's weight, to 0.1 mL/h."""
    if not plan.per_kg:
        return plan.steps
    if weight_kg is None:
        raise MissingMeasurement("weight_kg", "this rate plan is worked out from the patient's weight: enter it")
    return tuple(RateStep((step.rate * Decimal(weight_kg)).quantize(_TENTH, rounding=ROUND_HALF_UP), step.minutes)
                 for step in plan.steps)


def observation_minutes(drug: Drug, number: int, history: TreatmentHistory, today: date, *,
                        reacted_now: bool = False, product: str | None = None) -> int:
    """Minutes of observation after this infusion, from the rule and the patient's history.

    `reacted_now`: an infusion reaction or hypersensitivity was recorded at this infusion (Briumvi's rule
    counts this infusion too); `product`: the product given now (IVIG's rule counts a change of product).
    """
    rule = drug.row(number).observation
    if rule.after_reaction_minutes is not None and (reacted_now or history.ever_reacted()):
        return rule.after_reaction_minutes
    if rule.first_change_or_gap_minutes is not None:
        last = history.last()
        changed = last is None or last.product is None or (product is not None and last.product != product)
        gap = last is not None and rule.gap_days is not None and (today - last.given_on).days > rule.gap_days
        if number == 1 or changed or gap:
            return rule.first_change_or_gap_minutes
    return rule.minutes


@dataclass(frozen=True)
class Earliest:
    """The earliest check-in after the previous dose: a day, or a moment for intervals in hours."""

    previous_on: date
    on: date | None = None
    at: datetime | None = None

    def allows(self, today: date, now: datetime) -> bool:
        if self.at is not None:
            return now >= self.at
        return self.on is None or today >= self.on


def interval_for(drug: Drug, number: int) -> Interval | None:
    """The least time since the previous dose before infusion `number`: a new course's, or the row's."""
    if drug.courses is not None and number > 1 and drug.courses.position(number)[1] == 1:
        return drug.courses.start_interval
    return drug.row(number).interval


def earliest_check_in(drug: Drug, number: int, history: TreatmentHistory) -> Earliest | None:
    """When infusion `number` may be checked in at the earliest, or None when nothing limits it."""
    interval = interval_for(drug, number)
    last = history.last()
    if interval is None or last is None:
        return None
    if interval.hours:
        if last.given_at is not None:
            return Earliest(last.given_on, at=last.given_at + timedelta(days=interval.days, hours=interval.hours))
        # Given elsewhere, its time is not known: the next day at the earliest.
        whole_days = interval.days + -(-interval.hours // 24)
        return Earliest(last.given_on, on=last.given_on + timedelta(days=whole_days))
    return Earliest(last.given_on, on=last.given_on + timedelta(days=interval.days))


@dataclass(frozen=True)
class ReactionSeen:
    """A reaction of the visit, as the do-not-re-treat rule reads it."""

    id: int
    code: str
    grade: int
    label: str = ""  # the catalog's words for it, as the alert's reason says it

    @property
    def words(self) -> str:
        return self.label.lower() if self.label else self.code.replace("_", " ")


@dataclass(frozen=True)
class RetreatVerdict:
    reasons: tuple[str, ...] = ()  # why the label says not to give the drug again; empty: it does not
    entry_id: int | None = None  # the first reaction that qualifies, if a reaction does


def retreat_verdict(drug: Drug, reactions: tuple[ReactionSeen, ...], anaphylaxis_met: bool) -> RetreatVerdict:
    """Whether this visit's reactions put a do-not-re-treat alert on the patient (DOMAIN.md §1.3)."""
    rule = drug.retreat
    if rule is None:
        return RetreatVerdict()
    reasons, entry_id = [], None
    if rule.anaphylaxis and anaphylaxis_met:
        reasons.append("the anaphylaxis criteria were met")
    for reaction in reactions:
        words = reaction.words
        if reaction.code in rule.reaction_codes:
            reasons.append(f"{words} (a hypersensitivity reaction)")
        elif rule.min_grade is not None and reaction.grade >= rule.min_grade:
            reasons.append(f"a grade {reaction.grade} reaction ({words})")
        else:
            continue
        entry_id = entry_id or reaction.id
    return RetreatVerdict(tuple(dict.fromkeys(reasons)), entry_id)


def _plus_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last_day in (day.day, 30, 29, 28):  # the 31st of a shorter month: its last day
        try:
            return day.replace(year=year, month=month, day=last_day)
        except ValueError:
            continue
    raise ValueError(day)


def next_due(drug: Drug, number: int, given_on: date, history: TreatmentHistory, *, booked: date | None = None,
             do_not_retreat: bool = False) -> date | None:
    """When the next dose is about due after infusion `number`, given on `given_on` (DOMAIN.md §1.4).

    None under a do-not-re-treat alert; an appointment the nurse booked takes precedence over the rule.
    """
    if do_not_retreat:
        return None
    if booked is not None:
        return booked
    rule = drug.next_due
    if rule.kind == "weeks":
        return given_on + timedelta(weeks=rule.weeks)
    if rule.kind == "anti_cd20":
        if number == 1:
            return given_on + timedelta(days=14)
        if number == 2:
            first_on = history.first_on()
            return first_on + timedelta(weeks=24) if first_on else None
        return given_on + timedelta(weeks=24)
    if rule.kind == "course" and drug.courses is not None:
        course, day = drug.courses.position(number)
        if day < drug.courses.length(course):
            return given_on + timedelta(days=1)
        if course == 1:  # course 2 comes 12 months after course 1's first day; later courses only by order
            first_day = number - day + 1
            started = next((p.given_on for p in history.here if p.number == first_day), None)
            if started is None:
                started = given_on - timedelta(days=day - 1)
            return _plus_months(started, 12)
    return None


# --- the rate plan at the chair --------------------------------------------------------------------------------

@dataclass(frozen=True)
class RateChange:
    at: datetime
    rate: Decimal


@dataclass(frozen=True)
class Pause:
    start: datetime
    end: datetime | None  # None: still paused


@dataclass(frozen=True)
class NextStep:
    rate: Decimal
    at: datetime


def current_rate(changes: tuple[RateChange, ...]) -> RateChange | None:
    """The rate running now: the last one set."""
    return max(changes, key=lambda change: change.at, default=None)


def next_rate_step(steps: tuple[RateStep, ...], changes: tuple[RateChange, ...], pauses: tuple[Pause, ...],
                   now: datetime) -> NextStep | None:
    """The plan's next step after the rate running now, and when it is due (DOMAIN.md §1.1).

    The time runs from when the current rate began, as long as the plan's step at that rate lasts; a pause
    stops the clock. A rate the plan does not list (halved after a reaction) leads to the plan's next
    higher rate after the minutes of the step below it. None at the plan's last step or above.
    """
    current = current_rate(changes)
    if current is None or not steps:
        return None
    higher = [i for i, step in enumerate(steps) if step.rate > current.rate]
    if not higher:
        return None
    below = steps[higher[0] - 1] if higher[0] > 0 else steps[0]
    if below.minutes is None:
        return None
    due = current.at + timedelta(minutes=below.minutes)
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.start >= due:
            break
        if pause.start < current.at and (pause.end is None or pause.end <= current.at):
            continue
        if pause.end is None:  # paused now: the clock waits
            due += max(now - max(pause.start, current.at), timedelta(0))
            break
        due += pause.end - max(pause.start, current.at)
    return NextStep(steps[higher[0]].rate, due)


# --- check-in --------------------------------------------------------------------------------------------------

WEIGHT_GOOD_FOR_DAYS = 30


@dataclass(frozen=True)
class Measurements:
    """What a weight- or surface-based dose is worked out from, as known at check-in."""

    weight_kg: Decimal | None = None
    weight_taken_on: date | None = None
    height_cm: Decimal | None = None

    def weight_on(self, today: date) -> Decimal | None:
        """The weight, if it was taken within the last 30 days (DOMAIN.md §1.1)."""
        if self.weight_kg is None or self.weight_taken_on is None:
            return None
        return self.weight_kg if (today - self.weight_taken_on).days <= WEIGHT_GOOD_FOR_DAYS else None


@dataclass(frozen=True)
class CheckInPlan:
    """What the protocol says for this patient's next infusion of a drug, before anything is stored."""

    drug: Drug
    number: int
    history: TreatmentHistory
    product: Product
    dose: DoseAnswer | None  # None until the weight (or height) it needs is known
    missing: MissingMeasurement | None
    plans: tuple[RatePlan, ...]
    observation_minutes: int
    earliest: Earliest | None
    interval_short: bool

    @property
    def premedications(self) -> tuple[Premedication, ...]:
        return self.drug.premedications_for(self.number)

    @property
    def checks(self) -> tuple[Check, ...]:
        return self.drug.checks_for(self.number)

    @property
    def row(self) -> ProtocolRow:
        return self.drug.row(self.number)


def plan_check_in(drug: Drug, history: TreatmentHistory, today: date, now: datetime, *, product: str | None = None,
                  per: Decimal | None = None, measured: Measurements = Measurements()) -> CheckInPlan:
    """Work out the next infusion from the protocol and the patient's history (SPEC §4.1)."""
    number = history.next_number
    weight = measured.weight_on(today)
    try:
        dose, missing = dose_for(drug, number, per=per, weight_kg=weight, height_cm=measured.height_cm), None
    except MissingMeasurement as exc:
        dose, missing = None, exc
    chosen = drug.product(product)
    earliest = earliest_check_in(drug, number, history)
    return CheckInPlan(
        drug=drug, number=number, history=history, product=chosen, dose=dose, missing=missing,
        plans=plans_for(drug, number, history),
        observation_minutes=observation_minutes(drug, number, history, today, product=chosen.code),
        earliest=earliest, interval_short=earliest is not None and not earliest.allows(today, now),
    )
