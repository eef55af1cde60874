from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..formtools import GuardedForm
from ..models.review import OUTCOMES

NOTE_REQUIRED = "Required: this session has a serious flag. Say what was done or decided."
OUTCOME_WORDS = {"acknowledged": "Acknowledged", "escalated": "Escalated", "reported_externally": "Reported externally"}


class ReviewForm(GuardedForm):
    """One session's review; the queue shows one per session, each with its own prefix."""

    # No outcome is preselected (SPEC §7): the reviewer chooses one.
    outcome = SelectField("Outcome", choices=[("", "Choose an outcome")] + [(o, OUTCOME_WORDS[o]) for o in OUTCOMES],
                          default="", validators=[InputRequired(message="Choose an outcome.")])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Record review")
