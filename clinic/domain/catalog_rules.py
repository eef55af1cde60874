"""What a drug definition must satisfy beyond its field types, before it becomes a catalog version.

`Drug.from_dict` checks each field's type; these rules check what the types cannot say (DOMAIN.md §1):
the protocol rows cover infusion 1 upward without gaps or overlaps, codes are unique, every step of a rate
plan but the last has its minutes and the last runs to the end, every item cites one of DOMAIN.md's source
keys and the day it was checked, and the numbers are ones the rest of the app can use.

Each problem is named by its path in the definition, written as the catalog form names its field:
`protocol-2-plans-0-steps-1-minutes` is the minutes of the second step of the first plan of the third row.
Pure: no Flask, no database; the caller passes what the catalog holds (reaction and drug codes).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from .protocols import Check, Courses, Dose, Drug, Interval, Premedication, ProtocolRow, RatePlan, RetreatRule

# DOMAIN.md's "Sources": the keys a catalog item may cite, with what each one is.
SOURCE_KEYS: dict[str, str] = {
    "L1": "Ocrevus US prescribing information and HCP dosing page",
    "L1b": "Ocrevus Zunovo US prescribing information, 2024",
    "L2": "Briumvi US prescribing information; EU SmPC",
    "L3": "Tysabri US prescribing information; TOUCH pre-infusion checklist",
    "L3b": "Tyruko US prescribing information and the TYRUKO REMS",
    "L4": "Lemtrada US prescribing information and REMS",
    "L5": "IVIG class boxed warning; EU IVIG product SmPC",
    "L6": "Solu-Medrol prescribing information; IV steroid guidance",
    "L7": "Rituxan prescribing information; biosimilars Truxima, Ruxience, Riabni",
    "L8": "Cyclophosphamide in MS; prescribing information; MASCC/ASCO antiemetic guidance",
    "C1": "NCI CTCAE v5.0",
    "A1": "Sampson et al. 2006 (NIAID/FAAN anaphylaxis criteria)",
    "A2": "World Allergy Organization 2020",
    "N1": "Royal College of Physicians, NEWS2, 2017",
    "R1": "21 CFR 312.32; FDA MedWatch Form 3500 instructions",
    "F1": "HL7 FHIR R4 vital-signs profile and AdverseEvent; LOINC",
}

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
CODE_WORDS = "use 2 to 64 lower-case letters, digits and underscores, starting with a letter"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Limits the rest of the app relies on: a session's dose and rate columns and the chair's rate entry
# (schemas.Dose, schemas.RateMlH) take what a protocol offers without a refusal at the chair.
MAX_DOSE = Decimal(100000)
# An order per kg or per m² (the check-in's dose_per takes as much): times the heaviest weight the app takes
# (350 kg) it still fits the sessions' dose column (Numeric(10, 3)).
MAX_DOSE_PER = Decimal(10000)
DOSE_PLACES = 3
MAX_VOLUME_ML = Decimal(5000)
MAX_RATE_ML_H = Decimal(2000)
RATE_PLACES = 1  # the chair records mL/h to 0.1
MAX_RATE_ML_KG_H = Decimal(50)
RATE_PER_KG_PLACES = 3
MAX_MINUTES = 1440
MAX_INFUSION_NUMBER = 10_000
MAX_INTERVAL_DAYS = 3650
MAX_COURSE_DAYS = 31
MAX_WEEKS = 520
MAX_DELAYED_REACTION_HOURS = 168
SHORT_TEXT = 200
LONG_TEXT = 1000

Problems = dict[str, list[str]]


def path(*parts) -> str:
    """A field's path as the form names it: ("protocol", 2, "dose", "amount") -> "protocol-2-dose-amount"."""
    return "-".join(str(part) for part in parts)


