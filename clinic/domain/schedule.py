"""Timing rules: observation end, vitals due, late entries (DOMAIN.md §1, §5; SPEC §3).

When the next infusion is due is the protocol's to say (protocols.next_due)."""
from __future__ import annotations

from datetime import datetime, timedelta

LATE_AFTER = timedelta(minutes=15)
FIRST_HOUR = timedelta(hours=1)
VITALS_EVERY_FIRST_HOUR = timedelta(minutes=15)
VITALS_EVERY_AFTER = timedelta(minutes=30)


def observation_ends_at(ended_at: datetime, minutes: int) -> datetime:
    """Return when the required observation after the infusion ends (DOMAIN.md §1)."""
    return ended_at + timedelta(minutes=minutes)


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
