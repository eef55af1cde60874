"""Timing rules: observation end, next infusion due, vitals due, late entries (DOMAIN.md §1, §5; SPEC §3)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

LATE_AFTER = timedelta(minutes=15)
FIRST_HOUR = timedelta(hours=1)
VITALS_EVERY_FIRST_HOUR = timedelta(minutes=15)
VITALS_EVERY_AFTER = timedelta(minutes=30)
TWENTY_FOUR_WEEKS = timedelta(weeks=24)


def observation_ends_at(ended_at: datetime, minutes: int) -> datetime:
    """Return when the required observation after the infusion ends (DOMAIN.md §1)."""
    return ended_at + timedelta(minutes=minutes)


def _plus_one_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February: the year after has none
        return day.replace(year=day.year + 1, day=28)


def _anti_cd20(n: int, infused_on: date, first_on: date | None) -> date | None:
    if n == 1:
        return infused_on + timedelta(days=14)
    if n == 2:
        return first_on + TWENTY_FOUR_WEEKS if first_on else None
    return infused_on + TWENTY_FOUR_WEEKS


def _alemtuzumab(n: int, infused_on: date, first_on: date | None) -> date | None:
    if n in (1, 2, 3, 4, 6, 7):
        return infused_on + timedelta(days=1)
    if n == 5:
        return _plus_one_year(first_on) if first_on else None
    return None


def next_due_date(rule: str, infusion_number: int, infused_on: date, first_infusion_on: date | None,
                  next_appointment: date | None = None) -> date | None:
    """Return when the next infusion is about due (DOMAIN.md §1 "Next infusion due").

    A next appointment entered by the nurse takes precedence over the computed date.
    """
    if next_appointment is not None:
        return next_appointment
    if rule == "anti_cd20":
        return _anti_cd20(infusion_number, infused_on, first_infusion_on)
    if rule == "every_4_weeks":
        return infused_on + timedelta(weeks=4)
    if rule == "alemtuzumab_course":
        return _alemtuzumab(infusion_number, infused_on, first_infusion_on)
    if rule == "none":
        return None
    raise ValueError(f"unknown next-due rule {rule!r}")


def vitals_due_at(started_at: datetime | None, last_vitals_at: datetime | None, status: str) -> datetime | None:
    """Return when the next set of vitals is due while infusing (DOMAIN.md §5, center protocol).

    Every 15 minutes while the last set falls in the first hour after the start,
    every 30 minutes after that. A set taken before the start counts as none.
    """
    if status != "infusing" or started_at is None:
        return None
    if last_vitals_at is None or last_vitals_at < started_at:
        return started_at + VITALS_EVERY_FIRST_HOUR
    interval = VITALS_EVERY_FIRST_HOUR if last_vitals_at < started_at + FIRST_HOUR else VITALS_EVERY_AFTER
    return last_vitals_at + interval


def late_entry(happened_at: datetime | None, charted_at: datetime | None) -> bool:
    """Tell whether an entry was charted more than 15 minutes after it happened (SPEC §3)."""
    if happened_at is None or charted_at is None:
        return False
    return charted_at - happened_at > LATE_AFTER
