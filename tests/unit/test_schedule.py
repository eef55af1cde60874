"""Timing rules at their boundaries (DOMAIN.md §1, §5; SPEC §3)."""
from datetime import datetime, timedelta, timezone

import pytest

from clinic.domain.schedule import late_entry, observation_ends_at, vitals_due_at

START = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)


def test_observation_end():
    assert observation_ends_at(START, 60) == START + timedelta(hours=1)
    assert observation_ends_at(START, 0) == START


@pytest.mark.parametrize("last_minutes, due_minutes", [
    (None, 15), (-5, 15), (0, 15), (14, 29), (15, 30), (16, 31), (59, 74), (60, 90), (61, 91),
])
def test_vitals_due(last_minutes, due_minutes):
    last = None if last_minutes is None else START + timedelta(minutes=last_minutes)
    assert vitals_due_at(START, last, "infusing") == START + timedelta(minutes=due_minutes)


@pytest.mark.parametrize("status", ["planned", "paused", "observing", "discharged"])
def test_vitals_not_due_when_not_infusing(status):
    assert vitals_due_at(START, START, status) is None


@pytest.mark.parametrize("charted_after, late", [
    (timedelta(minutes=15), False), (timedelta(minutes=15, seconds=1), True), (timedelta(0), False),
])
def test_late_entry(charted_after, late):
    assert late_entry(START, START + charted_after) is late
