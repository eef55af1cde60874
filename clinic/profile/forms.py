from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..formtools import GuardedForm


class PasswordForm(GuardedForm):
    old_password = PasswordField("Current password", validators=[DataRequired(), Length(max=512)],
                                 render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=512)],
                                 description="At least 12 characters.", render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Change password")


class TokenForm(GuardedForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=100)],
                       description="What the token is for, e.g. 'pump integration'.")
    submit = SubmitField("Create token")


class RevokeForm(GuardedForm):
    submit = SubmitField("Revoke")
