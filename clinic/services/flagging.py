"""Keep a session's stored flags equal to one evaluation of the rules.

The board, the queue, the API and the reports read what is stored here, so
the rules run in exactly one place: on every change of a session.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app

from ..domain.flags import evaluate, without_voided
from ..models import InfusionSession, utcnow
from .records import build_record


def refresh_flags(infusion: InfusionSession):
    """Re-evaluate the rules and the counts kept beside them; a flag not seen before puts
    the session back in the review queue. Call it after a flush: the flags' evidence names entries by id.

    Returns the record the rules read (standing entries only) and the flags they raised."""
    tz = ZoneInfo(current_app.config["CLINIC_TIMEZONE"])  # messages show clinic-local times
    record = without_voided(build_record(infusion))
    flags = evaluate(record, tz)
    stored = [dict(f.to_dict(), key=f.key) for f in flags]
    old_keys = {f.get("key") for f in infusion.flags or []}
    new_keys = {f["key"] for f in stored}
    infusion.flags = stored
    infusion.reaction_count = len(record.reactions)
    infusion.last_vitals_at = max((v.taken_at for v in record.vitals), default=None)
    infusion.flag_level = "serious" if any(f.level == "serious" for f in flags) else ("warning" if flags else "none")
    if new_keys - old_keys:
        infusion.flags_raised_at = utcnow()
        infusion.needs_review = True
    if not flags:
        infusion.needs_review = False
    return record, flags
