"""The drugs' protocols as data: every row of DOMAIN.md §1, each with its source key and the day it was checked.

`flask catalog load` copies these into the database as catalog versions; an admin edits them on the
catalog screen (a new version each save), and a session keeps the version it was checked in with.
Where DOMAIN.md marks a number *center protocol*, no label sets it: the row keeps the label's source key and
says so in its note. Rates are mL/h (mL/kg/h in a plan per kg).
"""
from __future__ import annotations

from decimal import Decimal

from .protocols import (
    Check, Courses, Dose, Drug, Infusions, Interval, NextDue, Observation, Premedication, Product, ProtocolRow,
    RatePlan, RateStep, RetreatRule, WarningSign,
)

CHECKED_ON = "2026-12-05"  # the day these rows were checked against DOMAIN.md §1 and its sources


def _d(value) -> Decimal:
    return Decimal(str(value))


def steps(*pairs) -> tuple[RateStep, ...]:
    """(rate, minutes) pairs; the last rate runs to the end."""
    return tuple(RateStep(_d(rate), minutes) for rate, minutes in pairs[:-1]) + (RateStep(_d(pairs[-1][0]), None),)


def escalating(start, step, every: int, top) -> tuple[RateStep, ...]:
    """`start`, then + `step` every `every` minutes up to `top`, which runs to the end."""
    rates, rate = [], _d(start)
    while rate < _d(top):
        rates.append((rate, every))
        rate += _d(step)
    return steps(*rates, (top, None))


def row(first: int, last: int | None, dose: Dose, plans, observation: Observation, interval: Interval | None,
        source: str, note: str = "") -> ProtocolRow:
    return ProtocolRow(Infusions(first, last), dose, tuple(plans), observation, interval, source, CHECKED_ON, note)


def premed(code, text, required, source, infusions=Infusions(), course_days=None) -> Premedication:
    return Premedication(code, text, required, infusions, course_days, source, CHECKED_ON)


def check(code, prompt, stop_text, source, infusions=Infusions()) -> Check:
    return Check(code, prompt, stop_text, infusions, source, CHECKED_ON)


def warn(action, text, source, applies_to="everyone") -> WarningSign:
    return WarningSign(text, action, source, CHECKED_ON, applies_to)


FIRST = Infusions(1, 1)


def _no_infection(source):
    return check("no_active_infection", "No active infection (patient asked and assessed today)",
                 "Delay the infusion until the infection has resolved; tell the prescriber.", source)


def _hepatitis_b(source, boxed=False):
    return check("hepatitis_b_screening",
                 "Hepatitis B screening done, result on file" + (" (boxed warning)" if boxed else ""),
                 "Do not give the first dose without a hepatitis B result; contact the prescriber.", source,
                 infusions=FIRST)


def _antipyretic(source, required=False, code="antipyretic", text="Antipyretic (e.g. acetaminophen) 30–60 minutes before"):
    return premed(code, text, required, source)


def _antihistamine(source, text="Antihistamine (e.g. diphenhydramine) 30–60 minutes before"):
    return premed("antihistamine", text, True, source)


def _anti_cd20_warnings(source):
    return (
        warn("call", "Signs of infection: fever, chills, a cough that won't go away, or pain when you pass urine.",
             source),
        warn("call", "Cold sores, or shingles (a painful rash with blisters).", source),
        warn("call", "Signs that hepatitis B is flaring up: feeling very tired, yellow skin or eyes, dark urine, "
                     "or not wanting to eat.", source),
        warn("call_now", "Signs of PML, a rare brain infection: new or worse weakness, clumsiness, changes in "
                         "vision or speech, or confusion.", source),
        warn("know", "Ask us before you get any vaccine. Do not get live vaccines.", source),
    )


