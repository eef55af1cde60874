"""What a MedWatch 3500 draft says about a session, decided from its record alone (SPEC §7).

"Serious" here is the regulatory sense of DOMAIN.md §3 [R1] (death, life-threatening, hospitalization, …),
not the CTCAE grade; the anaphylaxis criteria are DOMAIN.md §4's, as the flag rules apply them. Every tick
and every answer carries the facts of the record it follows from. What the record cannot tell is left
unticked and says so: the supervisor completes the form.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from ..formatting import decimal_text
from . import flags as rules
from .catalog import ACTIONS
from .lifecycle import label as status_label
from .records import EventRecord, ReactionRecord, SessionRecord

YES, NO, DOES_NOT_APPLY = "yes", "no", "does_not_apply"
ANSWERS = ((YES, "Yes"), (NO, "No"), (DOES_NOT_APPLY, "Doesn't apply"))

# The outcome boxes of the form, in its order (DOMAIN.md §3 [R1]).
OUTCOMES = (
    ("death", "Death"),
    ("life_threatening", "Life-threatening"),
    ("hospitalization", "Hospitalization (initial or prolonged)"),
    ("disability", "Disability or permanent damage"),
    ("congenital_anomaly", "Congenital anomaly / birth defect"),
    ("other_serious", "Other serious (important medical events)"),
    ("required_intervention", "Required intervention to prevent permanent impairment/damage (devices)"),
)
RECOVERY = (("recovered", "Recovered / resolved"), ("not_recovered", "Not yet recovered / unknown"))

# The catalog's action labels without their examples in brackets: on a report, "(epinephrine, 911/EMS,
# ED transfer)" would read as what was done, and the record does not say which of them was.
ACTION_WORDS = {code: words.split(" (")[0] for code, words in ACTIONS}
INTERRUPTING_ACTIONS = ("paused", "stopped")
TREATING_ACTIONS = ("medication_given", "emergency_response")


@dataclass(frozen=True)
class Box:
    """One box of the form: ticked or not, and the facts of the record behind that."""

    code: str
    label: str
    ticked: bool
    why: str


@dataclass(frozen=True)
class Answer:
    """A Yes / No / Doesn't apply item: the box the record supports (None when it cannot tell) and why."""

    choice: str | None
    why: str


@dataclass(frozen=True)
class Stop:
    """The first time the infusion was paused or ended early after the event began."""

    at: datetime
    words: str  # "paused at 10:20", "ended early at 10:35"
    resumed_at: datetime | None  # a pause's resume; None when it was not resumed or the stop was the end


@dataclass(frozen=True)
class Happening:
    """Something that happened to the infusion, at its time (None: the record holds no time for it)."""

    at: datetime | None
    text: str


@dataclass(frozen=True)
class Assessment:
    """Everything the draft states about the session, each statement with its grounds."""

    event_began_at: datetime | None
    interrupted: bool
    interruption: str  # the answer to "was the infusion interrupted or stopped, and when"
    course: tuple[Happening, ...]  # what happened to the infusion, in time order
    outcomes: tuple[Box, ...]
    recovery: tuple[Box, ...]
    dechallenge: Answer  # event abated after use stopped or dose reduced?
    rechallenge: Answer  # event reappeared after reintroduction?
    headlines: tuple[rules.Headline, ...]

    def ticked(self) -> frozenset[str]:
        """The codes of the ticked outcome and recovery boxes."""
        return frozenset(box.code for box in self.outcomes + self.recovery if box.ticked)


class Clock:
    """Times in the clinic's zone: the hour on the session's day, the date and hour on another day."""

    def __init__(self, tz: tzinfo, day: date | None):
        self.tz, self.day = tz, day

    def __call__(self, moment: datetime) -> str:
        local = moment.astimezone(self.tz)
        return local.strftime("%H:%M") if local.date() == self.day else local.strftime("%Y-%m-%d %H:%M")


def _labels(reactions) -> str:
    """Name reactions as a list in words: "A", "A and B", "A, B and C"."""
    names = [r.label for r in reactions]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def event_began(record: SessionRecord, flags) -> datetime | None:
    """When the event began: the first reaction's onset or the first reading behind a serious flag."""
    times = [r.onset_at for r in record.reactions]
    times += [e.at for f in flags if f.level == rules.SERIOUS for e in f.evidence if e.at is not None]
    return min(times, default=record.started_at or record.created_at)


