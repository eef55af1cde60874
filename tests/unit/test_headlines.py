"""One headline per clinical event (SPEC §5): flags sharing evidence under the most severe one."""
from datetime import datetime, timezone

import pytest
from hypothesis import given

from clinic.domain.flags import SEVERITY_ORDER, Evidence, Flag, evaluate, headlines
from tests.unit.factories import baseline, reaction, session, vitals
from tests.unit.strategies import SETTINGS, sessions

UTC = timezone.utc


def shape(record):
    """Each headline as (lead code, [codes under it])."""
    return [(h.lead.code, [f.code for f in h.others]) for h in headlines(evaluate(record, UTC))]


@pytest.mark.parametrize("record, expected", [
    pytest.param(session(), [], id="no_flags"),
    pytest.param(session(reactions=[reaction("trouble_breathing", grade=3), reaction("hives")]),
                 [("anaphylaxis_criteria", ["serious_reaction", "high_grade"])],
                 id="graded_serious_reaction_meeting_anaphylaxis"),
    pytest.param(session(vitals=[baseline(120), vitals(10, systolic=84)]),
                 [("hypotension", ["news2_urgent"])], id="low_systolic_raises_two_rules_one_event"),
    pytest.param(session(reactions=[reaction("fainting", grade=4, action="emergency_response")]),
                 [("emergency_response", ["serious_reaction", "high_grade"])], id="emergency_for_one_reaction"),
    pytest.param(session(reactions=[reaction("headache", grade=2, action="paused"),
                                    reaction("swelling_mouth_throat", minutes=30)]),
                 [("anaphylaxis_criteria", ["serious_reaction"]),
                  ("moderate_reaction", ["infusion_interrupted"])], id="two_events"),
    pytest.param(session(vitals=[vitals(10, temperature_c="38.3"), vitals(40, temperature_c="38.6")]),
                 [("fever", []), ("fever", [])], id="same_rule_different_readings"),
    pytest.param(session(reactions=[reaction("hives", minutes=5)],
                         vitals=[baseline(120), vitals(10, systolic=84), vitals(20, spo2=90)]),
                 [("anaphylaxis_criteria", ["hypotension", "news2_urgent", "news2_urgent"])],
                 id="anaphylaxis_gathers_its_readings"),
])
def test_headlines(record, expected):
    assert shape(record) == expected


def test_a_headline_shows_the_most_severe_message_and_its_action():
    record = session(reactions=[reaction("trouble_breathing", minutes=12, grade=3), reaction("hives", minutes=10)])
    (headline,) = headlines(evaluate(record, UTC))
    assert headline.level == "serious" and headline.message.startswith("Serious: anaphylaxis criteria met")
    assert headline.action.startswith("Stop the infusion; call the emergency team or 911")


def test_advice_beside_an_anaphylaxis_never_says_restart():
    record = session(reactions=[reaction("headache", grade=2, action="paused"), reaction("swelling_mouth_throat")])
    flags = evaluate(record, UTC)
    second = headlines(flags)[1]
    assert second.lead.code == "moderate_reaction"
    assert "restart at half rate" not in second.action and "do not restart" in second.action
    alone = headlines(evaluate(session(reactions=[reaction("headache", grade=2, action="paused")]), UTC))[0]
    assert "restart at half rate" in alone.action


def _flag(code, level, *evidence_ids, action=""):
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return Flag(code, level, code, tuple(Evidence("vitals", i, at, "") for i in evidence_ids), action)


def test_a_flag_that_shares_evidence_with_two_events_joins_them():
    fever, raised, hypotension = (_flag("fever", "warning", 1), _flag("news2_raised", "warning", 2),
                                  _flag("hypotension", "serious", 1, 2))
    (headline,) = headlines([fever, raised, hypotension])
    assert headline.lead is hypotension and [f.code for f in headline.others] == ["news2_raised", "fever"]


def test_stored_flags_read_back_and_group_the_same():
    record = session(reactions=[reaction("trouble_breathing", grade=3), reaction("hives")])
    flags = evaluate(record, UTC)
    stored = [Flag.from_dict(f.to_dict()) for f in flags]
    assert stored == list(flags) and headlines(stored) == headlines(flags)


@SETTINGS
@given(sessions)
def test_headlines_partition_the_flags_by_shared_evidence(record):
    flags = evaluate(record, UTC)
    result = headlines(flags)
    grouped = [f for h in result for f in h.flags]
    assert sorted(grouped, key=repr) == sorted(flags, key=repr)  # every flag once
    rank = SEVERITY_ORDER.index
    assert [rank(h.lead.code) for h in result] == sorted(rank(h.lead.code) for h in result)
    evidence = [{(e.kind, e.id) for f in h.flags for e in f.evidence} for h in result]
    for i, mine in enumerate(evidence):
        assert all(rank(h.lead.code) <= rank(f.code) for h in result[i:i + 1] for f in h.others)
        assert not any(mine & other for other in evidence[i + 1:]), "two headlines share evidence"
        assert result[i].action == result[i].lead.action


def test_at_a_glance_never_hides_an_anaphylaxis_or_emergency():
    from clinic.domain.flags import at_a_glance

    anaphylaxis = session(reactions=[reaction("trouble_breathing", grade=3, action="stopped"), reaction("hives"),
                                     reaction("headache", minutes=40, grade=2)],
                          vitals=[baseline(120), vitals(30, temperature_c="38.4"), vitals(45, systolic=190)])
    stored = [f.to_dict() for f in evaluate(anaphylaxis, UTC)]
    everything = headlines(evaluate(anaphylaxis, UTC))
    assert len(everything) >= 3
    for limit in (0, 1):
        glance = at_a_glance(stored, limit=limit)
        assert glance.shown[0].lead.code == "anaphylaxis_criteria" and len(glance.shown) == 1
        assert glance.more == len(everything) - 1
    two = at_a_glance(stored, limit=2)
    assert [h.lead.code for h in two.shown] == [h.lead.code for h in everything[:2]] and two.more == len(everything) - 2
    emergency = session(reactions=[reaction("fainting", grade=2, action="emergency_response")],
                        vitals=[baseline(120), vitals(30, temperature_c="38.4")])
    glance = at_a_glance(evaluate(emergency, UTC), limit=0)
    assert [h.lead.code for h in glance.shown] == ["emergency_response"] and glance.more == 1
    assert at_a_glance([], limit=3) == at_a_glance([], limit=0)
    assert at_a_glance(stored, limit=99).more == 0


def test_a_news2_headlines_title_leaves_the_points_to_the_flags_list():
    # The fresh-clone review: the NEWS2 message with every parameter's points pushed the next form down.
    (headline,) = headlines(evaluate(session(vitals=[baseline(120), vitals(10, heart_rate=134, resp_rate=26)]), UTC))
    assert headline.lead.code == "news2_urgent" and "scores 3" in headline.message
    assert "scores" not in headline.title
    assert headline.title.startswith("Serious: NEWS2 6 at ") and "high score" not in headline.title
    assert "medium score (5–6): urgent response." in headline.title


def test_advice_is_left_out_only_where_the_message_already_says_it():
    (news2_headline,) = headlines(evaluate(session(vitals=[baseline(120), vitals(10, heart_rate=134, resp_rate=26)]),
                                           UTC))
    assert news2_headline.action and news2_headline.action in news2_headline.message and news2_headline.advice == ""
    (fainting,) = headlines(evaluate(session(reactions=[reaction("fainting", grade=4, action="emergency_response")]),
                                     UTC))
    assert fainting.advice and fainting.advice == fainting.action and fainting.advice not in fainting.message
