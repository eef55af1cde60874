"""Every rule of SPEC §5 at and either side of its boundaries."""
from datetime import date, timezone

import pytest

from clinic.domain.flags import evaluate, is_serious
from clinic.domain.catalog import REACTIONS
from clinic.domain.flags import SEVERITY_ORDER
from tests.unit.factories import baseline, pause, premed, reaction, session, vitals

UTC = timezone.utc


def codes(record):
    return sorted({f.code for f in evaluate(record, UTC)})


def flags_of(record, code):
    return [f for f in evaluate(record, UTC) if f.code == code]


@pytest.mark.parametrize("systolic, expected", [(89, True), (90, False), (91, False)])
def test_hypotension_below_90(systolic, expected):
    record = session(vitals=[baseline(120), vitals(10, systolic=systolic)])
    assert bool(flags_of(record, "hypotension")) is expected


@pytest.mark.parametrize("systolic, expected", [(105, False), (104, True)])
def test_hypotension_more_than_30_percent_below_baseline(systolic, expected):
    # Baseline 150: a fall of exactly 30 % is 105 (no flag); 104 is just over.
    record = session(vitals=[baseline(150), vitals(10, systolic=systolic)])
    assert bool(flags_of(record, "hypotension")) is expected


def test_hypotension_message_names_value_time_and_threshold():
    record = session(vitals=[baseline(120), vitals(42, systolic=84)])
    flag = flags_of(record, "hypotension")[0]
    assert flag.message == "Serious: systolic 84 mmHg at 15:42, below 90"
    assert flag.evidence[0].kind == "vitals" and flag.evidence[0].value == "systolic 84 mmHg"


def test_baseline_is_the_last_baseline_with_a_systolic_before_the_start():
    record = session(vitals=[baseline(200, minutes=-30), baseline(150, minutes=-10),
                             vitals(-5, phase="baseline", heart_rate=70), vitals(10, systolic=104)])
    assert "more than 30 % below the baseline 150" in flags_of(record, "hypotension")[0].message


def test_readings_before_the_start_do_not_raise_hypotension_but_do_score_news2():
    record = session(vitals=[baseline(84)])
    assert codes(record) == ["news2_urgent"]


def test_systolic_84_raises_both_hypotension_and_news2():
    record = session(vitals=[baseline(120), vitals(10, systolic=84)])
    assert {"hypotension", "news2_urgent"} <= set(codes(record))


@pytest.mark.parametrize("temp, expected", [("37.9", False), ("38.0", True), ("38.1", True)])
def test_fever(temp, expected):
    assert bool(flags_of(session(vitals=[vitals(10, temperature_c=temp)]), "fever")) is expected


@pytest.mark.parametrize("grade, expected", [
    (1, []), (2, ["moderate_reaction"]), (3, ["high_grade"]), (4, ["high_grade"]), (5, ["high_grade"]),
])
def test_grades(grade, expected):
    assert codes(session(reactions=[reaction("headache", grade=grade)])) == expected


def test_serious_group_reaction_is_serious():
    record = session(reactions=[reaction("chest_pain")])
    assert codes(record) == ["serious_reaction"] and is_serious(evaluate(record))


# DOMAIN.md §2: the serious group, face/lip/eyelid swelling (angioedema) among it.
SERIOUS_GROUP = {"swelling_face", "swelling_mouth_throat", "trouble_breathing", "chest_pain", "fainting",
                 "infection_signs"}


@pytest.mark.parametrize("code", [r.code for r in REACTIONS])
def test_serious_reaction_fires_for_the_serious_group_only(code):
    assert bool(flags_of(session(reactions=[reaction(code)]), "serious_reaction")) is (code in SERIOUS_GROUP)


def test_face_swelling_is_serious_and_named_with_its_time():
    flag = flags_of(session(reactions=[reaction("swelling_face", minutes=7)]), "serious_reaction")[0]
    assert flag.level == "serious"
    assert flag.message == "Serious: Swelling of the face, lips or eyelids at 15:07 — act now"
    assert flag.evidence[0].kind == "reaction"


