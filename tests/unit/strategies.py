"""Hypothesis strategies for valid session records, shared by the rules' property tests."""
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from clinic.domain.catalog import ACTIONS, REACTIONS
from clinic.domain.records import PremedicationRecord, ReactionRecord, VitalsRecord
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


@st.composite
def premedications(draw):
    given = draw(st.booleans())
    at = START + timedelta(minutes=draw(st.integers(-90, 60)))
    return PremedicationRecord(id=draw(st.integers(1, 10**6)), code="premed", text="Premedication",
                               required=draw(st.booleans()), given_at=at if given else None,
                               not_given_reason=None if given else "refused", charted_at=at,
                               voided=draw(st.booleans()))


sessions = st.builds(
    lambda v, r, p, started, born, pregnant, scale: session(vitals=v, reactions=r, premedications=p, started=started,
                                                            born=born, pregnant=pregnant, spo2_scale=scale),
    st.lists(readings(), max_size=8, unique_by=lambda x: x.id),
    st.lists(reactions(), max_size=6, unique_by=lambda x: x.id),
    st.lists(premedications(), max_size=3, unique_by=lambda x: x.id),
    st.booleans(), st.dates(date(1920, 1, 1), date(2025, 1, 1)), st.booleans(), st.sampled_from([1, 2]),
)
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
