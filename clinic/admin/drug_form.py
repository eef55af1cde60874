"""The catalog screen's drug form: every part of a drug's protocol as real fields (SPEC §3, DOMAIN.md §1).

The form mirrors a drug definition (`protocols.Drug.to_dict()`): a field's name is its path in the
definition, so a refusal that names `protocol-2-plans-0-steps-1-minutes` lands on that input. Lists are
WTForms FieldLists: an "Add" button (a submit named `add` whose value is the list's name) re-renders the
form with one more row, and each row's "Remove" box leaves it out when the drug is saved; rows left
entirely empty are left out too. No JavaScript is needed for any of it.
"""
from __future__ import annotations

import dataclasses
from datetime import date

from wtforms import (
    BooleanField, DateField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField,
    StringField, SubmitField,
)
from wtforms.validators import Optional

from ..domain import catalog_rules, protocols
from ..formtools import GuardedForm, NumberField
from .forms import MultiCheckboxField


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(label: str, **kwargs) -> StringField:
    return StringField(label, filters=[_strip], **kwargs)


def _whole(label: str, **kwargs) -> IntegerField:
    return IntegerField(label, validators=[Optional()], **kwargs)


def _number(label: str, **kwargs) -> NumberField:
    return NumberField(label, places=None, validators=[Optional()], **kwargs)


def _source() -> SelectField:
    return SelectField("Source", choices=[("", "Choose a source")] + [
        (key, f"{key} — {words}") for key, words in catalog_rules.SOURCE_KEYS.items()], validate_choice=False)


def _checked_on() -> DateField:
    return DateField("Checked on", validators=[Optional()])


class ProductForm(Form):
    code = _text("Product code", render_kw={"autocapitalize": "none", "spellcheck": "false"})
    brand = _text("Brand name")
    generic = _text("Generic name")
    remove = BooleanField("Remove this product when saving")


class InfusionsForm(Form):
    first = _whole("From infusion")
    last = _whole("To infusion", description="Empty: and every later one.")


class DoseForm(Form):
    amount = _number("Amount", description="Per kg or per m² when the dose is by weight or surface.")
    unit = _text("Unit", description="e.g. mg or g.")
    basis = SelectField("Dose by", choices=[("", "Choose"), ("fixed", "Fixed dose"), ("per_kg", "Per kg of weight"),
                                            ("per_m2", "Per m² of body surface")], validate_choice=False)
    volume_ml = _number("Volume (mL)")
    text = _text("The label's words", description="When the label says more than dose and unit.")


class StepForm(Form):
    rate = _number("Rate (mL/h)")
    minutes = _whole("Minutes at this rate")
    remove = BooleanField("Remove this step when saving")


class PlanForm(Form):
    code = _text("Plan code", render_kw={"autocapitalize": "none", "spellcheck": "false"})
    label = _text("Plan in words")
    per_kg = BooleanField("Rates per kg of weight (mL/kg/h)")
    needs_no_serious_reaction = BooleanField("Only without an earlier serious infusion reaction")
    note = _text("Note")
    steps = FieldList(FormField(StepForm), label="Steps")
    remove = BooleanField("Remove this plan when saving")


class ObservationForm(Form):
    minutes = _whole("Minutes of observation")
    after_reaction_minutes = _whole("Minutes after a reaction to this drug",
                                    description="Briumvi: instead, when the patient ever reacted to it.")
    first_change_or_gap_minutes = _whole("Minutes at infusion 1, a product change or a gap",
                                         description="IVIG: instead, at these times.")
    gap_days = _whole("Gap (days)", description="IVIG: a gap longer than this.")


class IntervalForm(Form):
    days = _whole("Days")
    hours = _whole("Hours")


class ProtocolRowForm(Form):
    infusions = FormField(InfusionsForm, "Infusions")
    dose = FormField(DoseForm, "Dose")
    plans = FieldList(FormField(PlanForm), label="Rate plans")
    observation = FormField(ObservationForm, "Observation after the end")
    interval = FormField(IntervalForm, "Earliest check-in after the previous dose")
    source = _source()
    checked_on = _checked_on()
    note = _text("Note", description="What the label does not set (a center protocol's number), in words.")
    remove = BooleanField("Remove this row when saving")


