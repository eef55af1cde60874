"""Timing rules at their boundaries (DOMAIN.md §1, §5; SPEC §3)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from clinic.domain.catalog import drug_by_code
from clinic.domain.schedule import late_entry, next_due_date, observation_ends_at, vitals_due_at

DAY = date(2026, 3, 2)
FIRST = date(2026, 2, 16)


def due(code, n, infused_on=DAY, first=FIRST, appointment=None):
    return next_due_date(drug_by_code(code).next_due_rule, n, infused_on, first, appointment)


@pytest.mark.parametrize("code", ["ocrelizumab", "ublituximab", "rituximab"])
@pytest.mark.parametrize("n, expected", [
    (1, DAY + timedelta(days=14)),
    (2, FIRST + timedelta(weeks=24)),
    (3, DAY + timedelta(weeks=24)),
    (7, DAY + timedelta(weeks=24)),
])
def test_anti_cd20(code, n, expected):
    assert due(code, n) == expected


@pytest.mark.parametrize("n", [1, 2, 5])
def test_natalizumab_every_four_weeks(n):
    assert due("natalizumab", n) == DAY + timedelta(weeks=4)


@pytest.mark.parametrize("n, expected", [
    (1, DAY + timedelta(days=1)), (2, DAY + timedelta(days=1)), (3, DAY + timedelta(days=1)),
    (4, DAY + timedelta(days=1)), (5, date(2027, 2, 16)), (6, DAY + timedelta(days=1)),
    (7, DAY + timedelta(days=1)), (8, None), (9, None),
])
def test_alemtuzumab_courses(n, expected):
    assert due("alemtuzumab", n) == expected


def test_alemtuzumab_after_a_leap_day_first_infusion():
    assert due("alemtuzumab", 5, first=date(2028, 2, 29)) == date(2029, 2, 28)


@pytest.mark.parametrize("code", ["ivig", "methylprednisolone", "cyclophosphamide"])
def test_no_computed_date(code):
    assert due(code, 1) is None


@pytest.mark.parametrize("code", ["ocrelizumab", "ivig", "alemtuzumab"])
def test_nurse_entered_appointment_takes_precedence(code):
    assert due(code, 8, appointment=date(2026, 5, 5)) == date(2026, 5, 5)


def test_unknown_rule_is_an_error():
    with pytest.raises(ValueError):
        next_due_date("monthly-ish", 1, DAY, None)


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