def pauses(record: SessionRecord) -> list[tuple[EventRecord, EventRecord | None]]:
    """Each pause with the resume that ended it (None when the infusion was not resumed after it)."""
    events = [e for e in record.events if e.kind in ("pause", "resume")]
    return [(e, next((r for r in events[i + 1:] if r.kind == "resume"), None))
            for i, e in enumerate(events) if e.kind == "pause"]


def first_stop(record: SessionRecord, clock: Clock) -> Stop | None:
    """The first pause or early end (full dose not given) at or after the first reaction's onset."""
    if not record.reactions:
        return None
    onset = record.reactions[0].onset_at
    stops = [Stop(pause.at, f"paused at {clock(pause.at)}", resume.at if resume else None)
             for pause, resume in pauses(record) if pause.at >= onset]
    if record.full_dose is False and record.ended_at is not None and record.ended_at >= onset:
        stops.append(Stop(record.ended_at, f"ended early at {clock(record.ended_at)}", None))
    return min(stops, key=lambda s: s.at, default=None)


# --- the infusion: interrupted or stopped, and when ------------------------------------------------------------

def _pause_words(pause: EventRecord, resume: EventRecord | None, clock: Clock, timed: bool = True) -> str:
    when = f" at {clock(pause.at)}" if timed else ""
    why = " because of a reaction" if pause.due_to_reaction else ""
    reason = f" (reason charted: “{pause.reason}”)" if pause.reason else ""
    after = f"; resumed at {clock(resume.at)}" if resume else "; not resumed"
    return f"paused{when}{why}{reason}{after}"


def _end_words(record: SessionRecord, clock: Clock, timed: bool = True) -> str:
    if record.ended_at is None:
        return ""
    when = f" at {clock(record.ended_at)}" if timed else ""
    if record.full_dose is False:
        return f"ended early{when}: the full dose was not given"
    if record.full_dose:
        return f"ended{when} with the full dose given"
    return f"ended{when}; whether the full dose was given is not recorded"


def _uncharted_stops(record: SessionRecord, clock: Clock) -> list[str]:
    """Reactions recorded as pausing or stopping the infusion with no pause or early end charted after
    their onset: the record says it was interrupted but not when."""
    charted = [p.at for p, _ in pauses(record)]
    if record.full_dose is False and record.ended_at is not None:
        charted.append(record.ended_at)
    return [f"the action recorded for {r.label} (onset {clock(r.onset_at)}) is “{ACTION_WORDS[r.action]}”, "
            "but no pause or early end was charted after it, so when is not recorded"
            for r in record.reactions
            if r.action in INTERRUPTING_ACTIONS and not any(at >= r.onset_at for at in charted)]


def _discharge_words(record: SessionRecord, clock: Clock, timed: bool = True) -> str:
    if record.discharged_at is None:
        return f"Not discharged yet on the record (status: {status_label(record.status)})."
    when = f"Discharged at {clock(record.discharged_at)}" if timed else "Discharged"
    where = {
        "home": " home.",
        "emergency_department": " to the emergency department (a transfer; not recorded as an admission).",
        "admitted": " and admitted to hospital" + (f": {record.disposition_text}." if record.disposition_text else "."),
        "other": f" elsewhere: {record.disposition_text}.",
    }.get(record.disposition or "", "; where the patient went is not recorded.")
    return when + where


def _rate_changes(record: SessionRecord) -> list[EventRecord]:
    """Rate changes from the first reaction's onset on (a slower rate may be a dose reduced for the event)."""
    if not record.reactions:
        return []
    onset = record.reactions[0].onset_at
    return [e for e in record.events if e.kind == "rate_change" and e.rate_ml_h is not None and e.at >= onset]


def _course(record: SessionRecord, clock: Clock) -> tuple[Happening, ...]:
    """What happened to the infusion, in time order; what the record holds without a time comes last."""
    if record.started_at is None:
        return (Happening(None, "The infusion was not started."),
                Happening(record.discharged_at, _discharge_words(record, clock, timed=False)))
    happened = [Happening(record.started_at, "Infusion started.")]
    happened += [Happening(e.at, f"Rate changed to {decimal_text(e.rate_ml_h)} mL/h.") for e in _rate_changes(record)]
    happened += [Happening(p.at, _sentence(_pause_words(p, r, clock, timed=False))) for p, r in pauses(record)]
    end = _end_words(record, clock, timed=False)
    happened.append(Happening(record.ended_at, _sentence(end)) if end
                    else Happening(None, f"Not ended on the record (status: {status_label(record.status)})."))
    happened += [Happening(None, _sentence(text)) for text in _uncharted_stops(record, clock)]
    happened.append(Happening(record.discharged_at, _discharge_words(record, clock, timed=False)))
    return tuple(sorted(happened, key=lambda h: (h.at is None, h.at or record.started_at)))


