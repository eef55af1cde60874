"""Properties of the rules over any valid session (hypothesis)."""
import dataclasses
import random
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from clinic.domain import news2
from clinic.domain.catalog import ACTIONS, reaction_by_code
from clinic.domain.flags import SEVERITY_ORDER, evaluate, headlines, watched_from
from clinic.domain.records import ReactionRecord
from tests.unit.factories import START
from tests.unit.strategies import SETTINGS, reactions, readings, sessions


@SETTINGS
@given(sessions)
def test_rules_never_raise_on_a_valid_session(record):
    for flag in evaluate(record):
        assert flag.level in ("serious", "warning") and flag.message and flag.evidence


@SETTINGS
@given(sessions, reactions())
def test_adding_a_reaction_never_removes_a_serious_flag(record, extra):
    before = {f.code for f in evaluate(record) if f.level == "serious"}
    after = {f.code for f in evaluate(dataclasses.replace(record, reactions=record.reactions + (extra,)))
             if f.level == "serious"}
    assert before <= after


@SETTINGS
@given(sessions, st.randoms())
def test_order_of_entries_does_not_change_the_result(record, rnd: random.Random):
    vitals, reacts = list(record.vitals), list(record.reactions)
    rnd.shuffle(vitals)
    rnd.shuffle(reacts)
    shuffled = dataclasses.replace(record, vitals=tuple(vitals), reactions=tuple(reacts))
    assert evaluate(shuffled) == evaluate(record)


@SETTINGS
@given(sessions)
def test_flags_are_in_the_spec_order(record):
    ranks = [SEVERITY_ORDER.index(f.code) for f in evaluate(record)]
    assert ranks == sorted(ranks)


@SETTINGS
@given(sessions)
def test_no_advice_to_carry_on_beside_a_serious_flag(record):
    flags = evaluate(record)
    if any(f.level == "serious" for f in flags):
        assert not any("restart at half rate" in f.action or "slow the infusion" in f.action for f in flags)
        assert not any("restart at half rate" in h.action for h in headlines(flags))


@SETTINGS
@given(sessions, st.integers(-120, 300), st.integers(1, 5), st.sampled_from([a for a, _ in ACTIONS]))
def test_face_swelling_at_any_time_raises_a_serious_flag_naming_it(record, minutes, grade, action):
    r = reaction_by_code("swelling_face")
    entry = ReactionRecord(id=10**7, code=r.code, label=r.label, group=r.group, systems=r.systems,
                           onset_at=START + timedelta(minutes=minutes), grade=grade, action=action)
    flags = evaluate(dataclasses.replace(record, reactions=record.reactions + (entry,)))
    named = [f for f in flags if f.code == "serious_reaction" and any(e.id == entry.id for e in f.evidence)]
    assert len(named) == 1 and "Swelling of the face, lips or eyelids" in named[0].message
    assert named[0].level == "serious"


@SETTINGS
@given(sessions)
def test_hypertension_severe_is_raised_by_exactly_the_high_standing_readings(record):
    high = {v.id for v in record.vitals if not v.voided and (
        (v.systolic is not None and v.systolic >= 180) or (v.diastolic is not None and v.diastolic >= 110))}
    flags = [f for f in evaluate(record) if f.code == "hypertension_severe"]
    assert {f.evidence[0].id for f in flags} == high and len(flags) == len(high)
    assert all(f.level == "warning" and f.evidence[0].at.strftime("%H:%M") in f.message for f in flags)


@SETTINGS
@given(sessions, st.data())
def test_anaphylaxis_does_not_depend_on_when_the_reactions_happened(record, data):
    moved = tuple(dataclasses.replace(r, onset_at=START + timedelta(minutes=data.draw(st.integers(-240, 480))))
                  for r in record.reactions)
    had = any(f.code == "anaphylaxis_criteria" for f in evaluate(record))
    has = any(f.code == "anaphylaxis_criteria" for f in evaluate(dataclasses.replace(record, reactions=moved)))
    assert had == has


@SETTINGS
@given(sessions)
def test_readings_before_the_first_premedication_and_the_start_never_raise_hypotension_or_anaphylaxis(record):
    standing = dataclasses.replace(record, premedications=tuple(p for p in record.premedications if not p.voided))
    since = watched_from(standing)
    for flag in evaluate(record):
        if flag.code in ("hypotension", "anaphylaxis_criteria"):
            assert all(since is not None and e.at >= since for e in flag.evidence if e.kind == "vitals")


@SETTINGS
@given(readings())
def test_spo2_scale_2_changes_only_the_spo2_points_and_never_adds_any_on_air(reading):
    one, two = news2.score(reading, 1), news2.score(reading, 2)
    assert {k: p for k, p in one.parameters.items() if k != "spo2"} == \
        {k: p for k, p in two.parameters.items() if k != "spo2"}
    if reading.spo2 is not None and reading.on_oxygen is False:
        assert two.parameters["spo2"] <= one.parameters["spo2"]
    if reading.spo2 is not None and 88 <= reading.spo2 <= 92:
        assert two.parameters["spo2"] == 0
