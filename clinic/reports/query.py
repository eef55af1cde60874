"""The report's range and drug, shared by the page and the API."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from ..schemas import Code, Day, Schema

DEFAULT_DAYS = 30
MAX_DAYS = 3660


class ReportQuery(Schema):
    """`from` and `to` are clinic-local days; the default is the last 30 days up to today."""

    date_from: Day | None = Field(default=None, alias="from")
    date_to: Day | None = Field(default=None, alias="to")
    drug: Code | None = None

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data):
        return {k: v for k, v in data.items() if v not in ("", None)} if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _ordered(self):
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("'to' must not be before 'from'")
        if self.date_from and self.date_to and (self.date_to - self.date_from).days > MAX_DAYS:
            raise ValueError("the range is limited to about ten years")
        return self

    def resolved(self, today: date) -> tuple[date, date]:
        """Return (from, to) with the defaults filled in."""
        date_to = self.date_to or today
        return self.date_from or date_to - timedelta(days=DEFAULT_DAYS), date_to


class SessionListQuery(ReportQuery):
    """The sessions behind one count of the report: its range and drug, and what the count counted."""

    reaction: Code | None = None  # sessions with a standing reaction of this code
    grade: int | None = Field(default=None, ge=1, le=5)  # sessions with a standing reaction of this grade
    lot: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    no_lot: bool = False  # sessions recorded without a lot number
    infusion: Literal["first", "second", "later"] | None = None
    reacted: bool = False  # sessions with any standing reaction
    serious: bool = False  # sessions with a serious flag

    def filters(self) -> dict:
        """What the count counted, as the service's keyword arguments."""
        return {name: getattr(self, name) for name in ("drug", "reaction", "grade", "lot", "no_lot", "infusion",
                                                       "reacted", "serious")}
