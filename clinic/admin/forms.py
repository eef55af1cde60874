from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField, widgets
from wtforms.validators import DataRequired, Length, Optional

from ..formtools import GuardedForm

ROLE_CHOICES = [("nurse", "Nurse"), ("supervisor", "Supervisor"), ("admin", "Admin")]


class UserForm(GuardedForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    username = StringField("Username", validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "off", "autocapitalize": "none"})
    role = SelectField("Role", choices=ROLE_CHOICES)
    password = PasswordField("Initial password", validators=[DataRequired(), Length(max=512)],
                             description="At least 12 characters. The user changes it at first login.",
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Create user")


class RoleForm(GuardedForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    submit = SubmitField("Change role")


class ResetPasswordForm(GuardedForm):
    password = PasswordField("Temporary password", validators=[DataRequired(), Length(max=512)],
                             description="At least 12 characters. The user must change it at next login.",
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Reset password")


class ActiveForm(GuardedForm):
    submit = SubmitField("Save")


class RevokeTokenForm(GuardedForm):
    submit = SubmitField("Revoke")


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ReactionForm(GuardedForm):
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
