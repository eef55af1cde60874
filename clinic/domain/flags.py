"""The flag rules of SPEC §5, each a small named function over a session's plain record.

Sources are in DOMAIN.md: reactions and their groups and systems (§2), CTCAE
grades (§3), anaphylaxis criteria (§4), NEWS2 and vital-sign ranges (§5).
Voided entries are dropped before any rule runs, so they raise nothing.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal

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
NEWS2_NOT_VALIDATED_AGE = 16
ANAPHYLAXIS_ACTION = ("Stop the infusion; call the emergency team or 911; epinephrine per protocol; "
                      "oxygen; lay the patient flat.")
HYPOTENSION_ACTION = "Pause or stop the infusion, lay the patient flat, recheck the BP and call the provider."


@dataclass(frozen=True)
class Evidence:
    kind: str  # vitals | reaction | event | premedication | session
    id: int | None
    at: datetime | None
    value: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "at": self.at.isoformat() if self.at else None,
                "value": self.value}


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


def _hhmm(at: datetime | None, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%H:%M") if at else "an unknown time"


def _grade_action(grade: int) -> str:
    return next((g.nurse_action for g in GRADES if g.grade == grade), "")


def _started(record: SessionRecord, at: datetime) -> bool:
    return record.started_at is not None and at >= record.started_at


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

def hypotension(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """Systolic < 90 mmHg, or more than 30 % below the baseline systolic, at or after the start (SPEC §5)."""
    baseline = baseline_systolic(record)
    flags = []
    for v in record.vitals:
        why = _low_systolic(v.systolic, baseline) if _started(record, v.taken_at) else None
        if why:
            flags.append(Flag("hypotension", SERIOUS,
                              f"Serious: systolic {v.systolic} mmHg at {_hhmm(v.taken_at, tz)}, {why}",
                              (Evidence("vitals", v.id, v.taken_at, f"systolic {v.systolic} mmHg"),),
                              HYPOTENSION_ACTION))
    return flags


def anaphylaxis_criteria(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """Two or more of four systems involved, or swelling in the mouth or throat (DOMAIN.md §4).

    Systems come from ticked reactions (their catalog systems) and from vitals
    taken at or after the start: circulatory for a low systolic, respiratory
    for SpO₂ ≤ 91 %. Throat irritation has no system and is not laryngeal.
    """
    involved: dict[str, list[Evidence]] = {}
    laryngeal = []
    for r in record.reactions:
        if not _started(record, r.onset_at):
            continue
        for system in r.systems:
            if system == "laryngeal":
                laryngeal.append(_reaction_evidence(r))
            elif system in ANAPHYLAXIS_SYSTEMS:
                involved.setdefault(system, []).append(_reaction_evidence(r))
    baseline = baseline_systolic(record)
    for v in record.vitals:
        if not _started(record, v.taken_at):
            continue
        if _low_systolic(v.systolic, baseline):
            involved.setdefault("circulatory", []).append(
                Evidence("vitals", v.id, v.taken_at, f"systolic {v.systolic} mmHg"))
        if v.spo2 is not None and v.spo2 <= HYPOXAEMIA_SPO2:
            involved.setdefault("respiratory", []).append(Evidence("vitals", v.id, v.taken_at, f"SpO2 {v.spo2} %"))
    if laryngeal:
        first = min(laryngeal, key=lambda e: (e.at, e.id))
        return [Flag("anaphylaxis_criteria", SERIOUS,
                     f"Serious: anaphylaxis criteria met — swelling in the mouth or throat at {_hhmm(first.at, tz)}",
                     tuple(laryngeal), ANAPHYLAXIS_ACTION)]
    if len(involved) >= 2:
        systems = [s for s in ANAPHYLAXIS_SYSTEMS if s in involved]
        evidence = tuple(e for s in systems for e in involved[s])
        return [Flag("anaphylaxis_criteria", SERIOUS,
                     "Serious: anaphylaxis criteria met — " + " and ".join(SYSTEM_WORDS[s] for s in systems)
                     + " involved", evidence, ANAPHYLAXIS_ACTION)]
    return []


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _news2_caveat(record: SessionRecord, v: VitalsRecord, tz: tzinfo) -> str:
    notes = []
    if _age_on(record.patient.date_of_birth, v.taken_at.astimezone(tz).date()) < NEWS2_NOT_VALIDATED_AGE:
        notes.append("NEWS2 is not validated for patients under 16.")
    if record.patient.pregnant:
        notes.append("NEWS2 is not validated in pregnancy.")
    return (" " + " ".join(notes)) if notes else ""


def _news2_message(prefix: str, s: news2.News2Score, v: VitalsRecord, tz: tzinfo, caveat: str) -> str:
    words = news2.PARAMETER_WORDS
    missing = f" Not measured: {', '.join(words[name] for name in s.missing)}." if s.missing else ""
    return f"{prefix}: NEWS2 {s.total} at {_hhmm(v.taken_at, tz)} — {s.band_text}.{missing}{caveat}"


def _news2_flag(record: SessionRecord, v: VitalsRecord, s: news2.News2Score, tz: tzinfo, urgent: bool) -> Flag:
    scored = ", ".join(f"{news2.PARAMETER_WORDS[k]} {p}" for k, p in s.parameters.items() if p)
    evidence = (Evidence("vitals", v.id, v.taken_at, f"NEWS2 {s.total} ({scored})"),)
    return Flag("news2_urgent" if urgent else "news2_raised", SERIOUS if urgent else WARNING,
                _news2_message("Serious" if urgent else "Warning", s, v, tz, _news2_caveat(record, v, tz)),
                evidence, s.band_text)


def news2_flags(record: SessionRecord, tz: tzinfo) -> list[Flag]:
    """Both NEWS2 rules in one pass: each reading is scored once (RCP; DOMAIN.md §5). Baseline included.

    Urgent: NEWS2 ≥ 5, or 3 in a single parameter. Raised: 1–4 with some parameter scoring 2 and none 3.
    """
    urgent, raised = [], []
    for v in record.vitals:
        s = news2.score(v)
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


Rule = Callable[[SessionRecord, tzinfo], list[Flag]]
RULES: tuple[Rule, ...] = (
    serious_reaction, high_grade, emergency_response, anaphylaxis_criteria, hypotension,
    news2_flags,  # urgent ones, then raised ones
    fever, moderate_reaction, infusion_interrupted, premedication_missed, observation_shortened,
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


def evaluate(record: SessionRecord, tz: tzinfo = timezone.utc) -> tuple[Flag, ...]:
    """Run every rule once; serious flags first, then in rule order."""
    clean = without_voided(record)
    flags = [flag for rule in RULES for flag in rule(clean, tz)]
    return tuple(sorted(flags, key=lambda f: f.level != SERIOUS))


def is_serious(flags) -> bool:
    """Tell whether any flag is serious."""
    return any(f.level == SERIOUS for f in flags)