def _natalizumab_warnings(source):
    return (
        warn("call_now", "Signs of PML, a rare brain infection: new or worse weakness, clumsiness, changes in "
                         "vision or speech, or confusion. This risk lasts for 6 months after your last dose.",
             source),
        warn("call_911", "Fever with a bad headache, a stiff neck or confusion. This can be a brain infection.",
             source),
        warn("call", "Eye pain or redness, or trouble seeing.", source),
        warn("call", "Yellow skin or eyes, or dark urine.", source),
        warn("call", "Bruising easily, or bleeding that is hard to stop.", source),
    )


def _touch_questions(source, code, program):
    return check(code,
                 f"{program} pre-infusion questions answered \"no\": no new or worsening medical problem lasting "
                 "several days "
                 "(thinking, eyesight, balance, strength, weakness on one side, using arms or legs); no "
                 "immune-weakening conditions or medicines; no steroids in the last month",
                 "Any \"yes\": do not infuse; contact the prescriber before infusing.", source)


def _anti_cd20_retreat(source):
    return RetreatRule(min_grade=4, anaphylaxis=True, source=source, checked_on=CHECKED_ON)


def _natalizumab_retreat(source):
    return RetreatRule(reaction_codes=("hives", "swelling_face", "swelling_mouth_throat", "trouble_breathing"),
                       anaphylaxis=True, drugs=("natalizumab", "natalizumab_sztn"), source=source,
                       checked_on=CHECKED_ON)


_NATALIZUMAB_ROWS = (
    row(1, 1, Dose(_d(300), "mg", volume_ml=_d(100)),
        [RatePlan("standard", "100 mL/h (about 1 hour); never a push or bolus", steps((100, None)))],
        Observation(60), None, "L3"),
    row(2, None, Dose(_d(300), "mg", volume_ml=_d(100)),
        [RatePlan("standard", "100 mL/h (about 1 hour); never a push or bolus", steps((100, None)))],
        Observation(60), Interval(days=24), "L3", "Interval: center protocol (the label's is 4 weeks)."),
)

