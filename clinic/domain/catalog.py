"""The catalog as data: drugs (DOMAIN.md §1), reactions (§2) and CTCAE grades (§3).

Frozen dataclasses with stable codes. `flask catalog load` copies them into the
database as versioned definitions; a session keeps the version it was recorded
with, so editing this file or the catalog screen never rewrites history.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .drug_data import DRUGS
from .protocols import Drug

__all__ = ["ACTIONS", "DRUGS", "GRADES", "REACTIONS", "REACTION_GROUPS", "Drug", "Grade", "Reaction", "drug_by_code",
           "reaction_by_code"]


@dataclass(frozen=True)
class Reaction:
    code: str
    label: str
    group: str
    systems: frozenset[str] = field(default_factory=frozenset)
    help: str = ""

    def to_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "group": self.group, "systems": sorted(self.systems),
                "help": self.help}

    @classmethod
    def from_dict(cls, d: dict) -> Reaction:
        return cls(d["code"], d["label"], d["group"], frozenset(d.get("systems", ())), d.get("help", ""))


@dataclass(frozen=True)
class Grade:
    grade: int
    wording: str
    nurse_action: str


_SKIN = frozenset({"skin_mucosal"})
REACTIONS: tuple[Reaction, ...] = (
    Reaction("itching", "Itching", "infusion_reaction", _SKIN, "Itchy skin anywhere."),
    Reaction("rash", "Rash", "infusion_reaction", _SKIN, "New redness or spots on the skin."),
    Reaction("hives", "Hives", "infusion_reaction", _SKIN, "Raised, itchy welts."),
    Reaction("flushing", "Redness of the face (flushing)", "infusion_reaction", _SKIN, "Warm, red face or neck."),
    Reaction("throat_irritation", "Throat irritation or pain", "infusion_reaction", frozenset(),
             "Scratchy or sore throat without swelling (not laryngeal involvement)."),
    Reaction("fever", "Fever", "infusion_reaction", frozenset(), "Feels hot; record the temperature."),
    Reaction("fatigue", "Fatigue", "infusion_reaction", frozenset(), "Unusual tiredness."),
    Reaction("headache", "Headache", "infusion_reaction", frozenset(), "New or worse headache."),
    Reaction("chills", "Chills", "infusion_reaction", frozenset(), "Shivering or feeling cold."),
    Reaction("nausea", "Nausea", "infusion_reaction", frozenset(), "Feeling sick to the stomach."),
    Reaction("vomiting", "Vomiting or stomach cramps", "infusion_reaction", frozenset({"gastrointestinal"}),
             "Vomiting or crampy belly pain."),
    Reaction("dizziness", "Dizziness or lightheadedness", "infusion_reaction", frozenset(),
             "Feeling faint or unsteady; check the blood pressure."),
    Reaction("back_pain", "Back pain", "side_effect", frozenset(), "New back pain."),
    # Angioedema: CTCAE counts it as grade 3, so it is serious, not a side effect (DOMAIN.md §2).
    Reaction("swelling_face", "Swelling of the face, lips or eyelids", "serious", _SKIN,
             "Puffy face, lips or eyelids (angioedema): act now."),
    Reaction("swelling_limbs", "Swelling of the arms, hands, legs or feet", "side_effect", frozenset(),
             "Swollen limbs."),
    Reaction("blurred_vision", "Blurred vision", "side_effect", frozenset(), "New blurred vision."),
    Reaction("body_aches", "Body aches or pain", "side_effect", frozenset(), "Aching muscles or joints."),
    Reaction("chest_tightness", "Chest tightness", "side_effect", frozenset({"respiratory"}),
             "Tight feeling in the chest; check breathing and SpO₂."),
    Reaction("swelling_mouth_throat", "Swelling in the mouth or throat", "serious",
             frozenset({"skin_mucosal", "laryngeal"}), "Swollen tongue, lips or throat: act now."),
    Reaction("trouble_breathing", "Trouble breathing or wheezing", "serious", frozenset({"respiratory"}),
             "Short of breath, wheeze or stridor: act now."),
    Reaction("chest_pain", "Chest pain", "serious", frozenset(), "Chest pain: act now."),
    Reaction("fainting", "Fainting", "serious", frozenset({"circulatory"}), "Passed out or collapsed: act now."),
    Reaction("infection_signs", "Signs of infection", "serious", frozenset(),
             "Fever with chills, or other signs of infection."),
)

GRADES: tuple[Grade, ...] = (
    Grade(1, "Mild transient reaction; infusion interruption not indicated; intervention not indicated",
          "Stay at the chair, vitals every 15 min; anti-CD20: halve the rate for at least 30 min."),
    Grade(2, "Therapy or infusion interruption indicated but responds promptly to symptomatic treatment "
             "(e.g. antihistamines, NSAIDs, narcotics, IV fluids); prophylactic medications indicated for "
             "≤ 24 h",
          "Pause or slow, treat, tell the prescriber, restart at half rate."),
    Grade(3, "Prolonged (not rapidly responsive to symptomatic medication and/or brief interruption); "
             "recurrence after initial improvement; hospitalization indicated for clinical sequelae",
          "Stop, provider at the chair, emergency medicines and oxygen."),
    Grade(4, "Life-threatening consequences; urgent intervention indicated",
          "Stop, emergency team/911, epinephrine if anaphylaxis."),
    Grade(5, "Death", "—"),
)

REACTION_GROUPS = (
    ("infusion_reaction", "Infusion reactions"),
    ("side_effect", "Side effects"),
    ("serious", "Serious — act now"),
)

ACTIONS = (
    ("none", "No action"),
    ("rate_slowed", "Rate slowed"),
    ("paused", "Infusion paused"),
    ("stopped", "Infusion stopped"),
    ("medication_given", "Medication given"),
    ("emergency_response", "Emergency response (epinephrine, 911/EMS, ED transfer)"),
)

_DRUGS_BY_CODE = {d.code: d for d in DRUGS}
_REACTIONS_BY_CODE = {r.code: r for r in REACTIONS}


def drug_by_code(code: str) -> Drug:
    """Return the catalog drug with this code (KeyError if none)."""
    return _DRUGS_BY_CODE[code]


def reaction_by_code(code: str) -> Reaction:
    """Return the catalog reaction with this code (KeyError if none)."""
    return _REACTIONS_BY_CODE[code]
