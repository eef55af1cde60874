from wtforms import (
    BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectField, StringField, SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .. import i18n
from ..formtools import GuardedForm, NumberField
from ..schemas import NAME_LENGTH


class PatientForm(GuardedForm):
    mrn = StringField("MRN", validators=[DataRequired(), Length(max=32)],
                      description="Medical record number, as on the wristband.")
    first_name = StringField("First name", validators=[DataRequired(), Length(max=NAME_LENGTH)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=NAME_LENGTH)])
    date_of_birth = DateField("Date of birth", validators=[DataRequired()])
    sex = SelectField("Sex", choices=[("female", "Female"), ("male", "Male"), ("other", "Other"),
                                      ("unknown", "Unknown")], default="unknown")
    allergies = TextAreaField("Known allergies", validators=[Optional(), Length(max=2000)],
                              description="Leave empty if none are known.")
    weight_kg = NumberField("Weight (kg)", places=1, validators=[Optional()],
                             render_kw={"inputmode": "decimal"}, description="Taken today (its date is kept).")
    height_cm = NumberField("Height (cm)", places=1, validators=[Optional()], render_kw={"inputmode": "decimal"})
    phone = StringField("Phone", validators=[Optional(), Length(max=40)], render_kw={"inputmode": "tel"})
    preferred_language = SelectField("Preferred language", default="en", choices=i18n.language_choices,
                                     description="The visit summary is printed in this language.")
    pregnant = BooleanField("Pregnant", description="NEWS2 is not validated in pregnancy.")
    spo2_scale = SelectField("SpO₂ scale (NEWS2)", coerce=int, default=1,
                             choices=[(1, "Scale 1 (most patients)"), (2, "Scale 2: prescribed target 88–92 %")],
                             description="Scale 2 only when a prescriber has set an SpO₂ target of 88–92 % "
                                         "(e.g. some COPD with hypercapnia).")
    version = HiddenField()
    submit = SubmitField("Save patient")


class EditPatientForm(PatientForm):
    active = BooleanField("Active", default=True, description="Untick to mark the patient inactive (never deleted).")

    def keep_language(self, stored: str | None) -> None:
        """A language stored before the list (or by the API) stays choosable, said to print in English."""
        choices = i18n.language_choices()
        if stored and stored not in dict(choices):
            choices.append((stored, f"{stored} (no summary in this language yet: printed in English)"))
        self.preferred_language.choices = choices


class SearchForm(GuardedForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Search by MRN or name", validators=[Length(max=100)])


class HistoryForm(GuardedForm):
    """Infusions of a drug given elsewhere, for a patient who transfers in (SPEC §3)."""

    drug = SelectField("Drug", validators=[DataRequired()])
    infusions = IntegerField("How many infusions", validators=[DataRequired(), NumberRange(1, 200)],
                             render_kw={"inputmode": "numeric"})
    last_infusion_on = DateField("Date of the last one", validators=[DataRequired()])
    had_reaction = RadioField("Ever an infusion reaction to it?", choices=[("yes", "Yes"), ("no", "No")],
                              validators=[DataRequired()])
    source = StringField("Source", validators=[DataRequired(), Length(max=200)],
                         description='Where this comes from, e.g. "referral letter, Dr Lee".')
    submit = SubmitField("Add treatment history")


class LiftAlertForm(GuardedForm):
    reason = StringField("Why the alert is lifted", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Lift alert")
