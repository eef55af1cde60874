"""The MedWatch 3500 draft's boxes and answers, decided from the record alone (SPEC §7; DOMAIN.md §3 [R1], §4).

Each box has a record that should tick it and one that should not; the answers (interrupted, dechallenge,
rechallenge) have a row for each way the record can answer them.
"""
import dataclasses
from datetime import timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.domain.flags import evaluate, without_voided
from clinic.domain.medwatch import DOES_NOT_APPLY, NO, YES, assess
from clinic.domain.records import EventRecord
from tests.unit.factories import at, baseline, reaction, session, vitals
from tests.unit.strategies import SETTINGS, sessions

UTC = timezone.utc
_ids = iter(range(10**7, 10**9))


def resolved(entry, minutes):
    """The reaction with its resolved time, `minutes` after the start."""
    return dataclasses.replace(entry, resolved_at=at(minutes))


def pause(minutes, due_to_reaction=True, reason="hives and wheeze"):
    return EventRecord(id=next(_ids), kind="pause", at=at(minutes), reason=reason, due_to_reaction=due_to_reaction)


def rate(minutes, rate_ml_h):
    return EventRecord(id=next(_ids), kind="rate_change", at=at(minutes), rate_ml_h=Decimal(rate_ml_h))


def resume(minutes):
    return EventRecord(id=next(_ids), kind="resume", at=at(minutes))


def record(reactions=(), events=(), vitals_=(), ended=None, full_dose=None, discharged=None, disposition=None,
           disposition_text=None):
    """A session with what happened next: its end, whether the full dose was given, where the patient went."""
    base = session(reactions=reactions, events=events, vitals=vitals_, ended_minutes=ended,
                   discharged_minutes=discharged, status="discharged" if discharged is not None else "infusing")
    return dataclasses.replace(base, full_dose=full_dose, disposition=disposition, disposition_text=disposition_text)


def box(assessment, code):
    return next(b for b in assessment.outcomes + assessment.recovery if b.code == code)


HIVES = reaction("hives", 18, grade=2, action="paused")
WHEEZE = reaction("trouble_breathing", 19, grade=3, action="emergency_response")
THROAT = reaction("swelling_mouth_throat", 20, grade=3, action="emergency_response")

# The scenario: a Tysabri anaphylaxis, paused for the reaction, epinephrine given, ended early with the
# full dose not given, sent to the emergency department, every reaction resolved later.
ANAPHYLAXIS = record(
    reactions=[resolved(HIVES, 150), dataclasses.replace(resolved(WHEEZE, 170), medication="Epinephrine 0.3 mg IM"),
               resolved(THROAT, 200)],
    events=[pause(20)], vitals_=[baseline(128), vitals(22, systolic=86, spo2=90)],
    ended=30, full_dose=False, discharged=55, disposition="emergency_department")


