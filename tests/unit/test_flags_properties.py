"""Properties of the rules over any valid session (hypothesis)."""
import dataclasses
import random
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.domain.catalog import ACTIONS, REACTIONS
from clinic.domain.flags import evaluate
from clinic.domain.records import ReactionRecord, VitalsRecord
from tests.unit.factories import START, session

opt = lambda s: st.none() | s  # noqa: E731


@st.composite
def readings(draw):
    systolic = draw(opt(st.integers(40, 300)))
    diastolic = draw(opt(st.integers(20, min(200, systolic - 1) if systolic else 200)))
    values = dict(
        systolic=systolic, diastolic=diastolic, heart_rate=draw(opt(st.integers(20, 250))),
        resp_rate=draw(opt(st.integers(4, 60))),
        temperature_c=draw(opt(st.integers(300, 440).map(lambda t: Decimal(t) / 10))),
        spo2=draw(opt(st.integers(50, 100))), on_oxygen=draw(opt(st.booleans())),
        consciousness=draw(opt(st.sampled_from(["alert", "confusion", "voice", "pain", "unresponsive"]))),
        pain=draw(opt(st.integers(0, 10))),
    )
    if all(v is None for v in values.values()):
        values["heart_rate"] = 70
    return VitalsRecord(id=draw(st.integers(1, 10**6)), taken_at=START + timedelta(minutes=draw(st.integers(-60, 300))),
                        phase=draw(st.sampled_from(["baseline", "during", "end", "observation", "discharge"])),
                        voided=draw(st.booleans()), **values)


@st.composite
def reactions(draw):
    r = draw(st.sampled_from(REACTIONS))
    return ReactionRecord(id=draw(st.integers(1, 10**6)), code=r.code, label=r.label, group=r.group,
                          systems=r.systems, onset_at=START + timedelta(minutes=draw(st.integers(-60, 300))),
                          grade=draw(st.integers(1, 5)), action=draw(st.sampled_from([a for a, _ in ACTIONS])),
                          voided=draw(st.booleans()))


sessions = st.builds(
    lambda v, r, started, born, pregnant: session(vitals=v, reactions=r, started=started, born=born,
                                                  pregnant=pregnant),
    st.lists(readings(), max_size=8, unique_by=lambda x: x.id),
    st.lists(reactions(), max_size=6, unique_by=lambda x: x.id),
    st.booleans(), st.dates(date(1920, 1, 1), date(2025, 1, 1)), st.booleans(),
)
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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
