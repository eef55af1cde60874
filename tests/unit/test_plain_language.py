"""Plain words for the visit summary: medicines named from the nurse's note, vitals summed up, °F."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from clinic.domain import catalog
from clinic.domain.plain_language import (
    A_MEDICINE, OTHER_MEDICINE, REACTION_WORDS, chart_helps, disposition_sentence, fahrenheit, medicines_in_words, vitals_summary,
)
from clinic.domain.records import VitalsRecord

T0 = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("note,words", [
    ("Epinephrine 0.3 mg IM; O2 4 L NC; NS bolus 500 mL",
     ("a shot of epinephrine (adrenaline)", "oxygen", "fluids through your IV")),
    ("Epinephrine 0.3 mg IM x2", ("a shot of epinephrine (adrenaline)",)),
    ("EpiPen", ("a shot of epinephrine (adrenaline)",)),
    ("Diphenhydramine 25 mg IV push", ("an allergy medicine (diphenhydramine)",)),
    ("benadryl 50mg po", ("an allergy medicine (diphenhydramine)",)),
    ("Acetaminophen 650 mg PO", ("a fever and pain medicine (acetaminophen, Tylenol)",)),
    ("Solu-Medrol 125 mg IV, famotidine 20 mg IV",
     ("a steroid medicine (methylprednisolone)", "a stomach medicine (famotidine)")),
    ("Albuterol neb", ("a breathing medicine (albuterol)",)),
    ("ondansetron 4 mg", ("a medicine to stop nausea (ondansetron)",)),
    ("Meperidine 25 mg IV for rigors", ("a medicine to stop shaking chills (meperidine)", OTHER_MEDICINE)),
    ("Xyzzol 5 mg", (A_MEDICINE,)),
    ("2 tabs", (A_MEDICINE,)),
    # The infusion chair's shorthand.
    ("APAP 650 mg PO", ("a fever and pain medicine (acetaminophen, Tylenol)",)),
    ("Tylenol 1 g PO", ("a fever and pain medicine (acetaminophen, Tylenol)",)),
    ("NTG 0.4 mg SL", ("a medicine for chest pain (nitroglycerin)",)),
    ("DPH 25 mg IVP", ("an allergy medicine (diphenhydramine)",)),
    ("Benadryl 25 mg IV", ("an allergy medicine (diphenhydramine)",)),
    ("SoluMedrol 125 mg IV", ("a steroid medicine (methylprednisolone)",)),
    ("solu medrol 125mg", ("a steroid medicine (methylprednisolone)",)),
    ("methylpred 125 mg IV", ("a steroid medicine (methylprednisolone)",)),
    ("Pepcid 20 mg IV", ("a stomach medicine (famotidine)",)),
    ("Zofran 4 mg IV", ("a medicine to stop nausea (ondansetron)",)),
    ("epi 0.3 mg IM", ("a shot of epinephrine (adrenaline)",)),
    ("Epi-Pen x1", ("a shot of epinephrine (adrenaline)",)),
    ("NS 500 mL", ("fluids through your IV",)),
    ("normal saline 1 L", ("fluids through your IV",)),
    ("albuterol 2.5 mg neb", ("a breathing medicine (albuterol)",)),
    ("O2 2 L NC", ("oxygen",)),
    ("", ()),
    (None, ()),
])
def test_medicines_are_named_in_plain_words_never_as_written(note, words):
    assert medicines_in_words(note) == words


@pytest.mark.parametrize("note", ["Xyzzol 5 mg", "2 tabs", "gave something"])
def test_an_unknown_medicine_alone_is_never_another_one(note):
    assert OTHER_MEDICINE not in medicines_in_words(note)
    assert medicines_in_words(note) == (A_MEDICINE,)


def test_every_catalog_reaction_has_patient_words():
    assert {r.code for r in catalog.REACTIONS} <= set(REACTION_WORDS)


@pytest.mark.parametrize("disposition,sentence", [
    (None, None), ("home", None),
    ("emergency_department", "You were taken to the emergency department."),
    ("admitted", "You were admitted to the hospital."),
    ("other", "You did not go home from the center. Your care team will tell you what happens next."),
])
def test_where_the_patient_went_is_said_only_when_not_home(disposition, sentence):
    assert disposition_sentence(disposition) == sentence


@pytest.mark.parametrize("celsius,expected", [("36.8", "98.2"), ("38.0", "100.4"), ("37.0", "98.6"),
                                              ("35.0", "95.0"), ("40.5", "104.9")])
def test_fahrenheit(celsius, expected):
    assert fahrenheit(Decimal(celsius)) == Decimal(expected)


def reading(minutes, systolic=120, diastolic=80, heart_rate=70, temperature="36.8", spo2=98, voided=False):
    return VitalsRecord(id=minutes, taken_at=T0 + timedelta(minutes=minutes), phase="during", systolic=systolic,
                        diastolic=diastolic, heart_rate=heart_rate, temperature_c=Decimal(temperature), spo2=spo2,
                        voided=voided)


def test_vitals_are_first_lowest_or_highest_and_last():
    lines = {line.measure: line for line in vitals_summary(
        [reading(0), reading(15, 96, 58, 112, spo2=92), reading(20, 78, 48, 124, spo2=89), reading(40, 104, 66, 98)])}
    bp = lines["blood_pressure"]
    assert (bp.first.value, bp.extreme.value, bp.last.value, bp.extreme_is_low) == ((120, 80), (78, 48), (104, 66),
                                                                                     True)
    assert lines["heart_rate"].extreme.value == (124,) and not lines["heart_rate"].extreme_is_low
    assert lines["spo2"].extreme.value == (89,) and lines["spo2"].extreme_is_low
    assert lines["temperature"].extreme is None, "no change worth a column"
    assert "resp_rate" not in lines, "a measure never taken is left out"


@pytest.mark.parametrize("readings,extreme", [
    ([reading(0, 120), reading(15, 111), reading(30, 118)], None),  # 9 below the first: the usual wobble
    ([reading(0, 120), reading(15, 110), reading(30, 121)], (110, 80)),  # 10 from the first and the last: said
    ([reading(0, 120), reading(15, 140), reading(30, 141)], None),  # the highest is (about) the last
    ([reading(0, 120), reading(15, 80, voided=True), reading(30, 121)], None),  # a voided reading is not one
    ([reading(0, 120), reading(15, 100), reading(30, 140), reading(45, 120)], (100, 80)),  # a tie: the fall
])
def test_lowest_or_highest_only_when_it_stands_apart(readings, extreme):
    line = vitals_summary(readings)[0]
    assert line.measure == "blood_pressure"
    assert (line.extreme.value if line.extreme else None) == extreme


@pytest.mark.parametrize("readings,helps", [
    ([reading(0), reading(15, 100), reading(30, 118)], True),
    ([reading(0), reading(15, heart_rate=92), reading(30)], True),
    ([reading(0), reading(15, 110), reading(30, 118)], False),
    ([reading(0), reading(15, 80)], False),  # two readings: the table says it all
])
def test_a_chart_only_when_it_helps(readings, helps):
    assert chart_helps(vitals_summary(readings), len(readings)) is helps