# (box, record that ticks it, record that does not): one row per box the record can decide.
TICK_TABLE = [
    pytest.param("death", record([reaction("fainting", grade=5)]), record([reaction("fainting", grade=4)]),
                 id="death_grade_5_not_4"),
    pytest.param("life_threatening", record([reaction("chest_pain", grade=4)]), record([reaction("chest_pain", grade=3)]),
                 id="life_threatening_grade_4_not_3"),
    pytest.param("life_threatening", record([reaction("hives"), reaction("trouble_breathing", 12)]),
                 record([reaction("hives"), reaction("itching", 12)]), id="life_threatening_two_systems_not_one"),
    pytest.param("life_threatening", record([reaction("swelling_mouth_throat", grade=2)]),
                 record([reaction("throat_irritation", grade=2)]), id="life_threatening_throat_swelling_not_irritation"),
    pytest.param("life_threatening", record([reaction("hives")], vitals_=[baseline(120), vitals(15, systolic=84)]),
                 record([reaction("hives")], vitals_=[baseline(120), vitals(15, systolic=90)]),
                 id="life_threatening_hives_and_systolic_84_not_90"),
    pytest.param("hospitalization", record([reaction("fainting")], ended=20, discharged=40, disposition="admitted",
                                           disposition_text="medical ward"),
                 record([reaction("fainting")], ended=20, discharged=40, disposition="emergency_department"),
                 id="hospitalization_admitted_not_emergency_department"),
    pytest.param("hospitalization", record([reaction("fainting")], ended=20, discharged=40, disposition="admitted"),
                 record([reaction("fainting")], ended=20, discharged=40, disposition="home"),
                 id="hospitalization_admitted_not_home"),
    pytest.param("recovered", record([resolved(reaction("hives"), 40), resolved(reaction("chest_pain", 12), 50)]),
                 record([resolved(reaction("hives"), 40), reaction("chest_pain", 12)]),
                 id="recovered_every_reaction_resolved_not_one_open"),
    pytest.param("recovered", record([resolved(reaction("hives"), 40)]),
                 record([resolved(reaction("fainting", grade=5), 40)]), id="recovered_not_after_a_death"),
    pytest.param("not_recovered", record([reaction("chest_pain")]), record([resolved(reaction("chest_pain"), 30)]),
                 id="not_recovered_no_resolved_time_not_resolved"),
    pytest.param("not_recovered", record(vitals_=[baseline(120), vitals(15, systolic=80)]),
                 record([resolved(reaction("chest_pain"), 30)]), id="not_recovered_vitals_only_finding"),
]


@pytest.mark.parametrize("code, ticks, does_not", TICK_TABLE)
def test_a_box_is_ticked_by_its_record_and_not_by_the_other(code, ticks, does_not):
    ticked, left = box(assess(ticks, UTC), code), box(assess(does_not, UTC), code)
    assert ticked.ticked and ticked.why
    assert not left.ticked


@pytest.mark.parametrize("code", ["disability", "congenital_anomaly", "other_serious", "required_intervention"])
def test_boxes_the_record_cannot_decide_are_left_to_the_supervisor(code):
    left = box(assess(ANAPHYLAXIS, UTC), code)
    assert not left.ticked and left.why


def test_the_anaphylaxis_scenario():
    assessment = assess(ANAPHYLAXIS, UTC)
    assert assessment.ticked() == {"life_threatening", "recovered"}
    assert box(assessment, "life_threatening").why.startswith("Anaphylaxis criteria met — swelling in the mouth")
    hospital = box(assessment, "hospitalization").why
    assert "emergency department at 15:55" in hospital and "not an admission" in hospital
    assert "emergency response" in box(assessment, "other_serious").why  # for the supervisor to weigh
    assert assessment.interrupted and assessment.interruption.startswith("Yes: paused at 15:20 because of a reaction")
    assert "ended early at 15:30: the full dose was not given" in assessment.interruption
    assert "not stopped" not in assessment.interruption
    assert assessment.dechallenge.choice == YES
    assert "paused at 15:20" in assessment.dechallenge.why and "at 18:20" in assessment.dechallenge.why
    assert "Epinephrine 0.3 mg IM" in assessment.dechallenge.why  # treatment given too: stopping was not all
    assert assessment.rechallenge.choice == DOES_NOT_APPLY
    assert [(h.at, h.text) for h in assessment.course] == [
        (at(0), "Infusion started."),
        (at(20), "Paused because of a reaction (reason charted: “hives and wheeze”); not resumed."),
        (at(30), "Ended early: the full dose was not given."),
        (at(55), "Discharged to the emergency department (a transfer; not recorded as an admission)."),
    ]
    assert box(assessment, "recovered").why.endswith("Swelling in the mouth or throat, at 18:20.")
    assert [h.lead.code for h in assessment.headlines][0] == "anaphylaxis_criteria"


