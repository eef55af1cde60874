"""One form per action on the session page; each carries the version it was read at."""
from __future__ import annotations

from wtforms import (
    BooleanField, DateField, DateTimeLocalField, HiddenField, IntegerField, PasswordField,
    RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField, widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..formtools import GuardedForm, NumberField

TIME_FORMAT = "%Y-%m-%dT%H:%M"
NUMERIC = {"inputmode": "numeric", "pattern": "[0-9]*"}
DECIMAL = {"inputmode": "decimal"}


def when(label="Time"):
    return DateTimeLocalField(label, format=TIME_FORMAT, validators=[Optional()],
                              description="When it happened (clinic time). Leave as is for now.")


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class VersionedForm(GuardedForm):
    """An action form of the session page, prefixed by its name.

    CSRFProtect checks the token of every POST app-wide; the page renders it
    once per form, unprefixed, so the form itself does not check it again.
    """

    class Meta:
        csrf = False

    version = HiddenField()


class CheckInForm(GuardedForm):
    """One form: the drug's protocol fills the rest (in place with JavaScript, on submit without it)."""

    patient_id = IntegerField("Patient", validators=[InputRequired()], widget=widgets.HiddenInput())
    drug = SelectField("Drug", validators=[DataRequired()])
    product = SelectField("Product", validators=[Optional()], validate_choice=False)
    dose_per = NumberField("Ordered dose per kg or per m²", places=None, validators=[Optional()], render_kw=DECIMAL,
                            description="For drugs dosed by weight (IVIG, g/kg) or body surface (cyclophosphamide, "
                                        "mg/m²): as the order says.")
    weight_kg = NumberField("Weight (kg), taken today", places=None, validators=[Optional()], render_kw=DECIMAL,
                             description="Needed for doses by weight or body surface; a weight older than 30 days "
                                         "is not used.")
    height_cm = NumberField("Height (cm)", places=None, validators=[Optional()], render_kw=DECIMAL)
    dose = NumberField("Dose", places=None, validators=[Optional()], render_kw=DECIMAL,
                        description="Left empty, the protocol's dose for this infusion.")
    dose_unit = StringField("Dose unit", validators=[Optional(), Length(max=16)])
    dose_reason = StringField("Why the dose differs from the protocol's", validators=[Optional(), Length(max=2000)],
                              description="Needed when the dose is more than 10 % off the protocol's.")
    rate_plan = SelectField("Rate plan", validators=[Optional()], validate_choice=False)
    prescriber = StringField("Ordering prescriber", validators=[Optional(), Length(max=200)])
    lot_number = StringField("Lot number", validators=[Optional(), Length(max=64)])
    lot_expiry = DateField("Lot expiry", validators=[Optional()])
    chair = StringField("Chair", validators=[Optional(), Length(max=32)], render_kw={"inputmode": "numeric"})
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])
    override_prescriber = StringField("Prescriber who decided to go on", validators=[Optional(), Length(max=200)],
                                      description="Only to override a do-not-re-treat alert or a short interval.")
    override_reason = StringField("Why (the prescriber's reason)", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Check in")

    def service_fields(self) -> dict:
        """What the check-in service takes, from what was typed."""
        skip = {"submit", "csrf_token", "override_prescriber", "override_reason"}
        fields = {name: (value if value != "" else None) for name, value in self.data.items() if name not in skip}
        if self.override_prescriber.data or self.override_reason.data:
            fields["override"] = {"prescriber": self.override_prescriber.data or "",
                                  "reason": self.override_reason.data or ""}
        return fields

    def offer(self, drugs) -> None:
        """Offer the active drugs, their products and the rate plans.

        Products come grouped by drug, after a blank choice meaning the drug's usual product: without
        JavaScript (which keeps only the chosen drug's), a first choice of another drug's product would
        refuse the one submit check-in is meant to take.
        """
        self.drug.choices = [("", "Choose a drug")] + [
            (d.code, d.brand if d.brand == d.generic else f"{d.brand} ({d.generic})") for d in drugs]
        self.product.choices = {None: [("", "The drug's usual product")]} | {
            d.brand: [(p.code, p.brand + ("" if p.generic == p.brand else f" ({p.generic})")) for p in d.products]
            for d in drugs}
        self.rate_plan.choices = [("", "The protocol's plan")] + sorted(
            {(plan.code, plan.code.capitalize()) for d in drugs for row in d.protocol for plan in row.plans})


class ChecksForm(VersionedForm):
    codes = MultiCheckboxField("Pre-infusion checks", choices=[])
    submit = SubmitField("Confirm checks")


class PremedicationForm(VersionedForm):
    code = SelectField("Premedication", choices=[])
    given = RadioField("Given?", choices=[("yes", "Given"), ("no", "Not given")], default="yes")
    given_at = when("Given at")
    dose = StringField("Dose given", validators=[Optional(), Length(max=100)])
    not_given_reason = StringField("Reason not given", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Record premedication")


class VitalsForm(VersionedForm):
    taken_at = when("Taken at")
    phase = SelectField("Phase", choices=[("baseline", "Baseline (before the start)"), ("during", "During"),
                                          ("end", "At the end"), ("observation", "Observation"),
                                          ("discharge", "At discharge")])
    systolic = IntegerField("Systolic", validators=[Optional()], render_kw=NUMERIC, description="mmHg")
    diastolic = IntegerField("Diastolic", validators=[Optional()], render_kw=NUMERIC, description="mmHg")
    heart_rate = IntegerField("Heart rate", validators=[Optional()], render_kw=NUMERIC, description="beats/min")
    resp_rate = IntegerField("Respiratory rate", validators=[Optional()], render_kw=NUMERIC,
                             description="breaths/min")
    temperature = NumberField("Temperature", places=None, validators=[Optional()], render_kw=DECIMAL)
    temperature_unit = SelectField("Temperature unit", choices=[("C", "°C"), ("F", "°F (converted to °C)")],
                                   default="C")
    spo2 = IntegerField("Oxygen saturation", validators=[Optional()], render_kw=NUMERIC, description="%")
    on_oxygen = SelectField("On oxygen", choices=[("", "Not recorded"), ("no", "No (room air)"), ("yes", "Yes")],
                            default="")
    consciousness = SelectField("Consciousness", choices=[
        ("", "Not recorded"), ("alert", "Alert"), ("confusion", "New confusion"), ("voice", "Responds to voice"),
        ("pain", "Responds to pain"), ("unresponsive", "Unresponsive")], default="")
    pain = IntegerField("Pain", validators=[Optional()], render_kw=NUMERIC, description="0 (none) to 10 (worst)")
    submit = SubmitField("Record vitals")

    # SPEC §10: air and alert are chosen explicitly once, at the baseline; the readings after carry them over,
    # and NEWS2 scores them.
    def validate_on_oxygen(self, field):
        self._chosen_at_the_baseline(field)

    def validate_consciousness(self, field):
        self._chosen_at_the_baseline(field)

    def _chosen_at_the_baseline(self, field):
        if self.phase.data == "baseline" and not field.data:
            raise ValidationError("Choose it at the baseline: the readings after carry it over, and NEWS2 scores it.")


class ReactionsForm(VersionedForm):
    codes = MultiCheckboxField("Reactions", choices=[])
    onset_at = when("Began at")
    grade = RadioField("Grade", choices=[], validators=[Optional()])
    action = SelectField("Action taken", choices=[])
    medication = StringField("Medication given", validators=[Optional(), Length(max=2000)],
                             description="Drug, dose and route, if any.")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Record reactions")


class StartForm(VersionedForm):
    at = when("Started at")
    rate_ml_h = NumberField("Starting rate (mL/h)", places=None, validators=[Optional()], render_kw=DECIMAL,
                             description="The rate plan's first step, unless the order says otherwise.")
    submit = SubmitField("Start infusion")


class PauseForm(VersionedForm):
    at = when("Paused at")
    reason = StringField("Reason for pausing", validators=[Optional(), Length(max=2000)])
    due_to_reaction = BooleanField("Paused because of a reaction")
    submit = SubmitField("Pause infusion")


class ResumeForm(VersionedForm):
    at = when("Resumed at")
    submit = SubmitField("Resume infusion")


class RateForm(VersionedForm):
    at = when("Changed at")
    rate_ml_h = NumberField("Rate (mL/h)", places=None, validators=[Optional()], render_kw=DECIMAL)
    submit = SubmitField("Record rate")


class EndForm(VersionedForm):
    at = when("Ended at")
    # Asked, never preselected (SPEC §4.4).
    full_dose = RadioField("Was the full dose given?", choices=[("yes", "Yes, the full dose"),
                                                                ("no", "No, not the full dose")],
                           validators=[InputRequired(message="Say whether the full dose was given.")])
    submit = SubmitField("Confirm: end infusion")


class UndoEndForm(VersionedForm):
    submit = SubmitField("Undo end of infusion")


DISPOSITION_CHOICES = [("home", "Home"), ("emergency_department", "Emergency department"),
                       ("admitted", "Admitted to hospital"), ("other", "Somewhere else (say where)")]


class DischargeForm(VersionedForm):
    at = when("Discharged at")
    disposition = RadioField("Where the patient went", choices=DISPOSITION_CHOICES, default="home")
    disposition_text = StringField("Where (for somewhere else), or details", validators=[Optional(), Length(max=200)])
    early_reason = TextAreaField("Reason for early discharge", validators=[Optional(), Length(max=2000)],
                                 description="Needed only before the observation period is over, or without "
                                             "vitals taken after the infusion ended.")
    submit = SubmitField("Discharge")


class ResolveForm(VersionedForm):
    entry = SelectField("Reaction", choices=[], validate_choice=False, validators=[Optional()])
    at = when("Ended at")
    submit = SubmitField("Record when it ended")


class FinalizeForm(VersionedForm):
    password = PasswordField("Your password", validators=[Optional()],
                             render_kw={"autocomplete": "current-password"},
                             description="Signing the record: re-enter your password.")
    submit = SubmitField("Finalize")


class AmendForm(VersionedForm):
    field = SelectField("Field to correct", choices=[
        ("notes", "Notes"), ("lot_number", "Lot number"), ("lot_expiry", "Lot expiry (YYYY-MM-DD)"),
        ("chair", "Chair"), ("next_appointment", "Next appointment (YYYY-MM-DD)"), ("dose", "Dose"),
        ("dose_unit", "Dose unit")])
    value = StringField("Corrected value", validators=[Optional(), Length(max=2000)])
    reason = StringField("Reason for the amendment", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Amend record")


class VoidForm(VersionedForm):
    entry = SelectField("Entry to void", choices=[], validate_choice=False, validators=[Optional()])
    reason = StringField("Reason for voiding", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Void entry")


class NextAppointmentForm(VersionedForm):
    next_appointment = DateField("Next appointment", validators=[Optional()],
                                 description="Takes precedence over the computed due date.")
    submit = SubmitField("Save next appointment")


class CancelForm(VersionedForm):
    reason = StringField("Reason for cancelling", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Confirm: cancel session")



