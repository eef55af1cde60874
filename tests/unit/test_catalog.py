"""The catalog matches DOMAIN.md §1–§3."""
import json

import pytest

from clinic.domain.catalog import DRUGS, GRADES, REACTIONS, Drug, Reaction, drug_by_code, reaction_by_code


@pytest.mark.parametrize("code, minutes_by_infusion", [
    ("ocrelizumab", [60, 60, 60, 60]),
    ("ublituximab", [60, 60, 0, 0]),
    ("natalizumab", [60, 60, 60, 60]),
    ("alemtuzumab", [120, 120, 120, 120]),
    ("ivig", [60, 20, 20, 20]),
    ("methylprednisolone", [15, 15, 15, 15]),
    ("rituximab", [60, 60, 60, 60]),
    ("cyclophosphamide", [30, 30, 30, 30]),
])
def test_observation_minutes_per_drug_and_infusion_number(code, minutes_by_infusion):
    drug = drug_by_code(code)
    assert [drug.observation_minutes(n) for n in (1, 2, 3, 4)] == minutes_by_infusion


@pytest.mark.parametrize("code, brand, generic, category", [
    ("ocrelizumab", "Ocrevus", "ocrelizumab", "disease_modifying"),
    ("ublituximab", "Briumvi", "ublituximab-xiiy", "disease_modifying"),
    ("natalizumab", "Tysabri", "natalizumab", "disease_modifying"),
    ("alemtuzumab", "Lemtrada", "alemtuzumab", "disease_modifying"),
    ("ivig", "IVIG", "immune globulin", "supportive"),
    ("methylprednisolone", "Solu-Medrol", "methylprednisolone sodium succinate", "supportive"),
    ("rituximab", "Rituxan", "rituximab", "disease_modifying"),
    ("cyclophosphamide", "Cyclophosphamide", "cyclophosphamide", "disease_modifying"),
])
def test_names_and_categories(code, brand, generic, category):
    drug = drug_by_code(code)
    assert (drug.brand, drug.generic, drug.category) == (brand, generic, category)


def test_every_drug_has_checks_and_natalizumab_and_alemtuzumab_have_their_rems_checks():
    assert all(d.checks for d in DRUGS)
    assert {"touch_authorized", "touch_checklist"} <= {c.code for c in drug_by_code("natalizumab").checks}
    assert "lemtrada_rems" in {c.code for c in drug_by_code("alemtuzumab").checks}
    for code in ("ocrelizumab", "ublituximab", "rituximab"):
        assert "no_active_infection" in {c.code for c in drug_by_code(code).checks}


@pytest.mark.parametrize("number, required", [
    (1, True), (2, True), (3, True), (4, False), (5, False), (6, True), (7, True), (8, True), (9, False),
])
def test_alemtuzumab_corticosteroid_on_the_first_three_days_of_each_course(number, required):
    assert ("methylprednisolone_1g" in drug_by_code("alemtuzumab").required_premedications(number)) is required


@pytest.mark.parametrize("code, required", [
    ("ocrelizumab", {"methylprednisolone_100", "antihistamine"}),
    ("ublituximab", {"corticosteroid", "antihistamine"}),
    ("rituximab", {"methylprednisolone_100", "acetaminophen", "antihistamine"}),
    ("natalizumab", set()), ("ivig", set()), ("methylprednisolone", set()), ("cyclophosphamide", set()),
])
def test_required_premedications(code, required):
    assert set(drug_by_code(code).required_premedications(1)) == required


REACTION_TABLE = [
    ("itching", "Itching", "infusion_reaction", {"skin_mucosal"}),
    ("rash", "Rash", "infusion_reaction", {"skin_mucosal"}),
    ("hives", "Hives", "infusion_reaction", {"skin_mucosal"}),
    ("flushing", "Redness of the face (flushing)", "infusion_reaction", {"skin_mucosal"}),
    ("throat_irritation", "Throat irritation or pain", "infusion_reaction", set()),
    ("fever", "Fever", "infusion_reaction", set()),
    ("fatigue", "Fatigue", "infusion_reaction", set()),
    ("headache", "Headache", "infusion_reaction", set()),
    ("chills", "Chills", "infusion_reaction", set()),
    ("nausea", "Nausea", "infusion_reaction", set()),
    ("vomiting", "Vomiting or stomach cramps", "infusion_reaction", {"gastrointestinal"}),
    ("dizziness", "Dizziness or lightheadedness", "infusion_reaction", set()),
    ("back_pain", "Back pain", "side_effect", set()),
    ("swelling_face", "Swelling of the face, lips or eyelids", "serious", {"skin_mucosal"}),
    ("swelling_limbs", "Swelling of the arms, hands, legs or feet", "side_effect", set()),
    ("blurred_vision", "Blurred vision", "side_effect", set()),
    ("body_aches", "Body aches or pain", "side_effect", set()),
    ("chest_tightness", "Chest tightness", "side_effect", {"respiratory"}),
    ("swelling_mouth_throat", "Swelling in the mouth or throat", "serious", {"skin_mucosal", "laryngeal"}),
    ("trouble_breathing", "Trouble breathing or wheezing", "serious", {"respiratory"}),
    ("chest_pain", "Chest pain", "serious", set()),
    ("fainting", "Fainting", "serious", {"circulatory"}),
    ("infection_signs", "Signs of infection", "serious", set()),
]


def test_reactions_in_order():
    assert [r.code for r in REACTIONS] == [row[0] for row in REACTION_TABLE]


@pytest.mark.parametrize("code, label, group, systems", REACTION_TABLE)
def test_reaction_label_group_and_systems(code, label, group, systems):
    r = reaction_by_code(code)
    assert (r.label, r.group, set(r.systems)) == (label, group, systems)


def test_grades_have_the_ctcae_wording():
    assert [g.grade for g in GRADES] == [1, 2, 3, 4, 5]
    assert GRADES[0].wording.startswith("Mild transient reaction")
    assert GRADES[3].wording == "Life-threatening consequences; urgent intervention indicated"


@pytest.mark.parametrize("drug", DRUGS, ids=lambda d: d.code)
def test_drug_round_trips_through_json(drug):
    assert Drug.from_dict(json.loads(json.dumps(drug.to_dict()))) == drug


@pytest.mark.parametrize("reaction", REACTIONS, ids=lambda r: r.code)
def test_reaction_round_trips_through_json(reaction):
    assert Reaction.from_dict(json.loads(json.dumps(reaction.to_dict()))) == reaction
