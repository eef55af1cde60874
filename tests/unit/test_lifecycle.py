"""The lifecycle's rules that are more than a status table: undoing the end of an infusion (SPEC §4.4)."""
from datetime import datetime, timedelta, timezone

import pytest

from clinic.domain import lifecycle

ENDED = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
NURSE, OTHER = 7, 8


@pytest.mark.parametrize("status, ended_by, user, after, allowed, why", [
    ("observing", NURSE, NURSE, timedelta(0), True, None),
    ("observing", NURSE, NURSE, timedelta(minutes=9, seconds=59), True, None),
    ("observing", NURSE, NURSE, timedelta(minutes=10), True, None),
    ("observing", NURSE, NURSE, timedelta(minutes=10, seconds=1), False, "more than 10 minutes ago"),
    ("observing", NURSE, NURSE, timedelta(hours=2), False, "more than 10 minutes ago"),
    ("observing", NURSE, OTHER, timedelta(minutes=1), False, "only the nurse who ended it"),
    ("observing", None, NURSE, timedelta(minutes=1), False, "only the nurse who ended it"),
    ("discharged", NURSE, NURSE, timedelta(minutes=1), False, "the session is discharged"),
    ("infusing", None, NURSE, timedelta(minutes=1), False, "the session is infusing"),
    ("finalized", NURSE, NURSE, timedelta(minutes=1), False, "the session is finalized"),
])
def test_undo_end_by_the_same_nurse_within_ten_minutes(status, ended_by, user, after, allowed, why):
    refusal = lifecycle.undo_end_refusal(status, ended_by, ENDED, user, ENDED + after)
    assert (refusal is None) == allowed
    if why:
        assert why in refusal and refusal.startswith("Cannot undo the end of the infusion")


def test_an_end_without_its_charting_time_cannot_be_undone():
    assert "more than 10 minutes" in lifecycle.undo_end_refusal("observing", NURSE, None, NURSE, ENDED)


def test_only_observation_offers_undo_end():
    assert [s for s in lifecycle.STATUSES if lifecycle.allows(s, "undo_end")] == ["observing"]
