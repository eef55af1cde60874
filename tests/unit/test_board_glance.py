"""What a chair-board card shows of many flags (SPEC §5): `at_a_glance` on the issue's Tysabri anaphylaxis and
on any session."""
from datetime import timezone

from hypothesis import given

from clinic.domain.flags import NEVER_HIDDEN, at_a_glance, evaluate, headlines
from tests.unit.factories import baseline, reaction, session, vitals
from tests.unit.strategies import SETTINGS, sessions

UTC = timezone.utc


def test_a_tysabri_anaphylaxis_with_many_flags_leads_with_the_anaphylaxis():
    """The issue's case: one anaphylaxis raised a flag per reaction and rule; the board showed three and hid it."""
    record = session(
        reactions=[reaction("hives", minutes=8, grade=2, action="paused"),
                   reaction("trouble_breathing", minutes=10, grade=3, action="stopped"),
                   reaction("swelling_mouth_throat", minutes=11, grade=3, action="emergency_response"),
                   reaction("nausea", minutes=12, grade=2, action="medication_given")],
        vitals=[baseline(130), vitals(12, systolic=84, spo2=89, heart_rate=128), vitals(20, temperature_c="38.4"),
                vitals(30, systolic=190, diastolic=112)])
    flags = evaluate(record, UTC)
    assert len(flags) >= 8
    glance = at_a_glance([f.to_dict() for f in flags], limit=1)
    assert [h.lead.code for h in glance.shown] == ["anaphylaxis_criteria"] and glance.more >= 1
    assert "emergency_response" in {f.code for f in glance.shown[0].flags}


@SETTINGS
@given(sessions)
def test_no_anaphylaxis_or_emergency_is_left_out_and_the_rest_is_counted(record):
    flags = evaluate(record, UTC)
    glance = at_a_glance(flags, limit=1)
    named = {f.code for h in glance.shown for f in h.flags}
    assert {f.code for f in flags if f.code in NEVER_HIDDEN} <= named
    assert len(glance.shown) + glance.more == len(headlines(flags))
    assert list(glance.shown) == list(headlines(flags)[:len(glance.shown)])
