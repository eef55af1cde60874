"""The catalog as data: drugs (DOMAIN.md §1), reactions (§2) and CTCAE grades (§3).

Frozen dataclasses with stable codes. `flask catalog load` copies them into the
database as versioned definitions; a session keeps the version it was recorded
with, so editing this file or the catalog screen never rewrites history.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Check:
    code: str
    prompt: str
    stop_text: str

    def to_dict(self) -> dict:
        return {"code": self.code, "prompt": self.prompt, "stop_text": self.stop_text}


@dataclass(frozen=True)
class Premedication:
    code: str
    text: str
    required: bool
    # Inclusive ranges of infusion numbers where it is required; empty: every infusion.
    required_infusions: tuple[tuple[int, int | None], ...] = ()

    def is_required_for(self, infusion_number: int) -> bool:
        """Tell whether this premedication is required before infusion `infusion_number`."""
        if not self.required:
            return False
        if not self.required_infusions:
            return True
        return any(lo <= infusion_number and (hi is None or infusion_number <= hi)
                   for lo, hi in self.required_infusions)

    def to_dict(self) -> dict:
        return {"code": self.code, "text": self.text, "required": self.required,
                "required_infusions": [list(r) for r in self.required_infusions]}

    @classmethod
    def from_dict(cls, d: dict) -> Premedication:
        return cls(d["code"], d["text"], bool(d["required"]),
                   tuple((lo, hi) for lo, hi in d.get("required_infusions", ())))


@dataclass(frozen=True)
class Drug:
    code: str
    brand: str
    generic: str
    category: str
    default_dose: Decimal
    dose_unit: str
    regimen: str
    infusion_time: str
    # ((from infusion number, minutes), ...): the last step at or below n applies.
    observation: tuple[tuple[int, int], ...]
    next_due_rule: str
    checks: tuple[Check, ...] = ()
    premedications: tuple[Premedication, ...] = ()
    warning_signs: tuple[str, ...] = ()
    rxnorm: str | None = None
    active: bool = True

    def observation_minutes(self, infusion_number: int) -> int:
        """Return the required observation after infusion `infusion_number` (DOMAIN.md §1)."""
        minutes = 0
        for start, value in self.observation:
            if infusion_number >= start:
                minutes = value
        return minutes

    def required_premedications(self, infusion_number: int) -> tuple[str, ...]:
        """Return the codes of the premedications required before this infusion."""
        return tuple(p.code for p in self.premedications if p.is_required_for(infusion_number))

    def to_dict(self) -> dict:
        return {
            "code": self.code, "brand": self.brand, "generic": self.generic, "category": self.category,
            "default_dose": str(self.default_dose), "dose_unit": self.dose_unit, "regimen": self.regimen,
            "infusion_time": self.infusion_time, "observation": [list(s) for s in self.observation],
            "next_due_rule": self.next_due_rule, "checks": [c.to_dict() for c in self.checks],
            "premedications": [p.to_dict() for p in self.premedications],
            "warning_signs": list(self.warning_signs), "rxnorm": self.rxnorm, "active": self.active,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Drug:
        return cls(
            code=d["code"], brand=d["brand"], generic=d["generic"], category=d["category"],
            default_dose=Decimal(d["default_dose"]), dose_unit=d["dose_unit"], regimen=d["regimen"],
            infusion_time=d["infusion_time"], observation=tuple((n, m) for n, m in d["observation"]),
            next_due_rule=d["next_due_rule"], checks=tuple(Check(**c) for c in d.get("checks", ())),
            premedications=tuple(Premedication.from_dict(p) for p in d.get("premedications", ())),
            warning_signs=tuple(d.get("warning_signs", ())), rxnorm=d.get("rxnorm"),
            active=d.get("active", True),
        )


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


NO_INFECTION = Check(
    "no_active_infection", "No active infection (patient asked and assessed today)",
    "Delay the infusion until the infection has resolved; tell the prescriber.")

ANTI_CD20_WARNINGS = (
    "Watch for signs of infection: fever, chills, a cough that won't go away, or pain when you pass urine.",
    "Watch for cold sores or shingles (a painful rash with blisters).",
)

_METHYLPRED_100 = Premedication("methylprednisolone_100", "Methylprednisolone 100 mg IV about 30 minutes before",
                                True)
_ANTIHISTAMINE = Premedication("antihistamine", "Antihistamine (e.g. diphenhydramine) 30–60 minutes before", True)
_ANTIPYRETIC_OPTIONAL = Premedication("antipyretic", "Antipyretic (e.g. acetaminophen) 30–60 minutes before", False)

DRUGS: tuple[Drug, ...] = (
    Drug(
        code="ocrelizumab", brand="Ocrevus", generic="ocrelizumab", category="disease_modifying",
        default_dose=Decimal("300"), dose_unit="mg",
        regimen="300 mg, then 300 mg 2 weeks later; then 600 mg every 24 weeks (doses at least 20 weeks apart).",
        infusion_time="about 2.5 h (300 mg); about 3.5 h or 2 h (600 mg)",
        observation=((1, 60),), next_due_rule="anti_cd20", checks=(NO_INFECTION,),
        premedications=(_METHYLPRED_100, _ANTIHISTAMINE, _ANTIPYRETIC_OPTIONAL),
        warning_signs=ANTI_CD20_WARNINGS, rxnorm="1876366",
    ),
    Drug(
        code="ublituximab", brand="Briumvi", generic="ublituximab-xiiy", category="disease_modifying",
        default_dose=Decimal("150"), dose_unit="mg",
        regimen="150 mg on day 1, 450 mg on day 15, then 450 mg every 24 weeks from the first infusion.",
        infusion_time="about 4 h the first time, about 1 h after that",
        observation=((1, 60), (3, 0)), next_due_rule="anti_cd20",
        checks=(NO_INFECTION, Check(
            "pregnancy_status", "Pregnancy status verified (if of child-bearing potential)",
            "Do not infuse until pregnancy status is known; contact the prescriber.")),
        premedications=(
            Premedication("corticosteroid", "Corticosteroid (methylprednisolone 100 mg or dexamethasone "
                                            "10–20 mg) 30–60 minutes before", True),
            _ANTIHISTAMINE, _ANTIPYRETIC_OPTIONAL),
        warning_signs=ANTI_CD20_WARNINGS, rxnorm=None,
    ),
    Drug(
        code="natalizumab", brand="Tysabri", generic="natalizumab", category="disease_modifying",
        default_dose=Decimal("300"), dose_unit="mg",
        regimen="300 mg every 4 weeks, infused over about 1 hour; never a push or bolus.",
        infusion_time="about 1 h", observation=((1, 60),), next_due_rule="every_4_weeks",
        checks=(
            Check("touch_authorized", "TOUCH authorization checked: patient shown as \"Authorized\"",
                  "STOP – DO NOT INFUSE. Contact the prescriber and the TOUCH Prescribing Program."),
            Check("touch_checklist", "TOUCH pre-infusion checklist answered: no new or worsening neurological "
                                     "symptoms, no immunosuppressing conditions or medicines, no steroids",
                  "Any \"yes\": do not infuse; contact the prescriber before infusing."),
        ),
        premedications=(),
        warning_signs=(
            "Call your doctor right away for new or worse weakness, clumsiness, trouble walking, vision changes, "
            "trouble speaking, or changes in thinking or personality. These can be signs of PML, a rare brain "
            "infection.",
            "Call us for eye pain or redness.",
            "Call us for yellow skin or eyes, or dark urine.",
        ),
        rxnorm="354770",
    ),
    Drug(
        code="alemtuzumab", brand="Lemtrada", generic="alemtuzumab", category="disease_modifying",
        default_dose=Decimal("12"), dose_unit="mg",
        regimen="Course 1: 12 mg a day for 5 days in a row. Course 2: 12 mg a day for 3 days, 12 months later.",
        infusion_time="about 4 h", observation=((1, 120),), next_due_rule="alemtuzumab_course",
        checks=(
            Check("lemtrada_rems", "Lemtrada REMS: patient enrolled and authorized",
                  "Do not infuse; contact the prescriber and the Lemtrada REMS program."),
            Check("monthly_labs", "Monthly labs current (CBC, creatinine, urinalysis)",
                  "Do not infuse until current labs are available; contact the prescriber."),
            Check("herpes_prophylaxis", "Oral herpes prophylaxis taken from day 1 of the course",
                  "Contact the prescriber before infusing."),
        ),
        premedications=(
            Premedication("methylprednisolone_1g", "Methylprednisolone 1 g IV right before the infusion", True,
                          ((1, 3), (6, 8))),
            Premedication("antihistamine", "Antihistamine before the infusion", False),
            Premedication("antipyretic", "Antipyretic before the infusion", False),
        ),
        warning_signs=(
            "In the first 3 days, call 911 for signs of a stroke: sudden numbness or weakness on one side, "
            "confusion, trouble speaking or seeing, loss of balance, or a sudden very bad headache or neck pain.",
            "Call us for easy bruising, bleeding that is hard to stop, or small red or purple spots on the skin.",
            "Call us for swollen legs or feet, or blood in your urine.",
            "Keep your monthly blood and urine tests.",
        ),
        rxnorm="117055",
    ),
    Drug(
        code="ivig", brand="IVIG", generic="immune globulin", category="supportive",
        default_dose=Decimal("30"), dose_unit="g",
        regimen="Per order, often every 4–5 weeks; 2–3 hours per infusion.",
        infusion_time="2–3 h", observation=((1, 60), (2, 20)), next_due_rule="none",
        checks=(Check("hydration", "Patient well hydrated; thrombosis and kidney risk reviewed",
                      "Hydrate first and tell the prescriber about any risk."),),
        premedications=(),
        warning_signs=(
            "Call us for a very bad headache or a stiff neck.",
            "Call us if you pass less urine or it is darker.",
            "Call us for leg swelling or pain.",
            "Call 911 for chest pain or shortness of breath.",
        ),
        rxnorm=None,
    ),
    Drug(
        code="methylprednisolone", brand="Solu-Medrol", generic="methylprednisolone sodium succinate",
        category="supportive", default_dose=Decimal("1000"), dose_unit="mg",
        regimen="Relapse: 500–1,000 mg a day for 3–5 days.",
        infusion_time="at least 30 min (rapid high doses risk arrhythmia)", observation=((1, 15),),
        next_due_rule="none",
        checks=(Check("bp_pulse", "Blood pressure and pulse checked before the infusion",
                      "Record BP and pulse first; tell the prescriber if they are abnormal."),),
        premedications=(),
        warning_signs=(
            "You may have trouble sleeping or mood changes.",
            "Call us for signs of high blood sugar: thirst or passing urine often.",
            "A metallic taste and an upset stomach are common.",
            "Call us for swelling of your hands or feet.",
        ),
        rxnorm="6902",
    ),
    Drug(
        code="rituximab", brand="Rituxan", generic="rituximab", category="disease_modifying",
        default_dose=Decimal("1000"), dose_unit="mg",
        regimen="Off-label in MS: 1,000 mg on day 1 and day 15, then about every 24 weeks (per order).",
        infusion_time="first: 50 mg/h, +50 every 30 min to 400; later: 100 mg/h, +100 every 30 min to 400",
        observation=((1, 60),), next_due_rule="anti_cd20", checks=(NO_INFECTION,),
        premedications=(
            _METHYLPRED_100,
            Premedication("acetaminophen", "Acetaminophen 30–60 minutes before", True),
            _ANTIHISTAMINE,
        ),
        warning_signs=ANTI_CD20_WARNINGS, rxnorm="121191",
    ),
    Drug(
        code="cyclophosphamide", brand="Cyclophosphamide", generic="cyclophosphamide", category="disease_modifying",
        default_dose=Decimal("1000"), dose_unit="mg",
        regimen="Off-label in MS: per order (e.g. 700 mg/m² monthly); the dose needs weight and height.",
        infusion_time="per order", observation=((1, 30),), next_due_rule="none",
        checks=(Check("hydration", "Patient well hydrated before the infusion",
                      "Hydrate first; tell the prescriber."),),
        premedications=(),
        warning_signs=(
            "Call us for blood in your urine.",
            "Call us for fever or other signs of infection.",
            "Call us if you keep vomiting.",
            "Drink plenty of fluids.",
        ),
        rxnorm="3002",
    ),
)

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

GENERAL_WARNING_SIGNS = (
    "A reaction can still start up to 24 hours after the infusion.",
    "Watch for itching, rash, hives, flushing, fever, headache, throat irritation or tiredness.",
)

CALL_911_TEXT = ("Call 911 right away for trouble breathing, swelling of the mouth, lips or throat, chest pain, "
                 "fainting, or signs of a stroke.")

_DRUGS_BY_CODE = {d.code: d for d in DRUGS}
_REACTIONS_BY_CODE = {r.code: r for r in REACTIONS}


def drug_by_code(code: str) -> Drug:
    """Return the catalog drug with this code (KeyError if none)."""
    return _DRUGS_BY_CODE[code]


def reaction_by_code(code: str) -> Reaction:
    """Return the catalog reaction with this code (KeyError if none)."""
    return _REACTIONS_BY_CODE[code]