DRUGS: tuple[Drug, ...] = (
    Drug(
        code="ocrelizumab", generic="ocrelizumab", category="disease_modifying", route="intravenous",
        products=(Product("ocrevus", "Ocrevus", "ocrelizumab"),),
        protocol=(
            row(1, 1, Dose(_d(300), "mg", volume_ml=_d(250)),
                [RatePlan("standard", "30 mL/h for 30 min, then +30 every 30 min to 180 mL/h (about 2.5 h)",
                          escalating(30, 30, 30, 180))],
                Observation(60), None, "L1"),
            row(2, 2, Dose(_d(300), "mg", volume_ml=_d(250)),
                [RatePlan("standard", "30 mL/h for 30 min, then +30 every 30 min to 180 mL/h (about 2.5 h)",
                          escalating(30, 30, 30, 180))],
                Observation(60), Interval(days=13), "L1"),
            row(3, None, Dose(_d(600), "mg", volume_ml=_d(500)),
                [RatePlan("standard", "40 mL/h for 30 min, then +40 every 30 min to 200 mL/h (about 3.5 h)",
                          escalating(40, 40, 30, 200)),
                 RatePlan("shorter", "Shorter: 100 mL/h 15 min, 200 mL/h 15 min, 250 mL/h 30 min, 300 mL/h "
                                     "(about 2 h); only without an earlier serious infusion reaction",
                          steps((100, 15), (200, 15), (250, 30), (300, None)), needs_no_serious_reaction=True)],
                Observation(60), Interval(days=150), "L1"),
        ),
        premedications=(
            premed("methylprednisolone_100", "Methylprednisolone 100 mg IV about 30 minutes before (or an "
                                             "equivalent corticosteroid: record which)", True, "L1"),
            _antihistamine("L1"),
            _antipyretic("L1"),
        ),
        checks=(_no_infection("L1"), _hepatitis_b("L1")),
        retreat=_anti_cd20_retreat("L1"),
        next_due=NextDue("anti_cd20", source="L1", checked_on=CHECKED_ON),
        warnings=_anti_cd20_warnings("L1"), rxnorm="1876366",
    ),
    Drug(
        code="ocrelizumab_sc", generic="ocrelizumab and hyaluronidase-ocsq", category="disease_modifying",
        route="subcutaneous",
        products=(Product("ocrevus_zunovo", "Ocrevus Zunovo", "ocrelizumab and hyaluronidase-ocsq"),),
        protocol=(
            row(1, 1, Dose(_d(920), "mg", volume_ml=_d(23), text="920 mg / 23,000 units in 23 mL, under the skin of "
                                                              "the belly over about 10 minutes"),
                [], Observation(60), None, "L1b"),
            row(2, None, Dose(_d(920), "mg", volume_ml=_d(23), text="920 mg / 23,000 units in 23 mL, under the skin "
                                                                 "of the belly over about 10 minutes"),
                [], Observation(15), Interval(days=150), "L1b"),
        ),
        premedications=(
            premed("dexamethasone_oral", "Oral dexamethasone 20 mg (or an equivalent corticosteroid) at least "
                                         "30 minutes before", True, "L1b"),
            premed("antihistamine_oral", "Oral antihistamine (e.g. desloratadine) at least 30 minutes before", True,
                   "L1b"),
            _antipyretic("L1b"),
        ),
        checks=(_no_infection("L1b"), _hepatitis_b("L1b")),
        retreat=_anti_cd20_retreat("L1b"),
        next_due=NextDue("weeks", 24, "L1b", CHECKED_ON),
        warnings=_anti_cd20_warnings("L1b"), rxnorm=None,
    ),
    Drug(
        code="ublituximab", generic="ublituximab-xiiy", category="disease_modifying", route="intravenous",
        products=(Product("briumvi", "Briumvi", "ublituximab-xiiy"),),
        protocol=(
            row(1, 1, Dose(_d(150), "mg", volume_ml=_d(250)),
                [RatePlan("standard", "10 mL/h 30 min, 20 mL/h 30 min, 35 mL/h 60 min, then 100 mL/h (about 4 h)",
                          steps((10, 30), (20, 30), (35, 60), (100, None)))],
                Observation(60), None, "L2"),
            row(2, 2, Dose(_d(450), "mg", volume_ml=_d(250)),
                [RatePlan("standard", "100 mL/h 30 min, then 400 mL/h (about 1 h)", steps((100, 30), (400, None)))],
                Observation(60), Interval(days=13), "L2"),
            row(3, None, Dose(_d(450), "mg", volume_ml=_d(250)),
                [RatePlan("standard", "100 mL/h 30 min, then 400 mL/h (about 1 h)", steps((100, 30), (400, None)))],
                Observation(0, after_reaction_minutes=60), Interval(days=150), "L2"),
        ),
        premedications=(
            premed("corticosteroid", "Corticosteroid (methylprednisolone 100 mg or dexamethasone 10–20 mg) "
                                     "30–60 minutes before", True, "L2"),
            _antihistamine("L2"),
            _antipyretic("L2"),
        ),
        checks=(
            _no_infection("L2"),
            check("pregnancy_status", "Pregnancy status verified (if of child-bearing potential)",
                  "Do not infuse until pregnancy status is known; contact the prescriber.", "L2"),
            _hepatitis_b("L2"),
        ),
        retreat=_anti_cd20_retreat("L2"),
        next_due=NextDue("anti_cd20", source="L2", checked_on=CHECKED_ON),
        warnings=_anti_cd20_warnings("L2"), rxnorm=None,
    ),
    Drug(
        code="natalizumab", generic="natalizumab", category="disease_modifying", route="intravenous",
        products=(Product("tysabri", "Tysabri", "natalizumab"),),
        protocol=_NATALIZUMAB_ROWS,
        checks=(
            check("touch_authorized", "TOUCH: patient shown as \"Authorized\"",
                  "STOP – DO NOT INFUSE. Contact the prescriber and the TOUCH Prescribing Program.", "L3"),
            _touch_questions("L3", "touch_checklist", "TOUCH"),
        ),
        retreat=_natalizumab_retreat("L3"),
        next_due=NextDue("weeks", 4, "L3", CHECKED_ON),
        warnings=_natalizumab_warnings("L3"), rxnorm="354770",
    ),
    Drug(
        code="natalizumab_sztn", generic="natalizumab-sztn", category="disease_modifying", route="intravenous",
        products=(Product("tyruko", "Tyruko", "natalizumab-sztn"),),
        protocol=tuple(ProtocolRow(r.infusions, r.dose, r.plans, r.observation, r.interval, "L3b", CHECKED_ON, r.note)
                       for r in _NATALIZUMAB_ROWS),
        checks=(
            check("tyruko_rems_authorized", "TYRUKO REMS: patient authorized (not TOUCH)",
                  "STOP – DO NOT INFUSE. Contact the prescriber and the TYRUKO REMS.", "L3b"),
            _touch_questions("L3b", "pre_infusion_questions", "TYRUKO REMS"),
        ),
        retreat=_natalizumab_retreat("L3b"),
        next_due=NextDue("weeks", 4, "L3b", CHECKED_ON),
        warnings=_natalizumab_warnings("L3b"), rxnorm=None,
    ),
    Drug(
        code="alemtuzumab", generic="alemtuzumab", category="disease_modifying", route="intravenous",
        products=(Product("lemtrada", "Lemtrada", "alemtuzumab"),),
        protocol=(
            row(1, None, Dose(_d(12), "mg", volume_ml=_d(100)),
                [RatePlan("standard", "25 mL/h (about 4 h)", steps((25, None)))],
                Observation(120), Interval(hours=20), "L4"),
        ),
        courses=Courses((5, 3), 3, Interval(days=365), "L4", CHECKED_ON),
        premedications=(
            premed("methylprednisolone_1g", "Methylprednisolone 1 g IV right before the infusion (the first 3 days "
                                            "of every course)", True, "L4", course_days=(1, 3)),
            premed("antihistamine", "Antihistamine before the infusion", False, "L4"),
            premed("antipyretic", "Antipyretic before the infusion", False, "L4"),
        ),
        checks=(
            check("lemtrada_rems", "Lemtrada REMS: patient enrolled and authorized",
                  "Do not infuse; contact the prescriber and the Lemtrada REMS program.", "L4"),
            check("monthly_labs", "Monthly labs current (CBC with differential, serum creatinine, urinalysis with "
                                  "microscopy) and TSH within 3 months",
                  "Do not infuse until current labs are available; contact the prescriber.", "L4"),
            check("herpes_prophylaxis", "Oral herpes antiviral taken from day 1 of the course",
                  "Contact the prescriber before infusing.", "L4"),
        ),
        next_due=NextDue("course", source="L4", checked_on=CHECKED_ON),
        warnings=(
            warn("call_911", "In the first 3 days, signs of a stroke: sudden numbness or weakness on one side, "
                             "confusion, trouble speaking or seeing, loss of balance, or a sudden very bad headache "
                             "or neck pain.", "L4"),
            warn("call", "Bruising easily, bleeding that is hard to stop, or small red or purple spots on the skin.",
                 "L4"),
            warn("call", "Swollen legs or feet, or blood in your urine.", "L4"),
            warn("call", "Signs of thyroid problems: sweating, weight change, a fast heartbeat, feeling cold or very "
                         "tired.", "L4"),
            warn("call", "Yellow skin or eyes.", "L4"),
            warn("know", "Keep taking your herpes medicine.", "L4"),
            warn("know", "Do not eat deli meats, or milk or cheese that is not pasteurized.", "L4"),
            warn("know", "Keep your monthly blood and urine tests. They go on for 4 years after your last dose.",
                 "L4"),
        ),
        delayed_reaction_hours=48, rxnorm="117055",
    ),
    Drug(
        code="ivig", generic="immune globulin", category="supportive", route="intravenous",
        products=(Product("ivig", "IVIG", "immune globulin"),),
        protocol=(
            row(1, None, Dose(_d("0.4"), "g", "per_kg"),
                [RatePlan("standard", "0.5 mL/kg/h for 30 min, then double every 30 min to 4 mL/kg/h "
                                      "(center protocol; per product)",
                          steps(("0.5", 30), (1, 30), (2, 30), (4, None)), per_kg=True)],
                Observation(20, first_change_or_gap_minutes=60, gap_days=56), None, "L5",
                "Dose per order; rate plan: center protocol (per product)."),
        ),
        premedications=(
            premed("acetaminophen", "Acetaminophen (per order)", False, "L5"),
            premed("antihistamine", "Antihistamine (per order)", False, "L5"),
        ),
        checks=(
            check("hydration", "Patient well hydrated", "Hydrate first; tell the prescriber.", "L5"),
            check("creatinine_current", "Creatinine current (kidney risk)",
                  "Do not infuse until a current creatinine is available; contact the prescriber.", "L5"),
            check("thrombosis_risk", "Thrombosis risk reviewed", "Tell the prescriber about any risk first.", "L5"),
        ),
        next_due=NextDue("none", source="L5", checked_on=CHECKED_ON),
        warnings=(
            warn("call", "A very bad headache or a stiff neck.", "L5"),
            warn("call", "Passing less urine, or darker urine.", "L5"),
            warn("call", "Leg swelling or pain.", "L5"),
            warn("call_911", "Chest pain or shortness of breath.", "L5"),
        ),
        rxnorm=None,
    ),
    Drug(
        code="methylprednisolone", generic="methylprednisolone sodium succinate", category="supportive",
        route="intravenous", products=(Product("solu_medrol", "Solu-Medrol", "methylprednisolone sodium succinate"),),
        protocol=(
            row(1, 1, Dose(_d(1000), "mg", volume_ml=_d(250)),
                [RatePlan("standard", "250 mL/h, about 1 h (center protocol; never under 30 min)", steps((250, None)))],
                Observation(15), None, "L6", "Rate and observation: center protocol."),
            row(2, None, Dose(_d(1000), "mg", volume_ml=_d(250)),
                [RatePlan("standard", "250 mL/h, about 1 h (center protocol; never under 30 min)", steps((250, None)))],
                Observation(15), Interval(hours=20), "L6", "Rate and observation: center protocol."),
        ),
        checks=(
            check("bp_pulse", "Blood pressure and pulse recorded before the infusion",
                  "Record BP and pulse first; tell the prescriber if they are abnormal.", "L6"),
            check("glucose_if_diabetic", "Blood glucose checked if the patient is diabetic (center protocol)",
                  "Check the glucose first; tell the prescriber if it is high.", "L6"),
        ),
        next_due=NextDue("none", source="L6", checked_on=CHECKED_ON),
        warnings=(
            warn("know", "You may have trouble sleeping, or mood changes.", "L6"),
            warn("call", "Signs of high blood sugar: feeling very thirsty, or passing urine often.", "L6"),
            warn("know", "A metallic taste and an upset stomach are common.", "L6"),
            warn("call", "Swelling of your hands or feet.", "L6"),
        ),
        rxnorm="6902",
    ),
    Drug(
        code="rituximab", generic="rituximab", category="disease_modifying", route="intravenous",
        products=(
            Product("rituxan", "Rituxan", "rituximab"),
            Product("truxima", "Truxima", "rituximab-abbs"),
            Product("ruxience", "Ruxience", "rituximab-pvvr"),
            Product("riabni", "Riabni", "rituximab-arrx"),
        ),
        protocol=(
            row(1, 1, Dose(_d(1000), "mg", volume_ml=_d(500)),
                [RatePlan("standard", "50 mg/h (25 mL/h) for 30 min, then +50 mg/h (+25 mL/h) every 30 min to "
                                      "400 mg/h (200 mL/h)", escalating(25, 25, 30, 200))],
                Observation(60), None, "L7", "Observation: center protocol."),
            row(2, 2, Dose(_d(1000), "mg", volume_ml=_d(500)),
                [RatePlan("standard", "100 mg/h (50 mL/h) for 30 min, then +100 mg/h (+50 mL/h) every 30 min to "
                                      "400 mg/h (200 mL/h)", escalating(50, 50, 30, 200))],
                Observation(60), Interval(days=13), "L7", "Observation: center protocol."),
            row(3, None, Dose(_d(1000), "mg", volume_ml=_d(500)),
                [RatePlan("standard", "100 mg/h (50 mL/h) for 30 min, then +100 mg/h (+50 mL/h) every 30 min to "
                                      "400 mg/h (200 mL/h)", escalating(50, 50, 30, 200))],
                Observation(60), Interval(days=150), "L7", "Observation and interval: center protocol."),
        ),
        premedications=(
            premed("acetaminophen", "Acetaminophen 30–60 minutes before", True, "L7"),
            _antihistamine("L7"),
            premed("methylprednisolone_100", "Methylprednisolone 100 mg IV 30 minutes before", True, "L7"),
        ),
        checks=(_no_infection("L7"), _hepatitis_b("L7", boxed=True)),
        retreat=_anti_cd20_retreat("L7"),
        next_due=NextDue("anti_cd20", source="L7", checked_on=CHECKED_ON),
        warnings=_anti_cd20_warnings("L7") + (
            warn("call_now", "Painful sores or blisters in your mouth or on your skin, or peeling skin.", "L7"),
        ),
        rxnorm="121191",
    ),
    Drug(
        code="cyclophosphamide", generic="cyclophosphamide", category="disease_modifying", route="intravenous",
        products=(Product("cyclophosphamide", "Cyclophosphamide", "cyclophosphamide"),),
        protocol=(
            row(1, 1, Dose(_d(700), "mg", "per_m2", volume_ml=_d(250)),
                [RatePlan("standard", "250 mL over 1 h (center protocol; per order)", steps((250, None)))],
                Observation(30), None, "L8", "Rate and observation: center protocol."),
            row(2, None, Dose(_d(700), "mg", "per_m2", volume_ml=_d(250)),
                [RatePlan("standard", "250 mL over 1 h (center protocol; per order)", steps((250, None)))],
                Observation(30), Interval(days=21), "L8", "Rate, observation and interval: center protocol."),
        ),
        premedications=(
            premed("ondansetron", "Antiemetic: a 5-HT3 antagonist (e.g. ondansetron) 30–60 minutes before", True,
                   "L8"),
            premed("dexamethasone", "Dexamethasone with the antiemetic, 30–60 minutes before", True, "L8"),
        ),
        checks=(
            check("blood_counts", "Blood counts today or within 3 days, ANC at least 1.5 × 10⁹/L (center protocol)",
                  "Do not infuse; contact the prescriber.", "L8"),
            check("urinalysis", "Urinalysis without blood", "Do not infuse; contact the prescriber.", "L8"),
            check("pregnancy_test", "Pregnancy test negative (if of child-bearing potential)",
                  "Do not infuse until a negative test is on file; contact the prescriber.", "L8"),
            check("hydration", "Patient well hydrated", "Hydrate first; tell the prescriber.", "L8"),
        ),
        next_due=NextDue("none", source="L8", checked_on=CHECKED_ON),
        warnings=(
            warn("call_now", "A fever of 100.4 °F (38.0 °C) or higher.", "L8"),
            warn("know", "Drink plenty of fluids and pass urine often.", "L8"),
            warn("call", "Blood in your urine.", "L8"),
            warn("know", "Take your nausea medicine as prescribed.", "L8"),
            warn("know", "Do not get pregnant.", "L8", applies_to="female"),
        ),
        rxnorm="3002",
    ),
)