@pytest.mark.parametrize("rec, interrupted, words", [
    pytest.param(record([HIVES], events=[pause(20)]), True, "Yes: paused at 15:20 because of a reaction",
                 id="a_pause"),
    pytest.param(record([reaction("headache")], events=[pause(20, due_to_reaction=False, reason="bathroom"),
                                                        resume(25)]),
                 True, "Yes: paused at 15:20 (reason charted: “bathroom”); resumed at 15:25", id="a_pause_resumed"),
    pytest.param(record([reaction("hives")], ended=30, full_dose=False), True,
                 "Yes: ended early at 15:30: the full dose was not given", id="an_early_end"),
    pytest.param(record([reaction("hives", action="stopped")]), True,
                 "Yes: the action recorded for Hives (onset 15:10) is “Infusion stopped”, but no pause or early end",
                 id="a_reaction_recorded_as_stopping_it"),
    pytest.param(record([reaction("hives")], ended=60, full_dose=True), False,
                 "No: no pause was charted and no reaction was recorded as pausing or stopping it; ended at 16:00 "
                 "with the full dose given", id="full_dose_given"),
    pytest.param(record([reaction("hives")]), False, "No: no pause was charted", id="still_running"),
])
def test_interrupted_or_stopped_and_when(rec, interrupted, words):
    assessment = assess(rec, UTC)
    assert assessment.interrupted is interrupted
    assert assessment.interruption.startswith(words)


@pytest.mark.parametrize("rec, choice, words", [
    pytest.param(record([resolved(HIVES, 40)], events=[pause(20)]), YES,
                 "paused at 15:20; every reaction resolved, the last (Hives) at 15:40", id="resolved_after_the_pause"),
    pytest.param(record([resolved(reaction("hives"), 50)], ended=30, full_dose=False), YES,
                 "ended early at 15:30; every reaction resolved", id="resolved_after_the_early_end"),
    pytest.param(record([HIVES], events=[pause(20)]), None, "no resolved time for Hives", id="no_resolved_time"),
    pytest.param(record([resolved(reaction("hives"), 40)], ended=60, full_dose=True), None,
                 "not paused or ended early after the reaction began", id="no_stop"),
    pytest.param(record([resolved(reaction("hives", action="rate_slowed"), 40)], events=[rate(12, "50")]), None,
                 "The rate was changed to 50 mL/h at 15:12: whether that was a dose reduced", id="rate_slowed_only"),
    pytest.param(record([resolved(reaction("hives"), 15)], events=[pause(20, due_to_reaction=False)]), None,
                 "had resolved before the infusion was paused", id="resolved_before_the_stop"),
    pytest.param(record([resolved(reaction("hives", action="stopped"), 40)]), None,
                 "no pause or early end was charted with its time", id="stop_recorded_without_its_time"),
    pytest.param(record(vitals_=[baseline(120), vitals(15, systolic=80)], events=[pause(16)]), None,
                 "No reaction was charted", id="no_reaction"),
])
def test_dechallenge(rec, choice, words):
    answer = assess(rec, UTC).dechallenge
    assert answer.choice == choice
    assert words in answer.why


@pytest.mark.parametrize("rec, choice, words", [
    pytest.param(record([HIVES], events=[pause(20)], ended=30, full_dose=False), DOES_NOT_APPLY,
                 "not restarted", id="not_resumed"),
    pytest.param(record([HIVES, reaction("hives", 40)], events=[pause(20), resume(30)]), YES,
                 "Hives began at 15:40 after it", id="reaction_again_after_the_resume"),
    pytest.param(record([HIVES], events=[pause(20), resume(30)], ended=60, full_dose=True, discharged=120,
                        disposition="home"), NO, "no reaction was charted after it up to discharge at 17:00",
                 id="none_after_the_resume_to_discharge"),
    pytest.param(record([HIVES], events=[pause(20), resume(30)]), None, "not discharged yet",
                 id="none_after_the_resume_so_far"),
    pytest.param(record([reaction("hives")], ended=60, full_dose=True), DOES_NOT_APPLY, "not stopped",
                 id="never_stopped"),
])
def test_rechallenge(rec, choice, words):
    answer = assess(rec, UTC).rechallenge
    assert answer.choice == choice
    assert words in answer.why