class PremedicationForm(Form):
    code = _text("Code", render_kw={"autocapitalize": "none", "spellcheck": "false"})
    text = _text("Premedication")
    required = BooleanField("Required")
    infusions = FormField(InfusionsForm, "Infusions")
    course_days = FieldList(_whole("Day of the course"), min_entries=2, max_entries=2, label="Days of every course")
    source = _source()
    checked_on = _checked_on()
    remove = BooleanField("Remove this premedication when saving")


class CheckForm(Form):
    code = _text("Code", render_kw={"autocapitalize": "none", "spellcheck": "false"})
    prompt = _text("What the nurse confirms")
    stop_text = _text("What to do when it cannot be confirmed")
    infusions = FormField(InfusionsForm, "Infusions")
    source = _source()
    checked_on = _checked_on()
    remove = BooleanField("Remove this check when saving")


class WarningForm(Form):
    text = _text("Warning sign, in plain words",
                 description="Printed on the visit summary in the patient's language: a new or changed sentence "
                             "prints in English until it is translated (clinic/translations/, make translations).")
    action = SelectField("What to do", choices=[("", "Choose"), ("call_911", "Call 911"),
                                                ("call_now", "Call the center right away"),
                                                ("call", "Call the center"), ("know", "Good to know")],
                         validate_choice=False)
    applies_to = SelectField("Printed for", choices=[("everyone", "Every patient"),
                                                     ("female", "Female, other or sex not recorded"),
                                                     ("male", "Male patients only")],
                             default="everyone", validate_choice=False)
    source = _source()
    checked_on = _checked_on()
    remove = BooleanField("Remove this warning sign when saving")


class CoursesForm(Form):
    lengths = FieldList(_whole("Course length (days)"), label="The first courses")
    later = _whole("Every later course (days)")
    start_interval = FormField(IntervalForm, "From the last day of a course to the next course")
    source = _source()
    checked_on = _checked_on()


class RetreatForm(Form):
    reaction_codes = MultiCheckboxField("Any of these reactions, at any grade", validate_choice=False)
    min_grade = SelectField("Any reaction of this grade or higher", choices=[("", "No grade rule")] + [
        (str(grade), f"Grade {grade}") for grade in range(1, 6)], validate_choice=False)
    anaphylaxis = BooleanField("The anaphylaxis criteria met")
    drugs = MultiCheckboxField("Drugs the alert stops", validate_choice=False,
                               description="None ticked: this drug only.")
    source = _source()
    checked_on = _checked_on()


class NextDueForm(Form):
    kind = SelectField("Rule", choices=[("", "Choose"), ("none", "None computed"),
                                        ("anti_cd20", "Anti-CD20: +14 days after infusion 1, then 24 weeks"),
                                        ("weeks", "Every so many weeks"),
                                        ("course", "By course (Lemtrada)")], validate_choice=False)
    weeks = _whole("Weeks", description="Only for \"every so many weeks\".")
    source = _source()
    checked_on = _checked_on()