def test_hives_with_face_swelling_meets_nothing_more_than_one_system():
    # Both are skin/mucosal: serious (angioedema) but not anaphylaxis on their own.
    record = session(reactions=[reaction("hives"), reaction("swelling_face")])
    assert codes(record) == ["serious_reaction"]


@pytest.mark.parametrize("systolic, diastolic, expected", [
    (179, 100, False), (180, 100, True), (181, 100, True),
    (170, 109, False), (170, 110, True), (170, 111, True),
    (179, 109, False), (180, 110, True),
    (180, None, True), (179, None, False), (None, 110, True), (None, 109, False),
])
def test_hypertension_severe(systolic, diastolic, expected):
    record = session(vitals=[vitals(10, systolic=systolic, diastolic=diastolic)])
    flags = flags_of(record, "hypertension_severe")
    assert bool(flags) is expected
    assert all(f.level == "warning" for f in flags)


def test_hypertension_message_names_the_reading_and_time_and_counts_the_baseline():
    record = session(vitals=[baseline(218, minutes=-20, diastolic=130), vitals(12, systolic=200, diastolic=118),
                             vitals(20, systolic=150, diastolic=112)])
    messages = [f.message for f in flags_of(record, "hypertension_severe")]
    assert messages == [
        "Warning: blood pressure 218/130 mmHg at 14:40 — severe hypertension "
        "(systolic 180 or higher and diastolic 110 or higher)",
        "Warning: blood pressure 200/118 mmHg at 15:12 — severe hypertension "
        "(systolic 180 or higher and diastolic 110 or higher)",
        "Warning: blood pressure 150/112 mmHg at 15:20 — severe hypertension (diastolic 110 or higher)",
    ]
    assert "tell the prescriber" in flags_of(record, "hypertension_severe")[0].action


def test_emergency_response_action():
    assert "emergency_response" in codes(session(reactions=[reaction("headache", action="emergency_response")]))


@pytest.mark.parametrize("first, second", [
    ("hives", "trouble_breathing"),      # skin + respiratory
    ("hives", "fainting"),               # skin + circulatory
    ("hives", "vomiting"),               # skin + gastrointestinal
    ("chest_tightness", "fainting"),     # respiratory + circulatory
    ("chest_tightness", "vomiting"),     # respiratory + gastrointestinal
    ("fainting", "vomiting"),            # circulatory + gastrointestinal
])
def test_anaphylaxis_two_systems_fire(first, second):
    record = session(reactions=[reaction(first), reaction(second)])
    assert "anaphylaxis_criteria" in codes(record)


@pytest.mark.parametrize("only", ["hives", "itching", "chest_tightness", "fainting", "vomiting",
                                  "throat_irritation"])
def test_anaphylaxis_single_system_does_not_fire(only):
    assert "anaphylaxis_criteria" not in codes(session(reactions=[reaction(only)]))


def test_two_skin_reactions_are_still_one_system():
    assert "anaphylaxis_criteria" not in codes(session(reactions=[reaction("hives"), reaction("flushing")]))


def test_throat_irritation_is_not_laryngeal_involvement():
    assert "anaphylaxis_criteria" not in codes(session(reactions=[reaction("throat_irritation"),
                                                                  reaction("hives")]))


def test_swelling_in_mouth_or_throat_alone_fires():
    assert "anaphylaxis_criteria" in codes(session(reactions=[reaction("swelling_mouth_throat")]))


@pytest.mark.parametrize("spo2, expected", [(91, True), (92, False)])
def test_low_spo2_counts_as_respiratory(spo2, expected):
    record = session(reactions=[reaction("hives")], vitals=[vitals(10, spo2=spo2)])
    assert ("anaphylaxis_criteria" in codes(record)) is expected


def test_low_systolic_counts_as_circulatory():
    record = session(reactions=[reaction("hives")], vitals=[baseline(150), vitals(10, systolic=100)])
    assert "anaphylaxis_criteria" in codes(record)


