from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..formtools import GuardedForm


class LoginForm(GuardedForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=512)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Log in")


class LogoutForm(GuardedForm):
    submit = SubmitField("Log out")
