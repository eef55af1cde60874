"""Every rule of SPEC §5 at and either side of its boundaries."""
from datetime import date, timezone

import pytest

from clinic.domain.flags import evaluate, is_serious
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


def test_reactions_before_the_start_do_not_count_for_anaphylaxis():
    record = session(reactions=[reaction("hives", minutes=-10), reaction("vomiting", minutes=-5)])
    assert "anaphylaxis_criteria" not in codes(record)


def test_not_started_session_counts_nothing_for_anaphylaxis():
    record = session(started=False, reactions=[reaction("hives"), reaction("vomiting")])
    assert "anaphylaxis_criteria" not in codes(record)


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