def test_reactions_before_the_start_count_for_anaphylaxis():
    # A reaction to the premedications, before the start, counts (SPEC §5, DOMAIN.md §4).
    record = session(reactions=[reaction("hives", minutes=-10), reaction("vomiting", minutes=-5)])
    flag = flags_of(record, "anaphylaxis_criteria")[0]
    assert flag.message == ("Serious: anaphylaxis criteria met — skin/mucosal (Hives at 14:50) and "
                            "gastrointestinal (Vomiting or stomach cramps at 14:55) involved")


def test_reactions_of_a_session_not_started_count_for_anaphylaxis():
    record = session(started=False, reactions=[reaction("hives", minutes=-10), reaction("vomiting", minutes=-5)])
    assert "anaphylaxis_criteria" in codes(record)


# Readings count for the anaphylaxis and hypotension rules from the first premedication given or the
# start, whichever is earlier. The start is at 0; a premedication given at `premed` (None: none given).
WINDOW = [
    (None, -1, False), (None, 0, True), (None, 1, True),
    (-30, -31, False), (-30, -30, True), (-30, -29, True), (-30, -1, True),
    (10, -1, False), (10, 0, True),  # a premedication given after the start: the start is earlier
]


@pytest.mark.parametrize("premed_minutes, reading_minutes, expected", WINDOW)
def test_anaphylaxis_reads_vitals_from_the_first_premedication_or_the_start(premed_minutes, reading_minutes,
                                                                           expected):
    premeds = [premed(given=True, minutes=premed_minutes)] if premed_minutes is not None else []
    record = session(reactions=[reaction("hives", minutes=-40)], premedications=premeds,
                     vitals=[vitals(reading_minutes, spo2=90)])
    assert ("anaphylaxis_criteria" in codes(record)) is expected


@pytest.mark.parametrize("premed_minutes, reading_minutes, expected", WINDOW)
def test_hypotension_reads_vitals_from_the_first_premedication_or_the_start(premed_minutes, reading_minutes,
                                                                           expected):
    premeds = [premed(given=True, minutes=premed_minutes)] if premed_minutes is not None else []
    record = session(premedications=premeds, vitals=[vitals(reading_minutes, systolic=84)])
    assert bool(flags_of(record, "hypotension")) is expected


@pytest.mark.parametrize("premeds", [
    [premed(given=False, minutes=-30)],               # recorded as not given: nothing was given
    [premed(given=True, minutes=-30, voided=True)],   # voided: as if never charted
], ids=["not_given", "voided"])
def test_only_a_standing_premedication_given_opens_the_window(premeds):
    record = session(premedications=premeds, reactions=[reaction("hives", minutes=-40)],
                     vitals=[vitals(-10, systolic=84, spo2=90)])
    assert not {"hypotension", "anaphylaxis_criteria"} & set(codes(record))


def test_before_the_start_a_premedication_opens_the_window_of_a_session_not_started():
    record = session(started=False, premedications=[premed(given=True, minutes=-30)],
                     reactions=[reaction("hives", minutes=-20)], vitals=[vitals(-10, systolic=84)])
    assert {"hypotension", "anaphylaxis_criteria"} <= set(codes(record))


def test_not_started_session_without_premedication_reads_no_vitals_for_anaphylaxis():
    record = session(started=False, reactions=[reaction("hives")], vitals=[vitals(5, systolic=84, spo2=88)])
    assert "anaphylaxis_criteria" not in codes(record)


def test_anaphylaxis_message_names_each_system_and_its_evidence():
    record = session(reactions=[reaction("hives", minutes=10)],
                     vitals=[baseline(150), vitals(20, spo2=90), vitals(25, systolic=100)])
    flag = flags_of(record, "anaphylaxis_criteria")[0]
    assert flag.message == ("Serious: anaphylaxis criteria met — skin/mucosal (Hives at 15:10) and "
                            "respiratory (SpO₂ 90 % at 15:20) and circulatory (systolic 100 mmHg at 15:25) involved")
    assert [e.kind for e in flag.evidence] == ["reaction", "vitals", "vitals"]


