"""Plain words for patients (the visit summary): no jargon, short sentences.

Every sentence here is an English gettext message id, marked with `N_` so that `pybabel extract` finds it;
the summary translates it into the patient's language when it prints (clinic/translations/). Nothing here
pastes words into a sentence: a sentence with a gap names the gap (`%(time)s`) so a translator can move it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal


def N_(message: str) -> str:
    """Mark a message for translation; it is translated where it is printed."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark a message with a context (pgettext) for translation; it is translated where it is printed."""
    return message


GRADE_SENTENCES = {1: N_("It was mild."), 2: N_("It was moderate."), 3: N_("It was severe."),
                   4: N_("It was life-threatening."), 5: N_("It was life-threatening.")}

ACTION_SENTENCES = {
    "none": N_("It went away without treatment."),
    "rate_slowed": N_("We slowed the drip down."),
    "paused": N_("We paused the infusion."),
    "stopped": N_("We stopped the infusion."),
    "medication_given": N_("We gave you medicine for it."),
    "emergency_response": N_("We gave you emergency care."),
}

# A reaction as the patient would say it, to fit "At 2:35 PM, you had ___." (catalog codes, DOMAIN.md §2).
REACTION_WORDS = {
    "itching": N_("itching"),
    "rash": N_("a rash"),
    "hives": N_("hives (raised, itchy bumps)"),
    "flushing": N_("a red, warm face (flushing)"),
    "throat_irritation": N_("a sore or scratchy throat"),
    "fever": N_("a fever"),
    "fatigue": N_("a lot of tiredness"),
    "headache": N_("a headache"),
    "chills": N_("chills"),
    "nausea": N_("an upset stomach (nausea)"),
    "vomiting": N_("throwing up or stomach cramps"),
    "dizziness": N_("dizziness"),
    "back_pain": N_("back pain"),
    "swelling_face": N_("swelling of the face, lips or eyelids"),
    "swelling_limbs": N_("swelling of the arms, hands, legs or feet"),
    "blurred_vision": N_("blurry vision"),
    "body_aches": N_("body aches"),
    "chest_tightness": N_("a tight feeling in the chest"),
    "swelling_mouth_throat": N_("swelling in the mouth or throat"),
    "trouble_breathing": N_("trouble breathing or wheezing"),
    "chest_pain": N_("chest pain"),
    "fainting": N_("fainting"),
    "infection_signs": N_("signs of an infection"),
}
A_REACTION = N_("a reaction")  # a reaction the catalog added later, without patient words yet

# What a premedication is, for the patient's summary (catalog codes, DOMAIN.md §1.2).
PREMEDICATION_WORDS = {
    "methylprednisolone_100": N_("A steroid medicine (methylprednisolone) to help prevent a reaction"),
    "methylprednisolone_1g": N_("A steroid medicine (methylprednisolone) to help prevent a reaction"),
    "corticosteroid": N_("A steroid medicine to help prevent a reaction"),
    "dexamethasone": N_("A steroid medicine (dexamethasone) to help prevent a reaction"),
    "antihistamine": N_("An allergy medicine (antihistamine)"),
    "antipyretic": N_("A fever and pain medicine (such as acetaminophen)"),
    "acetaminophen": N_("A fever and pain medicine (acetaminophen)"),
    "ondansetron": N_("A medicine to stop nausea (ondansetron)"),
}
A_MEDICINE_BEFORE = N_("A medicine to help prevent a reaction")