class _Found:
    def __init__(self) -> None:
        self.problems: Problems = {}

    def add(self, where: str, why: str) -> None:
        self.problems.setdefault(where, []).append(why)

    def text(self, where: str, value: str, *, required: bool = True, limit: int = SHORT_TEXT) -> None:
        if required and not value.strip():
            self.add(where, "is required")
        elif len(value) > limit:
            self.add(where, f"use at most {limit} characters")
        elif _CONTROL.search(value):
            self.add(where, "use one line of text without control characters")

    def code(self, where: str, value: str) -> None:
        if not CODE_PATTERN.match(value):
            self.add(where, CODE_WORDS)

    def whole(self, where: str, value: int | None, low: int, high: int, *, required: bool = True) -> None:
        if value is None:
            if required:
                self.add(where, "is required")
        elif not low <= value <= high:
            self.add(where, f"must be from {low} to {high}")

    def amount(self, where: str, value: Decimal | None, high: Decimal, places: int, *, required: bool = True) -> None:
        if value is None:
            if required:
                self.add(where, "is required")
        elif not value.is_finite() or value <= 0:
            self.add(where, "must be more than 0")
        elif value > high:
            self.add(where, f"must be at most {high}")
        elif -value.as_tuple().exponent > places:
            self.add(where, f"use at most {places} digits after the decimal point")

    def unique(self, items: Iterable, prefix: str, attribute: str = "code") -> None:
        seen: set[str] = set()
        for index, item in enumerate(items):
            value = getattr(item, attribute)
            if value in seen:
                self.add(path(prefix, index, attribute), f"{value!r} is used twice; each must be different")
            seen.add(value)

    def cited(self, prefix: str, source: str, checked_on: str, today: date) -> None:
        """Every catalog item cites a DOMAIN.md source key and the day it was checked against it."""
        if source not in SOURCE_KEYS:
            self.add(path(prefix, "source") if prefix else "source",
                     "choose one of DOMAIN.md's source keys: " + ", ".join(SOURCE_KEYS))
        where = path(prefix, "checked_on") if prefix else "checked_on"
        try:
            day = date.fromisoformat(checked_on)
        except ValueError:
            self.add(where, "give the day it was checked, as YYYY-MM-DD")
        else:
            # A day's slack: a date written in UTC (the data file's) may be the clinic's tomorrow.
            if day > today + timedelta(days=1):
                self.add(where, "cannot be in the future")
            elif day.year < 1990:
                self.add(where, "give a day from 1990 on")


def drug_problems(drug: Drug, *, reactions: frozenset[str], drugs: frozenset[str], today: date) -> Problems:
    """Everything wrong with a drug definition that its types allow, by field path; empty when it may be saved.

    `reactions`: the reaction catalog's codes (a do-not-re-treat rule names them); `drugs`: the catalog's drug
    codes (the rule may stop other drugs too); `today`: a check date cannot be later.
    """
    found = _Found()
    found.code("code", drug.code)
    found.text("generic", drug.generic)
    found.whole("delayed_reaction_hours", drug.delayed_reaction_hours, 1, MAX_DELAYED_REACTION_HOURS)
    if drug.rxnorm is not None and not re.fullmatch(r"[0-9]{1,16}", drug.rxnorm):
        found.add("rxnorm", "digits only, or leave it empty")
    _products(found, drug)
    _protocol(found, drug, today)
    _premedications(found, drug, today)
    _checks(found, drug, today)
    _courses(found, drug.courses, today)
    _retreat(found, drug, reactions, drugs, today)
    _next_due(found, drug, today)
    for index, warning in enumerate(drug.warnings):
        found.text(path("warnings", index, "text"), warning.text, limit=LONG_TEXT)
        found.cited(path("warnings", index), warning.source, warning.checked_on, today)
    return found.problems


def _products(found: _Found, drug: Drug) -> None:
    if not drug.products:
        found.add("products", "add at least one product (what is in the bag)")
    for index, product in enumerate(drug.products):
        found.code(path("products", index, "code"), product.code)
        found.text(path("products", index, "brand"), product.brand)
        found.text(path("products", index, "generic"), product.generic)
    found.unique(drug.products, "products")


def _protocol(found: _Found, drug: Drug, today: date) -> None:
    if not drug.protocol:
        found.add("protocol", "add at least one protocol row, from infusion 1")
        return
    _coverage(found, drug.protocol)
    for index, row in enumerate(drug.protocol):
        prefix = path("protocol", index)
        _dose(found, path(prefix, "dose"), row.dose)
        _plans(found, prefix, row, drug.route)
        _observation(found, path(prefix, "observation"), row)
        if row.interval is not None:
            _interval(found, path(prefix, "interval"), row.interval)
        found.text(path(prefix, "note"), row.note, required=False, limit=LONG_TEXT)
        found.cited(prefix, row.source, row.checked_on, today)