def _interruption(record: SessionRecord, clock: Clock) -> tuple[bool, str]:
    facts = [_pause_words(p, r, clock) for p, r in pauses(record)]
    if record.full_dose is False and record.ended_at is not None:
        facts.append(_end_words(record, clock))
    facts += _uncharted_stops(record, clock)
    if facts:
        return True, "Yes: " + "; ".join(facts) + "."
    if record.started_at is None:
        return False, "The infusion was not started."
    ended = _end_words(record, clock) or "it has not been ended on the record"
    return False, ("No: no pause was charted and no reaction was recorded as pausing or stopping it; "
                   + ended + ".")


# --- the outcome boxes ------------------------------------------------------------------------------------------

def _serious_outcomes(record: SessionRecord, tz: tzinfo, clock: Clock) -> tuple[Box, ...]:
    deaths = [r for r in record.reactions if r.grade == 5]
    grade_4 = [r for r in record.reactions if r.grade == 4]
    anaphylaxis = rules.anaphylaxis_criteria(record, tz)
    threatening = [f"grade 4 (life-threatening) recorded for {_labels(grade_4)}"] if grade_4 else []
    threatening += [f.message.removeprefix("Serious: ") for f in anaphylaxis]
    emergency = [r for r in record.reactions if r.action == "emergency_response"]
    judgment = []
    if emergency:
        judgment.append(f"an emergency response was recorded for {_labels(emergency)}")
    if record.disposition == "emergency_department":
        judgment.append("the patient was transferred to the emergency department")
    # Serious for another reason (an important medical event, 21 CFR 312.32) is a medical judgment: the
    # draft names what the record holds toward it and leaves the box to the supervisor.
    why = {
        "death": (f"Grade 5 (death) recorded for {_labels(deaths)}; the date of death is not recorded."
                  if deaths else "No reaction is graded 5 (death)."),
        "life_threatening": (_sentence("; ".join(threatening)) if threatening
                             else "No reaction is graded 4 and the anaphylaxis criteria are not met."),
        "hospitalization": _hospitalization_why(record, clock),
        "disability": "Not recorded in Chairside: for you to decide.",
        "congenital_anomaly": "Not recorded in Chairside: for you to decide.",
        "other_serious": (("Consider it: " + "; ".join(judgment) + ". Whether this is an important medical "
                           "event is a medical judgment, not the record's.") if judgment
                          else "Not decided from the record: for you to decide."),
        "required_intervention": "For device reports; not decided from the record.",
    }
    ticked = {"death": bool(deaths), "life_threatening": bool(threatening),
              "hospitalization": record.disposition == "admitted"}
    return tuple(Box(code, words, ticked.get(code, False), why[code]) for code, words in OUTCOMES)


def _hospitalization_why(record: SessionRecord, clock: Clock) -> str:
    if record.disposition == "admitted":
        return _discharge_words(record, clock)
    if record.disposition == "emergency_department":
        return (f"Transferred to the emergency department at {clock(record.discharged_at)}; that alone is not "
                "an admission. Tick this box if the hospital admitted the patient.")
    if record.discharged_at is None:
        return "Not discharged yet on the record."
    return _discharge_words(record, clock) + " Not admitted on the record."


def _recovery(record: SessionRecord, clock: Clock) -> tuple[Box, ...]:
    reactions = record.reactions
    unresolved = [r for r in reactions if r.resolved_at is None]
    # The reason stands beside the box the record supports; the other box is left without one.
    if any(r.grade == 5 for r in reactions):
        why = "A reaction is graded 5 (death): see Death above."
        recovered, not_recovered = (False, why), (False, "")
    elif not reactions:
        why = "No reaction was charted: the serious finding is in the vital signs, which have no resolved time."
        recovered, not_recovered = (False, ""), (True, why)
    elif unresolved:
        why = f"No resolved time for {_labels(unresolved)}."
        recovered, not_recovered = (False, ""), (True, why)
    else:
        last = max(reactions, key=lambda r: r.resolved_at)
        why = f"Every reaction has a resolved time; the last, {last.label}, at {clock(last.resolved_at)}."
        recovered, not_recovered = (True, why), (False, "")
    (recovered_code, recovered_words), (not_code, not_words) = RECOVERY
    return (Box(recovered_code, recovered_words, *recovered), Box(not_code, not_words, *not_recovered))


