"""The catalog matches DOMAIN.md §1–§3."""
import json

import pytest

from clinic.domain.catalog import DRUGS, GRADES, REACTIONS, Drug, Reaction, drug_by_code, reaction_by_code


@pytest.mark.parametrize("code, brand, generic, category", [
    ("ocrelizumab", "Ocrevus", "ocrelizumab", "disease_modifying"),
    ("ublituximab", "Briumvi", "ublituximab-xiiy", "disease_modifying"),
    ("natalizumab", "Tysabri", "natalizumab", "disease_modifying"),
    ("alemtuzumab", "Lemtrada", "alemtuzumab", "disease_modifying"),
    ("ivig", "IVIG", "immune globulin", "supportive"),
    ("methylprednisolone", "Solu-Medrol", "methylprednisolone sodium succinate", "supportive"),
    ("rituximab", "rituximab", "rituximab", "disease_modifying"),  # four products: named by the generic
    ("cyclophosphamide", "Cyclophosphamide", "cyclophosphamide", "disease_modifying"),
    ("ocrelizumab_sc", "Ocrevus Zunovo", "ocrelizumab and hyaluronidase-ocsq", "disease_modifying"),
    ("natalizumab_sztn", "Tyruko", "natalizumab-sztn", "disease_modifying"),
])
def test_names_and_categories(code, brand, generic, category):
    drug = drug_by_code(code)
    assert (drug.brand, drug.generic, drug.category) == (brand, generic, category)


def test_rituximab_products_are_the_reference_and_its_biosimilars():
    products = drug_by_code("rituximab").products
    assert [(p.brand, p.generic) for p in products] == [
        ("Rituxan", "rituximab"), ("Truxima", "rituximab-abbs"), ("Ruxience", "rituximab-pvvr"),
        ("Riabni", "rituximab-arrx")]


@pytest.mark.parametrize("drug", DRUGS, ids=lambda d: d.code)
def test_every_protocol_item_names_its_source(drug):
    keys = {"L1", "L1b", "L2", "L3", "L3b", "L4", "L5", "L6", "L7", "L8"}
    items = [*drug.protocol, *drug.premedications, *drug.checks, *drug.warnings, drug.next_due,
             *([drug.retreat] if drug.retreat else []), *([drug.courses] if drug.courses else [])]
    assert all(item.source in keys and item.checked_on for item in items)


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