def _coverage(found: _Found, rows: tuple[ProtocolRow, ...]) -> None:
    """The rows, in order, cover infusion 1, 2, 3 … each exactly once, the last one open-ended."""
    expected: int | None = 1  # the next infusion number not yet covered; None once a row covers every later one
    for index, row in enumerate(rows):
        first, last = row.infusions.first, row.infusions.last
        where = path("protocol", index, "infusions")
        if first < 1:
            found.add(path(where, "first"), "infusion numbers start at 1")
            return
        if max(first, last or 0) > MAX_INFUSION_NUMBER:
            found.add(path(where, "last" if (last or 0) > MAX_INFUSION_NUMBER else "first"),
                      f"must be at most {MAX_INFUSION_NUMBER}")
            return
        if last is not None and last < first:
            found.add(path(where, "last"), f"must be {first} or more (or empty: and every later one)")
            return
        if expected is None:
            found.add(path(where, "first"), "the row before covers every later infusion: remove this row or give "
                                            "that one a last infusion")
            return
        if first > expected:
            missing = str(expected) if first == expected + 1 else f"{expected}–{first - 1}"
            found.add(path(where, "first"), f"infusion {missing} has no row: start this row at {expected}")
            return
        if first < expected:
            found.add(path(where, "first"), f"infusion {first} is already covered by the row before: start this "
                                            f"row at {expected}")
            return
        expected = None if last is None else last + 1
    if expected is not None:
        found.add(path("protocol", len(rows) - 1, "infusions", "last"),
                  "leave empty: the last row covers every later infusion")


def _dose(found: _Found, prefix: str, dose: Dose) -> None:
    found.amount(path(prefix, "amount"), dose.amount, MAX_DOSE if dose.basis == "fixed" else MAX_DOSE_PER,
                 DOSE_PLACES)
    found.text(path(prefix, "unit"), dose.unit, limit=16)
    found.amount(path(prefix, "volume_ml"), dose.volume_ml, MAX_VOLUME_ML, 1, required=False)
    found.text(path(prefix, "text"), dose.text, required=False, limit=LONG_TEXT)


def _plans(found: _Found, prefix: str, row: ProtocolRow, route: str) -> None:
    if route == "subcutaneous" and row.plans:
        found.add(path(prefix, "plans"), "an injection under the skin has no rate plan: remove the plans")
    if route == "intravenous" and not row.plans:
        found.add(path(prefix, "plans"), "an infusion needs at least one rate plan")
    for index, plan in enumerate(row.plans):
        _plan(found, path(prefix, "plans", index), plan)
    if row.plans and row.plans[0].needs_no_serious_reaction:
        found.add(path(prefix, "plans", 0, "needs_no_serious_reaction"),
                  "the first plan is the default: it must be open to every patient")
    found.unique(row.plans, path(prefix, "plans"))


def _plan(found: _Found, prefix: str, plan: RatePlan) -> None:
    found.code(path(prefix, "code"), plan.code)
    found.text(path(prefix, "label"), plan.label)
    found.text(path(prefix, "note"), plan.note, required=False, limit=LONG_TEXT)
    if not plan.steps:
        found.add(path(prefix, "steps"), "add at least one step")
    high, places = (MAX_RATE_ML_KG_H, RATE_PER_KG_PLACES) if plan.per_kg else (MAX_RATE_ML_H, RATE_PLACES)
    last = len(plan.steps) - 1
    for index, step in enumerate(plan.steps):
        where = path(prefix, "steps", index)
        found.amount(path(where, "rate"), step.rate, high, places)
        if index == last and step.minutes is not None:
            found.add(path(where, "minutes"), "leave empty: the last step runs to the end")
        elif index < last and step.minutes is None:
            found.add(path(where, "minutes"), "enter the minutes at this rate (only the last step runs to the end)")
        elif step.minutes is not None:
            found.whole(path(where, "minutes"), step.minutes, 1, MAX_MINUTES)
        if index and step.rate.is_finite() and plan.steps[index - 1].rate.is_finite() \
                and step.rate <= plan.steps[index - 1].rate:
            # The chair's advice looks for the plan's next higher rate.
            found.add(path(where, "rate"), "must be higher than the step before")


def _observation(found: _Found, prefix: str, row: ProtocolRow) -> None:
    rule = row.observation
    found.whole(path(prefix, "minutes"), rule.minutes, 0, MAX_MINUTES)
    found.whole(path(prefix, "after_reaction_minutes"), rule.after_reaction_minutes, 0, MAX_MINUTES, required=False)
    found.whole(path(prefix, "first_change_or_gap_minutes"), rule.first_change_or_gap_minutes, 0, MAX_MINUTES,
                required=False)
    found.whole(path(prefix, "gap_days"), rule.gap_days, 1, MAX_INTERVAL_DAYS, required=False)
    if rule.gap_days is not None and rule.first_change_or_gap_minutes is None:
        found.add(path(prefix, "gap_days"), "a gap counts only with minutes for a first infusion, a product change "
                                            "or a gap: enter those or leave this empty")


