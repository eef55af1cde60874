from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional


class ReviewForm(FlaskForm):
    outcome = SelectField("Outcome", choices=[("acknowledged", "Acknowledged"), ("escalated", "Escalated"),
                                              ("reported_externally", "Reported externally")])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Record review")