def test_voided_entries_say_nothing():
    voided_stop = record([reaction("chest_pain", grade=5, voided=True)],
                         events=[dataclasses.replace(pause(20), voided=True)])
    assessment = assess(voided_stop, UTC)
    assert "death" not in assessment.ticked() and not assessment.interrupted


def test_times_are_the_clinic_s_and_another_day_says_its_date():
    late = record([resolved(reaction("hives"), 60 * 20)], events=[pause(20)])
    assessment = assess(late, ZoneInfo("America/New_York"))
    assert assessment.interruption.startswith("Yes: paused at 10:20")  # 15:20 UTC
    assert "at 2026-11-25 06:00" in assessment.dechallenge.why


# --- properties over any record (hypothesis) -------------------------------------------------------------------

@st.composite
def followed_up(draw):
    """A valid session with what happened next: pauses and resumes, resolved times, an end, a disposition."""
    base = draw(sessions)
    reactions = tuple(dataclasses.replace(r, resolved_at=r.onset_at + timedelta(minutes=m)) if m is not None else r
                      for r in base.reactions for m in [draw(st.none() | st.integers(0, 600))])
    times = sorted(draw(st.lists(st.integers(0, 240), max_size=6, unique=True)))
    events = tuple(EventRecord(id=next(_ids), kind="pause" if i % 2 == 0 else "resume", at=at(t),
                               due_to_reaction=draw(st.booleans()), voided=draw(st.booleans()))
                   for i, t in enumerate(times))
    ended = draw(st.none() | st.integers(0, 300)) if base.started_at else None
    discharged = draw(st.none() | st.integers(0, 200)) if ended is not None else None
    return dataclasses.replace(
        base, reactions=reactions, events=events,
        ended_at=at(ended) if ended is not None else None,
        full_dose=draw(st.none() | st.booleans()) if ended is not None else None,
        discharged_at=at(ended + discharged) if discharged is not None else None,
        disposition=draw(st.sampled_from(["home", "emergency_department", "admitted", "other"]))
        if discharged is not None else None, disposition_text="somewhere")


@SETTINGS
@given(followed_up())
def test_every_statement_follows_from_the_record(rec):
    assessment = assess(rec, UTC)
    clean = without_voided(rec)
    pauses = [e for e in clean.events if e.kind == "pause"]
    early_end = clean.ended_at is not None and clean.full_dose is False
    assert assessment.interrupted == bool(pauses or early_end
                                          or any(r.action in ("paused", "stopped") for r in clean.reactions))
    assert assessment.interruption.startswith("Yes: ") == assessment.interrupted
    ticked = assessment.ticked()
    assert ("death" in ticked) == any(r.grade == 5 for r in clean.reactions)
    assert ("life_threatening" in ticked) == (any(r.grade == 4 for r in clean.reactions)
                                              or any(f.code == "anaphylaxis_criteria" for f in evaluate(clean)))
    assert ("hospitalization" in ticked) == (clean.disposition == "admitted")
    assert ("recovered" in ticked) == (bool(clean.reactions) and all(r.resolved_at for r in clean.reactions)
                                       and not any(r.grade == 5 for r in clean.reactions))
    assert not ticked & {"disability", "congenital_anomaly", "other_serious", "required_intervention"}
    assert all(b.why for b in assessment.outcomes + assessment.recovery if b.ticked)
    if assessment.dechallenge.choice == YES:
        assert assessment.interrupted and any(r.resolved_at for r in clean.reactions)
    if not (pauses or early_end):
        assert assessment.dechallenge.choice is None and assessment.rechallenge.choice == DOES_NOT_APPLY


@SETTINGS
@given(followed_up())
def test_voided_entries_change_nothing(rec):
    assert assess(rec, UTC) == assess(without_voided(rec), UTC)

