"""Plain words for patients (the visit summary): no jargon, short sentences."""
from __future__ import annotations

GRADE_WORDS = {1: "mild", 2: "moderate", 3: "severe", 4: "life-threatening", 5: "fatal"}

ACTION_SENTENCES = {
    "none": "It went away without treatment.",
    "rate_slowed": "We slowed the drip down.",
    "paused": "We paused the infusion.",
    "stopped": "We stopped the infusion.",
    "medication_given": "We gave you medicine for it.",
    "emergency_response": "We gave emergency care.",
}


# What a premedication is, for the patient's summary; codes not listed print the catalog's text.
PREMEDICATION_WORDS = {
    "methylprednisolone_100": "A steroid medicine (methylprednisolone) to help prevent a reaction",
    "methylprednisolone_1g": "A steroid medicine (methylprednisolone) to help prevent a reaction",
    "corticosteroid": "A steroid medicine to help prevent a reaction",
    "antihistamine": "An allergy medicine (antihistamine)",
    "antipyretic": "A fever and pain medicine (such as acetaminophen)",
    "acetaminophen": "A fever and pain medicine (acetaminophen)",
}


def premedication_words(code: str, catalog_text: str) -> str:
    """Name a premedication in plain words."""
    return PREMEDICATION_WORDS.get(code, catalog_text)


def grade_word(grade: int) -> str:
    """Say how strong a reaction was."""
    return GRADE_WORDS.get(grade, "unknown")


def action_sentence(action: str) -> str:
    """Say what was done about a reaction."""
    return ACTION_SENTENCES.get(action, "")


def format_duration(minutes: int) -> str:
    """Say a length of time in hours and minutes ("1 hour 30 minutes")."""
    hours, rest = divmod(max(int(minutes), 0), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("s" if hours != 1 else ""))
    if rest or not hours:
        parts.append(f"{rest} minute" + ("s" if rest != 1 else ""))
    return " ".join(parts)
