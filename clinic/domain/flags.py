"""The flag rules of SPEC §5, each a small named function over a session's plain record.

Sources are in DOMAIN.md: reactions and their groups and systems (§2), CTCAE
grades (§3), anaphylaxis criteria (§4), NEWS2 and vital-sign ranges (§5).
Voided entries are dropped before any rule runs, so they raise nothing.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal

from ..formatting import decimal_text
from . import news2
from .catalog import GRADES
from .records import ReactionRecord, SessionRecord, VitalsRecord

SERIOUS, WARNING = "serious", "warning"
ANAPHYLAXIS_SYSTEMS = ("skin_mucosal", "respiratory", "circulatory", "gastrointestinal")
SYSTEM_WORDS = {"skin_mucosal": "skin/mucosal", "respiratory": "respiratory", "circulatory": "circulatory",
                "gastrointestinal": "gastrointestinal"}
FEVER_C = Decimal("38.0")
HYPOTENSION_SYSTOLIC = 90
HYPOXAEMIA_SPO2 = 91
HYPERTENSION_SYSTOLIC = 180
HYPERTENSION_DIASTOLIC = 110
NEWS2_NOT_VALIDATED_AGE = 16
ANAPHYLAXIS_ACTION = ("Stop the infusion; call the emergency team or 911; epinephrine per protocol; "
                      "oxygen; lay the patient flat.")
HYPOTENSION_ACTION = "Pause or stop the infusion, lay the patient flat, recheck the BP and call the provider."
HYPERTENSION_ACTION = ("Recheck after 5 minutes at rest; hold or slow the infusion per protocol; "
                       "tell the prescriber.")

# SPEC §5: flags are listed most severe first, in this order, everywhere they are stored and shown.
SEVERITY_ORDER = (
    "anaphylaxis_criteria", "emergency_response", "hypotension", "news2_urgent", "serious_reaction", "high_grade",
    "news2_raised", "hypertension_severe", "fever", "moderate_reaction", "infusion_interrupted",
    "premedication_missed", "observation_shortened", "retreat_override", "interval_short", "dose_changed",
)
_RANK = {code: rank for rank, code in enumerate(SEVERITY_ORDER)}

# Advice that keeps the infusion going (slow it, restart it). Beside a serious flag, whose advice is to
# stop or pause and get help, it would contradict it (SPEC §5: no "restart at half rate" beside an
# anaphylaxis), so while one stands these flags carry the advice below instead.
ADVICE_WHILE_SERIOUS = {
    "moderate_reaction": "Treat and tell the prescriber; do not restart the infusion while a serious flag stands.",
    "infusion_interrupted": "Treat and tell the prescriber; do not restart the infusion while a serious flag "
                            "stands.",
    "hypertension_severe": "Recheck after 5 minutes at rest and tell the prescriber; do not restart or speed up "
                           "the infusion while a serious flag stands.",
}


@dataclass(frozen=True)
class Evidence:
    kind: str  # vitals | reaction | event | premedication | session
    id: int | None
    at: datetime | None
    value: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "at": self.at.isoformat() if self.at else None,
                "value": self.value}

    @classmethod
    def from_dict(cls, d: dict) -> Evidence:
        """Read back what `to_dict` stored."""
        at = d.get("at")
        return cls(d["kind"], d.get("id"), datetime.fromisoformat(at) if at else None, d.get("value", ""))


@dataclass(frozen=True)
class Flag:
    code: str
    level: str
    message: str
    evidence: tuple[Evidence, ...]
    action: str = ""

    @property
    def key(self) -> str:
        """Identify the flag by its rule and the entries behind it (a new key means a new finding)."""
        return self.code + ":" + ",".join(f"{e.kind}{e.id}" for e in self.evidence)

    def to_dict(self) -> dict:
        return {"code": self.code, "level": self.level, "message": self.message, "action": self.action,
                "evidence": [e.to_dict() for e in self.evidence]}

    @classmethod
    def from_dict(cls, d: dict) -> Flag:
        """Read back a stored flag (its `key` is derived, so it is not read)."""
        return cls(d["code"], d["level"], d["message"], tuple(Evidence.from_dict(e) for e in d.get("evidence", ())),
                   d.get("action", ""))


def _hhmm(at: datetime | None, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%H:%M") if at else "an unknown time"


def _grade_action(grade: int) -> str:
    return next((g.nurse_action for g in GRADES if g.grade == grade), "")


def watched_from(record: SessionRecord) -> datetime | None:
    """When low blood pressure and SpO₂ begin to count: the first premedication given or the start,
    whichever is earlier (SPEC §5, DOMAIN.md §4); None before either."""
    times = [p.given_at for p in record.premedications if p.given_at is not None]
    if record.started_at is not None:
        times.append(record.started_at)
    return min(times, default=None)


def _watched(since: datetime | None, at: datetime) -> bool:
    return since is not None and at >= since


def baseline_systolic(record: SessionRecord) -> int | None:
    """The systolic of the last baseline reading (by time) with one, taken before the start (SPEC §5)."""
    if record.started_at is None:
        return None
    readings = [v for v in record.vitals
                if v.phase == "baseline" and v.systolic is not None and v.taken_at < record.started_at]
    return max(readings, key=lambda v: (v.taken_at, v.id)).systolic if readings else None


def _low_systolic(systolic: int | None, baseline: int | None) -> str | None:
    """Say why a systolic counts as low: below 90, or more than 30 % below baseline (exact integers)."""
    if systolic is None:
        return None
    if systolic < HYPOTENSION_SYSTOLIC:
        return f"below {HYPOTENSION_SYSTOLIC}"
    if baseline is not None and 10 * (baseline - systolic) > 3 * baseline:
        return f"more than 30 % below the baseline {baseline}"
    return None


# --- reaction rules (DOMAIN.md §2, §3) --------------------------------------------------------------------------

def _reaction_evidence(r: ReactionRecord) -> Evidence:
    return Evidence("reaction", r.id, r.onset_at, f"{r.label}, grade {r.grade}, action {r.action}")


def serious_reaction(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """A reaction from the catalog's serious group is ticked (SPEC §5; DOMAIN.md §2)."""
    return [Flag("serious_reaction", SERIOUS,
                 f"Serious: {r.label} at {_hhmm(r.onset_at, tz)} — act now",
                 (_reaction_evidence(r),), _grade_action(max(r.grade, 3)))
            for r in record.reactions if r.group == "serious"]