def test_anaphylaxis_from_throat_swelling_names_it_and_what_else_was_involved():
    alone = flags_of(session(reactions=[reaction("swelling_mouth_throat", minutes=12)]), "anaphylaxis_criteria")[0]
    assert alone.message == ("Serious: anaphylaxis criteria met — swelling in the mouth or throat "
                             "(Swelling in the mouth or throat at 15:12)")
    record = session(reactions=[reaction("swelling_mouth_throat", minutes=12)], vitals=[vitals(20, systolic=80)])
    flag = flags_of(record, "anaphylaxis_criteria")[0]
    assert flag.message.endswith("; also circulatory (systolic 80 mmHg at 15:20) involved")
    assert {e.kind for e in flag.evidence} == {"reaction", "vitals"}


def test_anaphylaxis_message_names_the_first_and_the_lowest_reading_however_many():
    # Issue 23: eleven low readings made the headline grow "(…, … and 7 more)"; it stays one line.
    spo2 = {11: 90, 12: 88, 13: 86, 14: 89, 15: 90}
    record = session(reactions=[reaction("hives")], vitals=[vitals(m, spo2=s) for m, s in spo2.items()])
    flag = flags_of(record, "anaphylaxis_criteria")[0]
    assert "respiratory (SpO₂ 90 % at 15:11 and 4 later readings, lowest SpO₂ 86 % at 15:13)" in flag.message
    assert len(flag.evidence) == 6
    many = session(reactions=[reaction("hives")], vitals=[vitals(m, systolic=84) for m in range(11, 40)])
    assert len(flags_of(many, "anaphylaxis_criteria")[0].message) < 200


def test_infusion_interrupted_by_reaction_action_and_by_pause_due_to_reaction():
    assert "infusion_interrupted" in codes(session(reactions=[reaction("itching", action="paused")]))
    assert "infusion_interrupted" in codes(session(reactions=[reaction("itching", action="stopped")]))
    assert "infusion_interrupted" in codes(session(events=[pause(due_to_reaction=True)]))
    assert "infusion_interrupted" not in codes(session(events=[pause(due_to_reaction=False)]))


@pytest.mark.parametrize("required, given, expected", [
    (True, False, True), (False, False, False), (True, True, False),
])
def test_premedication_missed(required, given, expected):
    record = session(premedications=[premed(required=required, given=given)])
    assert ("premedication_missed" in codes(record)) is expected


@pytest.mark.parametrize("discharged, expected", [(120, False), (119, True), (130, False)])
def test_observation_shortened(discharged, expected):
    # Ended at +60 with 60 minutes of observation: the period ends at +120.
    record = session(ended_minutes=60, discharged_minutes=discharged, status="discharged")
    assert ("observation_shortened" in codes(record)) is expected


@pytest.mark.parametrize("values, expected", [
    (dict(resp_rate=22), ["news2_raised"]),             # total 2, a parameter scoring 2
    (dict(heart_rate=95), []),                          # total 1, no parameter scoring 2
    (dict(resp_rate=25), ["news2_urgent"]),             # single 3
    (dict(resp_rate=22, spo2=93, heart_rate=95), ["news2_urgent"]),  # total 5
])
def test_news2_flags(values, expected):
    assert codes(session(vitals=[vitals(10, **values)])) == expected


def test_news2_message_names_what_scored():
    flag = flags_of(session(vitals=[vitals(10, resp_rate=22, spo2=93, heart_rate=95)]), "news2_urgent")[0]
    assert flag.message.startswith(
        "Serious: NEWS2 5 at 15:10 (respiratory rate 22 /min scores 2; oxygen saturation 93 % scores 2; "
        "heart rate 95 /min scores 1) — medium score (5–6): urgent response.")