class DrugForm(GuardedForm):
    code = _text("Drug code", description="Lower-case letters, digits and underscores; cannot change later.",
                 render_kw={"autocapitalize": "none", "spellcheck": "false"})
    generic = _text("Generic name")
    category = SelectField("Category", choices=[("", "Choose"), ("disease_modifying", "Disease-modifying"),
                                                ("supportive", "Supportive")], validate_choice=False)
    route = SelectField("Route", choices=[("", "Choose"), ("intravenous", "Intravenous infusion"),
                                          ("subcutaneous", "Under the skin (injection)")], validate_choice=False)
    delayed_reaction_hours = _whole("Hours a late reaction may come",
                                    description="Printed for the patient: \"up to 24 hours\", or in days when whole "
                                                "days (48: \"up to 2 days\").")
    rxnorm = _text("RxNorm code", description="Digits; empty when there is none.")
    active = BooleanField("Active (offered at check-in)")
    # At least one row each, to fill in: a drug needs both (an empty row is left out when saving).
    products = FieldList(FormField(ProductForm), label="Products", min_entries=1)
    protocol = FieldList(FormField(ProtocolRowForm), label="Protocol by infusion number", min_entries=1)
    premedications = FieldList(FormField(PremedicationForm), label="Premedications")
    checks = FieldList(FormField(CheckForm), label="Checks before the infusion")
    courses = FormField(CoursesForm, "Courses")
    retreat = FormField(RetreatForm, "Do not re-treat")
    next_due = FormField(NextDueForm, "Next infusion due")
    warnings = FieldList(FormField(WarningForm), label="Warning signs for the patient")
    # The list an "Add" button asked for (the button's value); never shown as a field.
    add = StringField("Add a row to")
    # The catalog version the form was opened at: a save refuses when another one came first.
    based_on = HiddenField("Version edited")
    save = SubmitField("Save drug")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.list_errors: dict[str, list[str]] = {}  # problems of a whole list or part (see place_errors)

    def offer(self, reactions: list[tuple[str, str]], drugs: list[tuple[str, str]]) -> None:
        """Give the do-not-re-treat rule its choices: the reaction catalog and the drug catalog."""
        self.retreat.form.reaction_codes.choices = reactions
        self.retreat.form.drugs.choices = drugs

    # --- rows ---------------------------------------------------------------------------------------------

    def add_row(self, name: str) -> bool:
        """Add an empty row to the list named `name` (e.g. "protocol-2-plans"); False if there is no such list."""
        found = fields_by_name(self).get(name)
        if not isinstance(found, FieldList):
            return False
        _seed(found.append_entry())
        return True

    def definition(self) -> dict:
        """The drug definition the form describes: removed and empty rows left out, nothing checked yet."""
        return {
            "code": self.code.data or "", "generic": self.generic.data or "", "category": self.category.data,
            "route": self.route.data,
            "products": [_values(entry.form, "code", "brand", "generic") for entry in _kept(self.products)],
            "protocol": [_row(entry.form) for entry in _kept(self.protocol)],
            "next_due": {**_values(self.next_due.form, "kind"), "weeks": self.next_due.form.weeks.data or 0,
                         **_cited(self.next_due.form)},
            "premedications": [_premedication(entry.form) for entry in _kept(self.premedications)],
            "checks": [{**_values(entry.form, "code", "prompt", "stop_text"),
                        "infusions": _values(entry.form.infusions.form, "first", "last"), **_cited(entry.form)}
                       for entry in _kept(self.checks)],
            "courses": None if _blank(self.courses) else _courses(self.courses.form),
            "retreat": None if _blank(self.retreat) else _retreat(self.retreat.form),
            "warnings": [{**_values(entry.form, "text", "action"), "applies_to": entry.form.applies_to.data or "everyone",
                          **_cited(entry.form)}
                         for entry in _kept(self.warnings)],
            "delayed_reaction_hours": self.delayed_reaction_hours.data, "rxnorm": self.rxnorm.data or None,
            "active": self.active.data,
        }

    # --- refusals -----------------------------------------------------------------------------------------

    def place_errors(self, problems: dict[str, list[str]]) -> None:
        """Put each problem on the field its path names; a list's own problems are kept for the list."""
        by_name = fields_by_name(self)
        for name, messages in problems.items():
            field = by_name.get(name)
            if field is None or isinstance(field, (FieldList, FormField)):
                self.list_errors.setdefault(name, []).extend(messages)
            else:
                field.errors = list(field.errors or ()) + list(messages)

    def problems(self) -> list[tuple[str, str, str, list[str]]]:
        """Every error on the form in page order: (anchor id, field name, where it is in words, messages)."""
        listed = self.list_errors
        found, placed = [], set()
        for name, field in fields_by_name(self).items():
            if name in listed:
                found.append((_anchor(field, name), name, describe(self, name), listed[name]))
                placed.add(name)
            elif field.errors and not isinstance(field, (FieldList, FormField)) and field.type != "CSRFTokenField":
                found.append((name, name, describe(self, name), list(field.errors)))
        found += [(name, name, describe(self, name), messages) for name, messages in listed.items()
                  if name not in placed]
        return found


# --- the form's shape and the definition's -------------------------------------------------------------------

_ROW_WORDS = {"products": "Product", "protocol": "Protocol row", "plans": "Plan", "steps": "Step",
              "premedications": "Premedication", "checks": "Check", "warnings": "Warning sign",
              "lengths": "Course", "course_days": "Course day"}
# A new row of these lists comes with one empty row of its own list (a new plan with a step to fill).
_SEEDED = {"protocol": "plans", "plans": "steps"}


def fields_by_name(form) -> dict:
    """Every field of the form, nested ones included, by name, in page order."""
    found = {}
    for field in form:
        found[field.name] = field
        if isinstance(field, FormField):
            found.update(fields_by_name(field.form))
        elif isinstance(field, FieldList):
            for entry in field.entries:
                found[entry.name] = entry
                if isinstance(entry, FormField):
                    found.update(fields_by_name(entry.form))
    return found