# The medicines a nurse writes down for a reaction, recognised in the nurse's shorthand
# ("Epinephrine 0.3 mg IM; O2 4 L NC; NS bolus 500 mL") and named for the patient. Order: as written.
MEDICINE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"\b(epi-?pen|epi(nephrine)?|adrenalin[e]?)\b", N_("a shot of epinephrine (adrenaline)")),
    (r"\b(o2|oxygen)\b", N_("oxygen")),
    (r"\b(ns|normal saline|saline|lr|lactated ringer'?s?|iv fluids?|fluid bolus|bolus)\b",
     N_("fluids through your IV")),
    (r"\b(diphenhydramine|benadryl|dph)\b", N_("an allergy medicine (diphenhydramine)")),
    (r"\b(cetirizine|zyrtec)\b", N_("an allergy medicine (cetirizine)")),
    (r"\b(loratadine|desloratadine|fexofenadine|hydroxyzine|antihistamine)\b", N_("an allergy medicine")),
    (r"\b(famotidine|pepcid|ranitidine)\b", N_("a stomach medicine (famotidine)")),
    (r"\b(methylpred(nisolone)?|solu[- ]?medrol|medrol)\b", N_("a steroid medicine (methylprednisolone)")),
    (r"\b(hydrocortisone|solu[- ]?cortef|dexamethasone|decadron|prednisone|steroids?)\b",
     N_("a steroid medicine")),
    (r"\b(acetaminophen|paracetamol|tylenol|apap)\b", N_("a fever and pain medicine (acetaminophen, Tylenol)")),
    (r"\b(ibuprofen|motrin|advil|ketorolac|toradol)\b", N_("a pain medicine (ibuprofen or a similar one)")),
    (r"\b(albuterol|salbutamol|ventolin|duoneb|nebuli[sz]er)\b", N_("a breathing medicine (albuterol)")),
    (r"\b(ondansetron|zofran)\b", N_("a medicine to stop nausea (ondansetron)")),
    (r"\b(prochlorperazine|compazine|metoclopramide|reglan)\b", N_("a medicine to stop nausea")),
    (r"\b(ntg|nitroglycerin|nitro)\b", N_("a medicine for chest pain (nitroglycerin)")),
    (r"\b(meperidine|demerol)\b", N_("a medicine to stop shaking chills (meperidine)")),
    (r"\b(glucagon)\b", N_("a heart medicine (glucagon)")),
)
OTHER_MEDICINE = N_("another medicine (ask us which one)")  # besides the ones named
A_MEDICINE = N_("a medicine (ask us which one)")  # when no medicine of the note could be named


def medicines_in_words(shorthand: str | None) -> tuple[str, ...]:
    """Name, in plain words, each medicine a nurse's note records (never the note itself).

    A note with a medicine not recognised still says that a medicine was given, without naming it:
    the patient may ask, and nothing of the nurse's shorthand is printed.
    """
    if not shorthand or not shorthand.strip():
        return ()
    text = shorthand.lower()
    found: list[tuple[int, str]] = []
    for pattern, words in MEDICINE_PATTERNS:
        match = re.search(pattern, text)
        if match and words not in (w for _, w in found):
            found.append((match.start(), words))
    words = tuple(w for _, w in sorted(found))
    rest = text
    for pattern, _ in MEDICINE_PATTERNS:
        rest = re.sub(pattern, " ", rest)
    # What is left once the medicines are taken out: doses, units, routes. A word of letters beyond those
    # is a medicine we do not know.
    leftover = [w for w in re.findall(r"[a-z][a-z-]{2,}", rest) if w not in _SHORTHAND_WORDS]
    if not words:
        return (A_MEDICINE,)
    return words + ((OTHER_MEDICINE,) if leftover else ())


_SHORTHAND_WORDS = frozenset(
    "mg mcg iv im po sc sq subq nc neb via min mins minute minutes hour hours times dose doses once twice "
    "given and with then per prn stat repeat repeated push over bolus ml liters litre liter puffs puff mask "
    "nasal cannula units unit kg total at for the of x sl ivp ivpb inh neb nebs".split())


def premedication_words(code: str) -> str:
    """Name a premedication in plain words (a code not listed: a medicine to help prevent a reaction)."""
    return PREMEDICATION_WORDS.get(code, A_MEDICINE_BEFORE)


def reaction_words(code: str) -> str:
    """Say what the reaction was, as the patient would."""
    return REACTION_WORDS.get(code, A_REACTION)


def grade_sentence(grade: int) -> str:
    """Say how strong a reaction was."""
    return GRADE_SENTENCES.get(grade, GRADE_SENTENCES[3])