def _interval(found: _Found, prefix: str, interval: Interval) -> None:
    found.whole(path(prefix, "days"), interval.days, 0, MAX_INTERVAL_DAYS)
    found.whole(path(prefix, "hours"), interval.hours, 0, 23)
    if interval.days == 0 and interval.hours == 0:
        found.add(path(prefix, "days"), "enter the days or hours to wait, or leave both empty for no interval")


def _infusions(found: _Found, prefix: str, item: Premedication | Check) -> None:
    found.whole(path(prefix, "infusions", "first"), item.infusions.first, 1, MAX_INFUSION_NUMBER)
    found.whole(path(prefix, "infusions", "last"), item.infusions.last, 1, MAX_INFUSION_NUMBER, required=False)
    if item.infusions.last is not None and item.infusions.last < item.infusions.first:
        found.add(path(prefix, "infusions", "last"),
                  f"must be {item.infusions.first} or more (or empty: and every later one)")


def _premedications(found: _Found, drug: Drug, today: date) -> None:
    for index, premedication in enumerate(drug.premedications):
        prefix = path("premedications", index)
        found.code(path(prefix, "code"), premedication.code)
        found.text(path(prefix, "text"), premedication.text, limit=LONG_TEXT)
        _infusions(found, prefix, premedication)
        if premedication.course_days is not None:
            first, last = premedication.course_days
            found.whole(path(prefix, "course_days", 0), first, 1, MAX_COURSE_DAYS)
            found.whole(path(prefix, "course_days", 1), last, 1, MAX_COURSE_DAYS)
            if last < first:
                found.add(path(prefix, "course_days", 1), f"must be {first} or more")
            if drug.courses is None:
                found.add(path(prefix, "course_days", 0), "this drug is not given in courses: leave the days empty")
        found.cited(prefix, premedication.source, premedication.checked_on, today)
    found.unique(drug.premedications, "premedications")


def _checks(found: _Found, drug: Drug, today: date) -> None:
    for index, check in enumerate(drug.checks):
        prefix = path("checks", index)
        found.code(path(prefix, "code"), check.code)
        found.text(path(prefix, "prompt"), check.prompt, limit=LONG_TEXT)
        found.text(path(prefix, "stop_text"), check.stop_text, limit=LONG_TEXT)
        _infusions(found, prefix, check)
        found.cited(prefix, check.source, check.checked_on, today)
    found.unique(drug.checks, "checks")


def _courses(found: _Found, courses: Courses | None, today: date) -> None:
    if courses is None:
        return
    if not courses.lengths:
        found.add("courses-lengths", "give the length of course 1 at least")
    for index, length in enumerate(courses.lengths):
        found.whole(path("courses", "lengths", index), length, 1, MAX_COURSE_DAYS)
    found.whole("courses-later", courses.later, 1, MAX_COURSE_DAYS)
    _interval(found, "courses-start_interval", courses.start_interval)
    found.cited("courses", courses.source, courses.checked_on, today)


def _retreat(found: _Found, drug: Drug, reactions: frozenset[str], drugs: frozenset[str], today: date) -> None:
    rule: RetreatRule | None = drug.retreat
    if rule is None:
        return
    if not (rule.reaction_codes or rule.min_grade is not None or rule.anaphylaxis):
        found.add("retreat-reaction_codes", "choose the reactions, a grade or anaphylaxis that stop re-treatment "
                                            "(or clear the whole rule)")
    unknown = [code for code in rule.reaction_codes if code not in reactions]
    if unknown:
        found.add("retreat-reaction_codes", "not in the reaction catalog: " + ", ".join(unknown))
    if len(set(rule.reaction_codes)) != len(rule.reaction_codes):
        found.add("retreat-reaction_codes", "each reaction once")
    found.whole("retreat-min_grade", rule.min_grade, 1, 5, required=False)
    strange = [code for code in rule.drugs if code not in drugs and code != drug.code]
    if strange:
        found.add("retreat-drugs", "not in the drug catalog: " + ", ".join(strange))
    found.cited("retreat", rule.source, rule.checked_on, today)


def _next_due(found: _Found, drug: Drug, today: date) -> None:
    rule = drug.next_due
    if rule.kind == "weeks":
        found.whole("next_due-weeks", rule.weeks, 1, MAX_WEEKS)
    elif rule.weeks:
        found.add("next_due-weeks", "leave empty: only \"every so many weeks\" counts weeks")
    if rule.kind == "course" and drug.courses is None:
        found.add("next_due-kind", "this drug is not given in courses: give its courses or choose another rule")
    found.cited("next_due", rule.source, rule.checked_on, today)