def describe(form, name: str) -> str:
    """Say where a field is in words: "Protocol row 3 › Plan 1 › Step 2 › Rate (mL/h)"."""
    words, current, parts = [], None, name.split("-")
    fields = fields_by_name(form)
    for index in range(len(parts)):
        prefix = "-".join(parts[: index + 1])
        field = fields.get(prefix)
        if field is None:
            continue
        if parts[index].isdigit() and current is not None:
            words.append(f"{_ROW_WORDS.get(current, 'Row')} {int(parts[index]) + 1}")
        elif not isinstance(field, FieldList) or prefix == name:
            words.append(field.label.text)
        current = parts[index]
    return " › ".join(words) or name


def _anchor(field, name: str) -> str:
    return f"{name}-list" if isinstance(field, FieldList) else name


def _seed(entry) -> None:
    inner = getattr(entry, "form", None)
    child = _SEEDED.get(entry.name.split("-")[-2]) if inner is not None else None
    if child is not None:
        _seed(getattr(inner, child).append_entry())


def _blank(field) -> bool:
    """Tell whether a row (or a part of the form) was left entirely empty."""
    if isinstance(field, FormField):
        return all(_blank(inner) for inner in field.form if inner.short_name != "remove")
    if isinstance(field, FieldList):
        return all(_blank(entry) for entry in field.entries)
    return field.data in (None, "", False, [])


def _kept(rows: FieldList) -> list:
    return [entry for entry in rows.entries if not entry.form.remove.data and not _blank(entry)]


def _values(form, *names) -> dict:
    return {name: getattr(form, name).data for name in names}


def _cited(form) -> dict:
    checked = form.checked_on.data
    return {"source": form.source.data or "", "checked_on": checked.isoformat() if checked else ""}


def _interval(form) -> dict | None:
    days, hours = form.days.data, form.hours.data
    if days is None and hours is None:
        return None
    return {"days": days or 0, "hours": hours or 0}


def _row(form) -> dict:
    return {
        "infusions": _values(form.infusions.form, "first", "last"),
        "dose": {**_values(form.dose.form, "amount", "unit", "volume_ml", "text"), "basis": form.dose.form.basis.data},
        "plans": [{**_values(plan.form, "code", "label", "per_kg", "needs_no_serious_reaction", "note"),
                   "steps": [_values(step.form, "rate", "minutes") for step in _kept(plan.form.steps)]}
                  for plan in _kept(form.plans)],
        "observation": _values(form.observation.form, "minutes", "after_reaction_minutes",
                               "first_change_or_gap_minutes", "gap_days"),
        "interval": _interval(form.interval.form), "note": form.note.data or "", **_cited(form),
    }


def _premedication(form) -> dict:
    days = [entry.data for entry in form.course_days.entries]
    return {**_values(form, "code", "text", "required"), "infusions": _values(form.infusions.form, "first", "last"),
            "course_days": None if all(day is None for day in days) else days, **_cited(form)}


def _courses(form) -> dict:
    return {"lengths": [entry.data for entry in form.lengths.entries if entry.data is not None],
            "later": form.later.data, "start_interval": _interval(form.start_interval.form) or {"days": 0, "hours": 0},
            **_cited(form)}


def _retreat(form) -> dict:
    grade = form.min_grade.data
    return {"reaction_codes": list(form.reaction_codes.data or []), "anaphylaxis": form.anaphylaxis.data,
            "min_grade": int(grade) if grade and grade.isascii() and grade.isdigit() else (grade or None),
            "drugs": list(form.drugs.data or []), **_cited(form)}


def form_data(definition: dict | protocols.Drug) -> dict:
    """A drug definition as the form's data (dates as dates, tuples as lists)."""
    if isinstance(definition, protocols.Drug):
        definition = dataclasses.asdict(definition)
    return _for_form(definition)


def _for_form(value, key: str = ""):
    if isinstance(value, dict):
        return {k: _for_form(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_for_form(item) for item in value]
    if key == "checked_on":
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            return None
    if key == "min_grade" and value is not None:
        return str(value)
    return value


# An empty drug to start from: a protocol row from infusion 1 with a plan and its first step to fill in.
NEW_DRUG = {"active": True, "delayed_reaction_hours": 24,
            "protocol": [{"infusions": {"first": 1}, "plans": [{"steps": [{}]}]}]}