# --- dechallenge and rechallenge ----------------------------------------------------------------------------------

def _treatments(reactions: list[ReactionRecord]) -> list[str]:
    given = []
    for r in reactions:
        if r.medication:
            given.append(f"“{r.medication}” for {r.label}")
        elif r.action in TREATING_ACTIONS:
            given.append(f"{ACTION_WORDS[r.action].lower()} for {r.label}")
    return given


def _dechallenge(record: SessionRecord, stop: Stop | None, clock: Clock) -> Answer:
    if not record.reactions:
        return Answer(None, "No reaction was charted, so no resolved time to compare with a stop.")
    if stop is None:
        if _uncharted_stops(record, clock):
            return Answer(None, "The infusion was recorded as paused or stopped for a reaction, but no pause or "
                                "early end was charted with its time.")
        ended = _end_words(record, clock)
        rates = [f"{decimal_text(e.rate_ml_h)} mL/h at {clock(e.at)}" for e in _rate_changes(record)]
        return Answer(None, "The infusion was not paused or ended early after the reaction began"
                            + (f" (it {ended})" if ended else "") + "."
                            + (f" The rate was changed to {', then '.join(rates)}: whether that was a dose reduced "
                               "for the event is for you to judge." if rates else ""))
    concerned = [r for r in record.reactions if stop.resumed_at is None or r.onset_at < stop.resumed_at]
    open_ = [r for r in concerned if r.resolved_at is None]
    if open_:
        return Answer(None, f"The infusion was {stop.words}, but there is no resolved time for {_labels(open_)}.")
    after = [r for r in concerned if r.resolved_at > stop.at]
    if not after:
        return Answer(None, f"Every reaction had resolved before the infusion was {stop.words}.")
    last = max(after, key=lambda r: r.resolved_at)
    why = (f"The infusion was {stop.words}; every reaction resolved, the last ({last.label}) at "
           f"{clock(last.resolved_at)}.")
    treated = _treatments(concerned)
    if treated:
        why += (" Treatment was given as well (" + "; ".join(treated) + "), so stopping was not the only "
                "change.")
    return Answer(YES, why)


def _rechallenge(record: SessionRecord, stop: Stop | None, clock: Clock) -> Answer:
    if stop is None:
        return Answer(DOES_NOT_APPLY, "The infusion was not stopped for the event, so nothing was reintroduced.")
    if stop.resumed_at is None:
        return Answer(DOES_NOT_APPLY, f"The infusion was {stop.words} and not restarted at this visit.")
    again = [r for r in record.reactions if r.onset_at >= stop.resumed_at]
    restarted = f"The infusion was {stop.words} and resumed at {clock(stop.resumed_at)}"
    if again:
        first = again[0]
        return Answer(YES, f"{restarted}; {first.label} began at {clock(first.onset_at)} after it.")
    if record.discharged_at is not None:
        return Answer(NO, f"{restarted}; no reaction was charted after it up to discharge at "
                          f"{clock(record.discharged_at)}.")
    return Answer(None, f"{restarted}; no reaction charted after it so far (not discharged yet).")


# --- all of it ----------------------------------------------------------------------------------------------------

def assess(record: SessionRecord, tz: tzinfo) -> Assessment:
    """Decide what the draft says about the session: each tick and answer from its standing entries."""
    clean = rules.without_voided(record)
    flags = rules.evaluate(clean, tz)
    day_of = clean.started_at or clean.created_at
    clock = Clock(tz, day_of.astimezone(tz).date() if day_of else None)
    stop = first_stop(clean, clock)
    interrupted, interruption = _interruption(clean, clock)
    return Assessment(
        event_began_at=event_began(clean, flags), interrupted=interrupted, interruption=interruption,
        course=_course(clean, clock), outcomes=_serious_outcomes(clean, tz, clock), recovery=_recovery(clean, clock),
        dechallenge=_dechallenge(clean, stop, clock), rechallenge=_rechallenge(clean, stop, clock),
        headlines=rules.headlines(flags),
    )
