from wtforms import IntegerField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..formtools import GuardedForm
from ..services.accounts import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, TOKEN_DAYS_RULE


class PasswordForm(GuardedForm):
    old_password = PasswordField("Current password", validators=[DataRequired(), Length(max=512)],
                                 render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=512)],
                                 description="At least 12 characters.", render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Change password")


class TokenForm(GuardedForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=100)],
                       description="What the token is for, e.g. 'pump integration'.")
    expires_in_days = IntegerField("Expires after (days)", default=DEFAULT_TOKEN_DAYS,
                                   validators=[Optional(), NumberRange(1, MAX_TOKEN_DAYS, TOKEN_DAYS_RULE)],
                                   description=f"From 1 to {MAX_TOKEN_DAYS} days; {DEFAULT_TOKEN_DAYS} unless you "
                                               "change it. Make a new token before this one ends.",
                                   render_kw={"min": 1, "max": MAX_TOKEN_DAYS, "inputmode": "numeric"})
    submit = SubmitField("Create token")

    def days(self) -> int:
        """The lifetime chosen; left blank, the default."""
        return DEFAULT_TOKEN_DAYS if self.expires_in_days.data is None else self.expires_in_days.data


class RevokeForm(GuardedForm):
    submit = SubmitField("Revoke")