def high_grade(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """Any reaction graded 3 or higher (CTCAE v5, DOMAIN.md §3)."""
    return [Flag("high_grade", SERIOUS,
                 f"Serious: grade {r.grade} reaction — {r.label} at {_hhmm(r.onset_at, tz)}",
                 (_reaction_evidence(r),), _grade_action(r.grade))
            for r in record.reactions if r.grade >= 3]


def emergency_response(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """A reaction's action taken is emergency response: epinephrine, 911/EMS, ED transfer (SPEC §5)."""
    return [Flag("emergency_response", SERIOUS,
                 f"Serious: emergency response for {r.label} at {_hhmm(r.onset_at, tz)}",
                 (_reaction_evidence(r),), _grade_action(4))
            for r in record.reactions if r.action == "emergency_response"]


def moderate_reaction(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """Any reaction graded 2 (CTCAE v5, DOMAIN.md §3)."""
    return [Flag("moderate_reaction", WARNING,
                 f"Warning: grade 2 reaction — {r.label} at {_hhmm(r.onset_at, tz)}",
                 (_reaction_evidence(r),), _grade_action(2))
            for r in record.reactions if r.grade == 2]


def infusion_interrupted(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """A reaction's action is paused or stopped, or a pause was recorded as due to a reaction (SPEC §5)."""
    flags = [Flag("infusion_interrupted", WARNING,
                  f"Warning: infusion {'paused' if r.action == 'paused' else 'stopped'} for {r.label} "
                  f"at {_hhmm(r.onset_at, tz)}", (_reaction_evidence(r),), _grade_action(2))
             for r in record.reactions if r.action in ("paused", "stopped")]
    flags += [Flag("infusion_interrupted", WARNING,
                   f"Warning: infusion paused because of a reaction at {_hhmm(e.at, tz)}"
                   + (f": {e.reason}" if e.reason else ""),
                   (Evidence("event", e.id, e.at, e.reason or "pause due to reaction"),), _grade_action(2))
              for e in record.events if e.kind == "pause" and e.due_to_reaction]
    return flags


# --- vital-sign rules (DOMAIN.md §4, §5) -----------------------------------------------------------------------

def _systolic_evidence(v: VitalsRecord) -> Evidence:
    return Evidence("vitals", v.id, v.taken_at, f"systolic {v.systolic} mmHg")


def hypotension(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """Systolic < 90 mmHg, or more than 30 % below the baseline systolic, in a reading taken at or
    after the first premedication given or the start, whichever is earlier (SPEC §5)."""
    baseline = baseline_systolic(record)
    since = watched_from(record)
    flags = []
    for v in record.vitals:
        why = _low_systolic(v.systolic, baseline) if _watched(since, v.taken_at) else None
        if why:
            flags.append(Flag("hypotension", SERIOUS,
                              f"Serious: systolic {v.systolic} mmHg at {_hhmm(v.taken_at, tz)}, {why}",
                              (_systolic_evidence(v),), HYPOTENSION_ACTION))
    return flags


def _blood_pressure(v: VitalsRecord) -> str:
    if v.systolic is not None and v.diastolic is not None:
        return f"blood pressure {v.systolic}/{v.diastolic} mmHg"
    return f"systolic {v.systolic} mmHg" if v.systolic is not None else f"diastolic {v.diastolic} mmHg"


def hypertension_severe(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """Systolic ≥ 180 or diastolic ≥ 110 mmHg: severe hypertension (DOMAIN.md §5; NEWS2 scores no
    systolic below 220 and no diastolic). Every reading counts, the baseline included: a pressure
    this high before the start matters as much as one during it."""
    flags = []
    for v in record.vitals:
        why = []
        if v.systolic is not None and v.systolic >= HYPERTENSION_SYSTOLIC:
            why.append(f"systolic {HYPERTENSION_SYSTOLIC} or higher")
        if v.diastolic is not None and v.diastolic >= HYPERTENSION_DIASTOLIC:
            why.append(f"diastolic {HYPERTENSION_DIASTOLIC} or higher")
        if why:
            reading = _blood_pressure(v)
            flags.append(Flag("hypertension_severe", WARNING,
                              f"Warning: {reading} at {_hhmm(v.taken_at, tz)} — severe hypertension "
                              f"({' and '.join(why)})",
                              (Evidence("vitals", v.id, v.taken_at, reading),), HYPERTENSION_ACTION))
    return flags


MAX_NAMED = 3  # a message names this many pieces of evidence per system, then counts the rest


def _named(found: list[tuple[Evidence, str]]) -> str:
    # Readings beyond the first carry no words: `_first_and_lowest` has summed them up already.
    words = [w for _, w in found if w]
    more = len(words) - MAX_NAMED
    return ", ".join(words[:MAX_NAMED]) + (f" and {more} more" if more > 0 else "")


def _first_and_lowest(low: list[tuple[Evidence, str, int]]) -> str:
    """Name a run of low readings by its first and its lowest, so the headline stays one line however
    many readings follow (SPEC §5: one headline per event; the full list is under it)."""
    first = low[0]
    if len(low) == 1:
        return first[1]
    lowest = min(low, key=lambda f: f[2])
    later = len(low) - 1
    words = f"{first[1]} and {later} later {'reading' if later == 1 else 'readings'}"
    return words + (f", lowest {lowest[1]}" if lowest is not first else "")


def anaphylaxis_criteria(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """Two or more of four systems involved, or swelling in the mouth or throat (DOMAIN.md §4).

    Systems come from ticked reactions of any time of the visit (a reaction to a premedication,
    before the start, counts) and from readings taken from the first premedication given or the
    start, whichever is earlier: circulatory for a low systolic, respiratory for SpO₂ ≤ 91 %.
    Throat irritation has no system and is not laryngeal. The flag's evidence is everything that
    involved a system, so the event reads as one (SPEC §5's headline).
    """
    involved: dict[str, list[tuple[Evidence, str]]] = {}
    readings: dict[str, list[tuple[Evidence, str, int]]] = {}  # low values, named first and worst
    laryngeal: list[tuple[Evidence, str]] = []
    for r in record.reactions:
        found = (_reaction_evidence(r), f"{r.label} at {_hhmm(r.onset_at, tz)}")
        if "laryngeal" in r.systems:
            laryngeal.append(found)
        for system in r.systems:
            if system in ANAPHYLAXIS_SYSTEMS:
                involved.setdefault(system, []).append(found)
    baseline = baseline_systolic(record)
    since = watched_from(record)
    for v in record.vitals:
        if not _watched(since, v.taken_at):
            continue
        if _low_systolic(v.systolic, baseline):
            readings.setdefault("circulatory", []).append(
                (_systolic_evidence(v), f"systolic {v.systolic} mmHg at {_hhmm(v.taken_at, tz)}", v.systolic))
        if v.spo2 is not None and v.spo2 <= HYPOXAEMIA_SPO2:
            readings.setdefault("respiratory", []).append(
                (Evidence("vitals", v.id, v.taken_at, f"SpO2 {v.spo2} %"), f"SpO₂ {v.spo2} % at {_hhmm(v.taken_at, tz)}",
                 v.spo2))
    for system, low in readings.items():
        found = involved.setdefault(system, [])
        found.append((low[0][0], _first_and_lowest(low)))
        found.extend((e, "") for e, _, _ in low[1:])  # still evidence, already summed up in words
    systems = [s for s in ANAPHYLAXIS_SYSTEMS if s in involved]
    if not laryngeal and len(systems) < 2:
        return []
    if laryngeal:
        swelling = {e for e, _ in laryngeal}
        besides = {s: [f for f in involved[s] if f[0] not in swelling] for s in systems}
        also = [f"{SYSTEM_WORDS[s]} ({_named(found)})" for s, found in besides.items() if found]
        message = (f"Serious: anaphylaxis criteria met — swelling in the mouth or throat ({_named(laryngeal)})"
                   + (f"; also {' and '.join(also)} involved" if also else ""))
    else:
        message = ("Serious: anaphylaxis criteria met — "
                   + " and ".join(f"{SYSTEM_WORDS[s]} ({_named(involved[s])})" for s in systems) + " involved")
    evidence = dict.fromkeys(e for e, _ in laryngeal)
    evidence.update(dict.fromkeys(e for s in systems for e, _ in involved[s]))
    return [Flag("anaphylaxis_criteria", SERIOUS, message, tuple(evidence), ANAPHYLAXIS_ACTION)]


def _news2_caveat(record: SessionRecord, v: VitalsRecord, tz: tzinfo) -> str:
    notes = []
    if record.patient.age_on(v.taken_at.astimezone(tz).date()) < NEWS2_NOT_VALIDATED_AGE:
        notes.append("NEWS2 is not validated for patients under 16.")
    if record.patient.pregnant:
        notes.append("NEWS2 is not validated in pregnancy.")
    return (" " + " ".join(notes)) if notes else ""


def _news2_message(prefix: str, s: news2.News2Score, v: VitalsRecord, tz: tzinfo, caveat: str) -> str:
    words = news2.PARAMETER_WORDS
    scale = " (SpO₂ scale 2)" if s.scale == 2 else ""
    scored = "; ".join(f"{news2.reading_words(v, name)} scores {points}"
                       for name, points in s.parameters.items() if points)
    missing = f" Not measured: {', '.join(words[name] for name in s.missing)}." if s.missing else ""
    unscored = (f" Not scored without air or oxygen recorded: {', '.join(words[name] for name in s.unscored)}."
                if s.unscored else "")
    return (f"{prefix}: NEWS2 {s.total}{scale} at {_hhmm(v.taken_at, tz)} ({scored}) — {s.band_text}."
            f"{missing}{unscored}{caveat}")


def _news2_flag(record: SessionRecord, v: VitalsRecord, s: news2.News2Score, tz: tzinfo, urgent: bool) -> Flag:
    scored = ", ".join(f"{news2.PARAMETER_WORDS[k]} {p}" for k, p in s.parameters.items() if p)
    scale = ", SpO2 scale 2" if s.scale == 2 else ""
    evidence = (Evidence("vitals", v.id, v.taken_at, f"NEWS2 {s.total} ({scored}{scale})"),)
    return Flag("news2_urgent" if urgent else "news2_raised", SERIOUS if urgent else WARNING,
                _news2_message("Serious" if urgent else "Warning", s, v, tz, _news2_caveat(record, v, tz)),
                evidence, s.band_text)


def news2_flags(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """Both NEWS2 rules in one pass: each reading is scored once (RCP; DOMAIN.md §5). Baseline included.
    SpO₂ is scored on scale 2 when the patient's record says so, on scale 1 otherwise.

    Urgent: NEWS2 ≥ 5, or 3 in a single parameter. Raised: 1–4 with some parameter scoring 2 and none 3.
    """
    urgent, raised = [], []
    for v in record.vitals:
        s = news2.score(v, record.patient.spo2_scale)
        if s.total >= 5 or s.max_single >= 3:
            urgent.append(_news2_flag(record, v, s, tz, urgent=True))
        elif 1 <= s.total <= 4 and s.max_single == 2:
            raised.append(_news2_flag(record, v, s, tz, urgent=False))
    return urgent + raised


def fever(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """Temperature ≥ 38.0 °C (CTCAE fever grade 1 starts at 38.0; DOMAIN.md §3)."""
    return [Flag("fever", WARNING,
                 f"Warning: temperature {v.temperature_c} °C at {_hhmm(v.taken_at, tz)}, 38.0 or higher",
                 (Evidence("vitals", v.id, v.taken_at, f"{v.temperature_c} °C"),),
                 "Recheck, look for a reaction or infection, tell the prescriber.")
            for v in record.vitals if v.temperature_c is not None and Decimal(v.temperature_c) >= FEVER_C]


# --- process rules -----------------------------------------------------------------------------------------------

def premedication_missed(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """A required premedication was recorded as not given (SPEC §4.2, §5)."""
    return [Flag("premedication_missed", WARNING,
                 f"Warning: required premedication not given — {p.text}: {p.not_given_reason}",
                 (Evidence("premedication", p.id, p.charted_at, p.not_given_reason or ""),),
                 "Watch closely for an infusion reaction; tell the prescriber.")
            for p in record.premedications if p.required and p.not_given_reason]


def observation_shortened(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """Discharged before the required observation period ended (SPEC §4.5)."""
    if record.discharged_at is None or record.ended_at is None:
        return []
    ends = record.observation_ends_at or record.ended_at + timedelta(minutes=record.observation_minutes)
    if record.discharged_at >= ends:
        return []
    reason = f" Reason: {record.early_reason}" if record.early_reason else ""
    return [Flag("observation_shortened", WARNING,
                 f"Warning: discharged at {_hhmm(record.discharged_at, tz)}, before the observation period "
                 f"ended at {_hhmm(ends, tz)}.{reason}",
                 (Evidence("session", record.id, record.discharged_at, record.early_reason or ""),),
                 "Make sure the patient knows what to watch for and whom to call.")]


def _overridden(kind: str, code: str, what: str, action: str):
    def rule(record: SessionRecord, tz: tzinfo) -> list[Flag]:
        return [Flag(code, WARNING, f"Warning: {what} on {o.prescriber}'s override — {o.reason}. ({o.why})",
                     (Evidence("session", record.id, record.created_at, o.reason),), action)
                for o in record.overrides if o.kind == kind]
    rule.__name__ = code
    rule.__doc__ = f"Checked in {what} on a prescriber's override (SPEC §4.1, §5)."
    return rule


retreat_override = _overridden("retreat", "retreat_override", "against a do-not-re-treat alert",
                               "Confirm the prescriber's decision is documented; watch closely for a reaction.")
interval_short = _overridden("interval", "interval_short", "before the protocol's earliest date",
                             "Confirm the prescriber's decision is documented.")


def dose_changed(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """The dose differs from the protocol's by more than 10 % (DOMAIN.md §1.1; the reason is in the message)."""
    protocol = record.protocol_dose
    if protocol is None or 10 * abs(record.dose - protocol) <= protocol:
        return []
    return [Flag("dose_changed", WARNING,
                 f"Warning: dose {decimal_text(record.dose)} {record.dose_unit}, the protocol's is {decimal_text(protocol)} "
                 f"{record.dose_unit} — reason: {record.dose_reason or 'not given'}",
                 (Evidence("session", record.id, record.created_at, f"{decimal_text(record.dose)} {record.dose_unit}"),),
                 "Check the order and the reason before starting.")]


Rule = Callable[[SessionRecord, tzinfo], list[Flag]]
RULES: tuple[Rule, ...] = (
    serious_reaction, high_grade, emergency_response, anaphylaxis_criteria, hypotension,
    news2_flags,  # urgent ones, then raised ones
    hypertension_severe, fever, moderate_reaction, infusion_interrupted, premedication_missed,
    observation_shortened, retreat_override, interval_short, dose_changed,
)


def without_voided(record: SessionRecord) -> SessionRecord:
    """Drop voided entries: they stay on the record but raise nothing (SPEC §3, §5)."""
    return dataclasses.replace(
        record,
        vitals=tuple(sorted((v for v in record.vitals if not v.voided), key=lambda v: (v.taken_at, v.id))),
        reactions=tuple(sorted((r for r in record.reactions if not r.voided), key=lambda r: (r.onset_at, r.id))),
        events=tuple(sorted((e for e in record.events if not e.voided), key=lambda e: (e.at, e.id))),
        premedications=tuple(sorted((p for p in record.premedications if not p.voided), key=lambda p: p.id)),
    )


def _field(flag: Flag | dict, name: str):
    """A flag's field, from a Flag or from a stored flag (a dict)."""
    return flag[name] if isinstance(flag, dict) else getattr(flag, name)


def severity_rank(flag: Flag | dict) -> int:
    """The flag's place in SPEC §5's order, most severe first (a code not in it goes last)."""
    return _RANK.get(_field(flag, "code"), len(SEVERITY_ORDER))


def in_severity_order(flags: Iterable) -> list:
    """Return the flags (Flags or stored dicts) most severe first; a rule's own flags keep their order."""
    return sorted(flags, key=severity_rank)


def _consistent(flag: Flag, serious_stands: bool) -> Flag:
    advice = ADVICE_WHILE_SERIOUS.get(flag.code) if serious_stands else None
    return dataclasses.replace(flag, action=advice) if advice else flag


def evaluate(record: SessionRecord, tz: tzinfo = timezone.utc) -> tuple[Flag, ...]:
    """Run every rule once; return the flags most severe first (SPEC §5), each with advice that
    agrees with the most severe flag standing."""
    clean = without_voided(record)
    flags = in_severity_order(flag for rule in RULES for flag in rule(clean, tz))
    serious_stands = is_serious(flags)
    return tuple(_consistent(f, serious_stands) for f in flags)


def is_serious(flags) -> bool:
    """Tell whether any flag (a Flag or a stored dict) is serious."""
    return any(_field(f, "level") == SERIOUS for f in flags)


# --- one headline per clinical event (SPEC §5) ---------------------------------------------------------------------

@dataclass(frozen=True)
class Headline:
    """The most severe flag of one clinical event, with the flags that share its evidence under it."""

    lead: Flag
    others: tuple[Flag, ...]
    action: str

    @property
    def level(self) -> str:
        return self.lead.level

    @property
    def message(self) -> str:
        return self.lead.message

    @property
    def flags(self) -> tuple[Flag, ...]:
        return (self.lead, *self.others)

    @property
    def advice(self) -> str:
        """What to do, unless the message already says it (NEWS2's advice is its band, which its message names)."""
        return "" if self.action and self.action in self.lead.message else self.action

    @property
    def title(self) -> str:
        """The headline in a line, for the top of the page: an anaphylaxis names its systems and evidence in
        the Flags list, not above the Now panel, where it pushed the next action down (issue 23)."""
        if self.lead.code == "anaphylaxis_criteria":
            return self.lead.message.split(" — ")[0]
        if self.lead.code in ("news2_urgent", "news2_raised"):  # the points of each parameter: in the Flags list
            return _NEWS2_POINTS.sub("", self.lead.message, count=1)
        return self.lead.message

    @property
    def folded(self) -> tuple[Fold, ...]:
        """The flags under the lead, those of one rule folded into one line (SPEC §5; issue 23: eleven low
        readings gave eleven lines)."""
        by_code: dict[str, list[Flag]] = {}
        for f in self.others:
            by_code.setdefault(f.code, []).append(f)
        return tuple(Fold(tuple(flags)) for flags in by_code.values())


# The parenthesis of a NEWS2 message that lists each parameter's points ("(heart rate 112 /min scores 2; …)").
_NEWS2_POINTS = re.compile(r" \([^()]*\bscores \d[^()]*\)")


# How a run of one rule's readings is summed up: its words, the number that makes one reading worse than
# another (read from the evidence), and whether lower is worse.
_FOLD_WORDS = {
    "hypotension": ("Serious: low systolic", r"systolic (\d+)", "lowest", " mmHg"),
    "news2_urgent": ("Serious: NEWS2 urgent", r"NEWS2 (\d+)", "highest", ""),
    "news2_raised": ("Warning: NEWS2 raised", r"NEWS2 (\d+)", "highest", ""),
    "fever": ("Warning: temperature 38.0 or higher", r"([\d.]+) °C", "highest", " °C"),
    "hypertension_severe": ("Warning: severe hypertension", r"(\d+)", "highest", " mmHg"),
}


@dataclass(frozen=True)
class Fold:
    """One rule's flags under a headline, as one line: the first, how many later, and the worst."""

    flags: tuple[Flag, ...]

    @property
    def code(self) -> str:
        return self.flags[0].code

    @property
    def first(self) -> Flag:
        return self.flags[0]

    @property
    def later(self) -> int:
        return len(self.flags) - 1

    @property
    def words(self) -> str:
        return _FOLD_WORDS[self.code][0] if self.code in _FOLD_WORDS else self.first.message

    @property
    def first_at(self) -> datetime | None:
        return self.first.evidence[0].at if self.first.evidence else None

    @property
    def worst(self) -> tuple[str, str, datetime | None] | None:
        """("lowest", "82 mmHg", when) for a rule of readings with more than one; None otherwise."""
        if self.code not in _FOLD_WORDS or not self.later:
            return None
        _, pattern, which, unit = _FOLD_WORDS[self.code]
        valued = [(Decimal(m.group(1)), f.evidence[0]) for f in self.flags
                  if f.evidence and (m := re.search(pattern, f.evidence[0].value))]
        if not valued:
            return None
        value, evidence = (min if which == "lowest" else max)(valued, key=lambda v: v[0])
        return which, f"{value}{unit}", evidence.at


def _evidence_keys(flag: Flag) -> set[tuple]:
    # An entry is one piece of evidence whichever rule cites it; evidence without an id is its own.
    return {(e.kind, e.id) if e.id is not None else (e.kind, id(e)) for e in flag.evidence}


def headlines(flags: Iterable[Flag]) -> tuple[Headline, ...]:
    """Group flags that share evidence (directly or through another flag) under the most severe of
    them; headlines come most severe first, each with advice consistent with the most severe flag
    standing (no "restart at half rate" beside an anaphylaxis or an emergency)."""
    ordered = in_severity_order(flags)
    groups: list[list[Flag]] = []
    keys: list[set[tuple]] = []
    for flag in ordered:
        mine = _evidence_keys(flag)
        joined = [i for i, seen in enumerate(keys) if seen & mine]
        if not joined:
            groups.append([flag])
            keys.append(mine)
            continue
        first = joined[0]
        for i in reversed(joined[1:]):  # this flag links events seen apart until now: one event
            groups[first] += groups.pop(i)
            keys[first] |= keys.pop(i)
        groups[first].append(flag)
        keys[first] |= mine
    serious_stands = is_serious(ordered)
    result = []
    for group in groups:
        members = in_severity_order(group)
        lead = _consistent(members[0], serious_stands)
        result.append(Headline(lead, tuple(_consistent(f, serious_stands) for f in members[1:]), lead.action))
    return tuple(sorted(result, key=lambda h: severity_rank(h.lead)))


# Never behind a "more" link on any screen (SPEC §5).
NEVER_HIDDEN = frozenset({"anaphylaxis_criteria", "emergency_response"})


@dataclass(frozen=True)
class Glance:
    """What a list shows of a session's flags: some headlines, and how many more there are."""

    shown: tuple[Headline, ...]
    more: int


def stored_headlines(stored: Iterable[dict]) -> tuple[Headline, ...]:
    """The headlines of a session's stored flags (`InfusionSession.flags`), most severe first."""
    return headlines(Flag.from_dict(f) for f in stored)


def at_a_glance(stored: Iterable[dict | Flag], limit: int = 3) -> Glance:
    """The headlines a short list (the chair board, a queue row) shows of a session's flags, stored or not:
    most severe first, one per clinical event, at most `limit` of them, except that an anaphylaxis or
    emergency headline is always shown, whatever the limit (SPEC §5: never behind a "more" link)."""
    all_headlines = headlines(f if isinstance(f, Flag) else Flag.from_dict(f) for f in stored)
    shown = tuple(h for i, h in enumerate(all_headlines) if i < limit or h.lead.code in NEVER_HIDDEN)
    return Glance(shown, len(all_headlines) - len(shown))
