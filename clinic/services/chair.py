"""What the nurse at the chair needs to know now: the rate running, the plan's next step, vitals and observation due."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..domain import protocols
from ..domain.lifecycle import Status
from ..domain.schedule import vitals_due_at
from ..models import InfusionSession


@dataclass(frozen=True)
class Now:
    rate: protocols.RateChange | None  # the rate running, since when
    next_step: protocols.NextStep | None
    vitals_due_at: datetime | None
    observation_ends_at: datetime | None


def steps_of(rate_plan: dict | None) -> tuple[protocols.RateStep, ...]:
    """A rate plan as stored at check-in, in mL/h (none for an injection)."""
    return tuple(protocols.RateStep(Decimal(step["rate_ml_h"]), step["minutes"])
                 for step in (rate_plan or {}).get("steps", []))


def plan_steps(infusion: InfusionSession) -> tuple[protocols.RateStep, ...]:
    """The session's rate plan as chosen at check-in, in mL/h (none for an injection)."""
    return steps_of(infusion.rate_plan)


def rate_history_of(events) -> tuple[tuple[protocols.RateChange, ...], tuple[protocols.Pause, ...]]:
    """The rates set and the pauses among events not voided (rows or entries with kind, occurred_at,
    rate_ml_h and id)."""
    events = sorted(events, key=lambda e: (e.occurred_at, e.id or 0))
    changes = tuple(protocols.RateChange(e.occurred_at, e.rate_ml_h) for e in events if e.kind == "rate_change")
    pauses, started = [], None
    for event in events:
        if event.kind == "pause":
            started = event.occurred_at
        elif event.kind == "resume" and started is not None:
            pauses.append(protocols.Pause(started, event.occurred_at))
            started = None
    if started is not None:
        pauses.append(protocols.Pause(started, None))
    return changes, tuple(pauses)


def rate_history(infusion: InfusionSession) -> tuple[tuple[protocols.RateChange, ...], tuple[protocols.Pause, ...]]:
    """The rates set and the pauses of a loaded session, voided entries left out."""
    return rate_history_of(e for e in infusion.events if not e.is_voided)


def now_at_the_chair(infusion: InfusionSession, now: datetime) -> Now:
    """The Now panel of a loaded session (SPEC §10)."""
    changes, pauses = rate_history(infusion)
    running = infusion.status in (Status.INFUSING, Status.PAUSED)
    return Now(
        rate=protocols.current_rate(changes) if running else None,
        next_step=protocols.next_rate_step(plan_steps(infusion), changes, pauses, now) if running else None,
        vitals_due_at=vitals_due_at(infusion.started_at, infusion.last_vitals_at, infusion.status),
        observation_ends_at=infusion.observation_ends_at if infusion.status == Status.OBSERVING else None,
    )
