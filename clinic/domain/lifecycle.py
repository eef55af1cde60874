"""The session lifecycle (SPEC §4): its statuses, what each one allows, and the words shown for them.

planned → infusing ⇄ paused → observing → discharged → finalized; planned may be cancelled.
Every other module imports these names; none spells a status or a set of statuses itself.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    PLANNED = "planned"
    INFUSING = "infusing"
    PAUSED = "paused"
    OBSERVING = "observing"
    DISCHARGED = "discharged"
    FINALIZED = "finalized"
    CANCELLED = "cancelled"


STATUSES: tuple[str, ...] = tuple(status.value for status in Status)

# At most one open session per patient and drug: a second would give one dose two infusion numbers.
OPEN = frozenset({Status.PLANNED, Status.INFUSING, Status.PAUSED, Status.OBSERVING})
# Entries may still be charted (and voided) until the nurse signs the record.
EDITABLE = OPEN | {Status.DISCHARGED}
# The bag is up: the rate may change and the infusion may end.
RUNNING = frozenset({Status.INFUSING, Status.PAUSED})

# The label on badges and lists, and the phrase in "the session is …" messages.
LABELS = {
    Status.PLANNED: "Checked in", Status.INFUSING: "Infusing", Status.PAUSED: "Paused",
    Status.OBSERVING: "Observation", Status.DISCHARGED: "Discharged", Status.FINALIZED: "Finalized",
    Status.CANCELLED: "Cancelled",
}
PHRASES = {
    Status.PLANNED: "checked in and not started", Status.INFUSING: "infusing", Status.PAUSED: "paused",
    Status.OBSERVING: "in observation", Status.DISCHARGED: "discharged", Status.FINALIZED: "finalized",
    Status.CANCELLED: "cancelled",
}

# What each action may be done in, and the words of a refusal ("Cannot <doing>: the session is …").
# The session page offers exactly the actions its status allows, in this order.
ACTIONS: dict[str, tuple[frozenset[Status], str]] = {
    "checks": (frozenset({Status.PLANNED}), "confirm checks"),
    "premedication": (frozenset({Status.PLANNED}) | RUNNING, "record a premedication"),
    "vitals": (EDITABLE, "record vitals"),
    "reactions": (EDITABLE, "record reactions"),
    "start": (frozenset({Status.PLANNED}), "start the infusion"),
    "rate": (RUNNING, "change the rate"),
    "pause": (frozenset({Status.INFUSING}), "pause"),
    "resume": (frozenset({Status.PAUSED}), "resume"),
    "end": (RUNNING, "end the infusion"),
    "undo_end": (frozenset({Status.OBSERVING}), "undo the end of the infusion"),
    "discharge": (frozenset({Status.OBSERVING}), "discharge"),
    "finalize": (frozenset({Status.DISCHARGED}), "finalize"),
    "amend": (frozenset({Status.FINALIZED}), "amend (only finalized sessions are amended; edit it instead)"),
    "cancel": (frozenset({Status.PLANNED}), "cancel"),
    "void": (EDITABLE, "void an entry"),
    "next_appointment": (EDITABLE, "set the next appointment"),
}


def label(status: str) -> str:
    """Return the word shown for a status."""
    return LABELS[Status(status)]


def allows(status: str, action: str) -> bool:
    """Tell whether a session in `status` allows `action`."""
    return Status(status) in ACTIONS[action][0]


def refusal(status: str, action: str) -> str | None:
    """Return why `action` is refused in `status`, or None when it is allowed."""
    if allows(status, action):
        return None
    return f"Cannot {ACTIONS[action][1]}: the session is {PHRASES[Status(status)]}."


def actions_for(status: str) -> tuple[str, ...]:
    """Return the actions a session in `status` allows, in the page's order."""
    return tuple(action for action, (statuses, _) in ACTIONS.items() if Status(status) in statuses)


# Ending by mistake is put right by the nurse who ended, while the mistake is fresh (SPEC §4.4).
UNDO_END_WITHIN = timedelta(minutes=10)


def undo_end_refusal(status: str, ended_by: int | None, ended_charted_at: datetime | None, user: int,
                     now: datetime) -> str | None:
    """Return why `user` may not undo the end of the infusion at `now`, or None when they may.

    The ten minutes run from when the end was charted (the tap that may have been a mistake), up to and
    including the tenth minute."""
    why = refusal(status, "undo_end")
    if why is not None:
        return why
    if ended_by is None or ended_by != user:
        return "Cannot undo the end of the infusion: only the nurse who ended it may undo it."
    if ended_charted_at is None or now - ended_charted_at > UNDO_END_WITHIN:
        return "Cannot undo the end of the infusion: it was ended more than 10 minutes ago."
    return None
