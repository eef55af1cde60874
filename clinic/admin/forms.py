from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DecimalField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField,
    TextAreaField, widgets,
)
from wtforms.validators import DataRequired, Length, Optional

ROLE_CHOICES = [("nurse", "Nurse"), ("supervisor", "Supervisor"), ("admin", "Admin")]


class UserForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    username = StringField("Username", validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "off", "autocapitalize": "none"})
    role = SelectField("Role", choices=ROLE_CHOICES)
    password = PasswordField("Initial password", validators=[DataRequired(), Length(max=512)],
                             description="At least 12 characters. The user changes it at first login.",
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Create user")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    submit = SubmitField("Change role")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("Temporary password", validators=[DataRequired(), Length(max=512)],
                             description="At least 12 characters. The user must change it at next login.",
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Reset password")


class ActiveForm(FlaskForm):
    submit = SubmitField("Save")


class DrugForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=64)],
                       description="Lower-case letters, digits and underscores; cannot change later.")
    brand = StringField("Brand name", validators=[DataRequired(), Length(max=200)])
    generic = StringField("Generic name", validators=[DataRequired(), Length(max=200)])
    category = SelectField("Category", choices=[("disease_modifying", "Disease-modifying"), ("supportive", "Supportive")])
    default_dose = DecimalField("Default dose", places=None, validators=[DataRequired()])
    dose_unit = StringField("Dose unit", validators=[DataRequired(), Length(max=16)])
    regimen = TextAreaField("Regimen", validators=[Optional(), Length(max=2000)])
    infusion_time = StringField("Typical infusion time", validators=[Optional(), Length(max=300)])
    observation = StringField("Observation minutes per infusion number", validators=[DataRequired(), Length(max=200)],
                              description='e.g. "1:60, 3:0" = 60 minutes from infusion 1, none from infusion 3.')
    next_due_rule = SelectField("Next-due rule", choices=[
        ("none", "None computed"), ("anti_cd20", "Anti-CD20 (+14 days, then 24 weeks)"),
        ("every_4_weeks", "Every 4 weeks"), ("alemtuzumab_course", "Alemtuzumab courses")])
    checks = TextAreaField("Pre-infusion checks", validators=[Optional(), Length(max=5000)],
                           description="One per line: code | what the nurse confirms | what to do if not.")
    premedications = TextAreaField("Premedications", validators=[Optional(), Length(max=5000)],
                                   description="One per line: code | text | required or optional | infusion numbers "
                                               'where required, e.g. "1-3, 6-8" (empty: every infusion).')
    warning_signs = TextAreaField("Warning signs for patients", validators=[Optional(), Length(max=5000)],
                                  description="One plain-language sentence per line; printed on the visit summary.")
    active = BooleanField("Active", default=True)
    submit = SubmitField("Save drug")


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ReactionForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=64)])
    label = StringField("Label on screen", validators=[DataRequired(), Length(max=200)])
    group = SelectField("Group", choices=[("infusion_reaction", "Infusion reactions"), ("side_effect", "Side effects"),
                                          ("serious", "Serious — act now")])
    systems = MultiCheckboxField("Anaphylaxis systems", choices=[
        ("skin_mucosal", "Skin/mucosal"), ("respiratory", "Respiratory"), ("circulatory", "Circulatory"),
        ("gastrointestinal", "Gastrointestinal"), ("laryngeal", "Laryngeal (swelling in the mouth or throat)")])
    help_text = StringField("Help text", validators=[Optional(), Length(max=500)])
    active = BooleanField("Active", default=True)
    submit = SubmitField("Save reaction")