@pytest.mark.parametrize("spo2_scale, on_oxygen, expected", [
    (1, False, ["news2_urgent"]),  # 90 % on scale 1 scores 3
    (2, False, []),                # within a prescribed 88–92 % target: nothing
    (2, True, ["news2_raised"]),   # on oxygen scores 2, SpO₂ 0
])
def test_spo2_scale_2_for_patients_whose_record_says_so(spo2_scale, on_oxygen, expected):
    record = session(vitals=[vitals(10, spo2=90, on_oxygen=on_oxygen)], spo2_scale=spo2_scale)
    assert codes(record) == expected


def test_news2_message_says_scale_2_and_what_it_could_not_score():
    record = session(vitals=[vitals(10, spo2=93, resp_rate=26)], spo2_scale=2)
    message = flags_of(record, "news2_urgent")[0].message
    assert message.startswith("Serious: NEWS2 3 (SpO₂ scale 2) at 15:10 (respiratory rate 26 /min scores 3)")
    assert "Not scored without air or oxygen recorded: oxygen saturation." in message


def test_news2_message_names_band_and_missing_and_not_validated_groups():
    child = session(vitals=[vitals(10, resp_rate=25)], born=date(2015, 1, 1))
    message = flags_of(child, "news2_urgent")[0].message
    assert "urgent ward-based review" in message and "Not measured" in message
    assert "oxygen saturation" in message and "spo2" not in message  # words a nurse reads, not field names
    assert "not validated for patients under 16" in message
    pregnant = session(vitals=[vitals(10, resp_rate=25)], pregnant=True)
    assert "not validated in pregnancy" in flags_of(pregnant, "news2_urgent")[0].message
    adult = session(vitals=[vitals(10, resp_rate=25)])
    assert "not validated" not in flags_of(adult, "news2_urgent")[0].message


def test_voided_entries_raise_nothing():
    record = session(reactions=[reaction("trouble_breathing", grade=4, action="emergency_response", voided=True)])
    assert codes(record) == []


def test_serious_flags_come_first_and_say_serious():
    record = session(reactions=[reaction("headache", grade=2), reaction("trouble_breathing")])
    flags = evaluate(record, UTC)
    assert flags[0].level == "serious" and flags[0].message.startswith("Serious:")
    assert flags[-1].level == "warning" and flags[-1].message.startswith("Warning:")


def test_flags_come_in_the_spec_order():
    record = session(
        reactions=[reaction("headache", minutes=5, grade=2, action="paused"),
                   reaction("trouble_breathing", minutes=8, grade=3, action="emergency_response"),
                   reaction("hives", minutes=9)],
        vitals=[baseline(150), vitals(10, systolic=84, diastolic=50, temperature_c="38.2"),
                vitals(30, systolic=190, diastolic=100, resp_rate=22)],
        premedications=[premed(required=True, given=False)], ended_minutes=60, discharged_minutes=70,
        status="discharged")
    assert [f.code for f in evaluate(record, UTC)] == [
        "anaphylaxis_criteria", "emergency_response", "hypotension", "news2_urgent", "serious_reaction",
        "high_grade", "news2_raised", "hypertension_severe", "fever", "moderate_reaction", "infusion_interrupted",
        "premedication_missed", "observation_shortened"]
    assert SEVERITY_ORDER[:6] == ("anaphylaxis_criteria", "emergency_response", "hypotension", "news2_urgent",
                                  "serious_reaction", "high_grade")


def test_no_restart_advice_beside_a_serious_flag():
    moderate = session(reactions=[reaction("headache", minutes=5, grade=2, action="paused")])
    assert all("restart at half rate" in f.action for f in evaluate(moderate, UTC))
    with_anaphylaxis = session(reactions=[reaction("headache", minutes=5, grade=2, action="paused"),
                                          reaction("swelling_mouth_throat", minutes=20)],
                               vitals=[vitals(21, systolic=190, diastolic=95)])
    actions = {f.code: f.action for f in evaluate(with_anaphylaxis, UTC)}
    assert not any("restart at half rate" in a or "slow the infusion" in a for a in actions.values())
    assert "do not restart" in actions["moderate_reaction"] and "do not restart" in actions["hypertension_severe"]
    assert actions["anaphylaxis_criteria"].startswith("Stop the infusion")