def action_sentence(action: str) -> str:
    """Say what was done about a reaction."""
    return ACTION_SENTENCES.get(action, "")


DISPOSITION_SENTENCES = {
    "emergency_department": N_("You were taken to the emergency department."),
    "admitted": N_("You were admitted to the hospital."),
    "other": N_("You did not go home from the center. Your care team will tell you what happens next."),
}


def disposition_sentence(disposition: str | None) -> str | None:
    """Where the patient went, when it was not home."""
    return DISPOSITION_SENTENCES.get(disposition or "home")


def fahrenheit(celsius: Decimal) -> Decimal:
    """°C to °F, to one decimal (36.8 -> 98.2)."""
    return (Decimal(celsius) * 9 / 5 + 32).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- Vital signs, summed up as first / lowest or highest / last ---------------------------------------------

@dataclass(frozen=True)
class Reading:
    at: datetime
    value: tuple  # (systolic, diastolic) for blood pressure; (value,) otherwise


@dataclass(frozen=True)
class VitalLine:
    """One measure over the visit: its first and last readings and the one furthest from the first."""

    measure: str  # blood_pressure | heart_rate | resp_rate | temperature | spo2
    first: Reading
    last: Reading
    extreme: Reading | None  # None when no reading differs from the first and last
    extreme_is_low: bool = False


# How far a reading must be from both the first and the last to be worth its own column: smaller changes are
# the usual wobble of a measure and would only be noise for the patient.
NOTABLE_CHANGE = {"blood_pressure": 10, "heart_rate": 10, "resp_rate": 4, "temperature": Decimal("0.5"), "spo2": 2}

# For a tie, the direction that matters more for the measure (a falling blood pressure or oxygen level).
_LOW_FIRST = {"blood_pressure": True, "spo2": True, "heart_rate": False, "resp_rate": False, "temperature": False}


def _readings(vitals, measure: str) -> list[Reading]:
    if measure == "blood_pressure":
        return [Reading(v.taken_at, (v.systolic, v.diastolic)) for v in vitals
                if v.systolic is not None and v.diastolic is not None]
    attribute = {"temperature": "temperature_c"}.get(measure, measure)
    return [Reading(v.taken_at, (getattr(v, attribute),)) for v in vitals if getattr(v, attribute) is not None]


def vitals_summary(vitals) -> tuple[VitalLine, ...]:
    """Each measure taken, as its first, its lowest or highest (the one furthest from the first, when it is
    notably apart from both the first and the last) and its last reading; voided readings are left out."""
    kept = sorted((v for v in vitals if not v.voided), key=lambda v: v.taken_at)
    lines = []
    for measure in ("blood_pressure", "heart_rate", "resp_rate", "temperature", "spo2"):
        readings = _readings(kept, measure)
        if not readings:
            continue
        first, last = readings[0], readings[-1]
        base = first.value[0]
        low = min(readings, key=lambda r: (r.value[0], r.at))
        high = max(readings, key=lambda r: (r.value[0], -r.at.timestamp()))
        drop, rise = base - low.value[0], high.value[0] - base
        low_wins = drop > rise or (drop == rise and _LOW_FIRST[measure])
        extreme = low if low_wins else high
        if min(abs(extreme.value[0] - base), abs(extreme.value[0] - last.value[0])) < NOTABLE_CHANGE[measure]:
            extreme = None  # nothing beyond the first and the last worth saying
        lines.append(VitalLine(measure, first, last, extreme, low_wins))
    return tuple(lines)


def chart_helps(lines: tuple[VitalLine, ...], count: int) -> bool:
    """A chart of blood pressure and heart rate helps when there are enough readings and they moved: a top
    number 20 or more from the first, or a heart rate 20 or more from the first."""
    if count < 3:
        return False
    for line in lines:
        if line.measure in ("blood_pressure", "heart_rate") and line.extreme is not None:
            if abs(line.extreme.value[0] - line.first.value[0]) >= 20:
                return True
    return False
