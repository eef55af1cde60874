"""A chair-board card's few headlines (SPEC §5, §10): most severe first, an anaphylaxis or emergency never left out."""
from datetime import datetime, timezone

import pytest
from hypothesis import given

from clinic.domain.flag_brief import NEVER_HIDDEN, brief
from clinic.domain.flags import Evidence, Flag, evaluate, headlines
from tests.unit.factories import baseline, reaction, session, vitals
from tests.unit.strategies import SETTINGS, sessions

UTC = timezone.utc


def _flag(code, level, evidence_id):
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return Flag(code, level, f"{code} {evidence_id}", (Evidence("vitals", evidence_id, at, ""),))


def named(result):
    return [(line.headline.lead.code, [f.code for f in line.also]) for line in result.lines]


# Separate events (no shared evidence), listed least severe first to show the brief does not trust the order.
WARNINGS = [_flag("dose_changed", "warning", 1), _flag("fever", "warning", 2), _flag("news2_raised", "warning", 3),
            _flag("moderate_reaction", "warning", 4)]


@pytest.mark.parametrize("flags, room, expected, more", [
    pytest.param([], 3, [], 0, id="no_flags"),
    pytest.param(WARNINGS[:3], 3, [("news2_raised", []), ("fever", []), ("dose_changed", [])], 0, id="room_for_all"),
    pytest.param(WARNINGS, 3, [("news2_raised", []), ("fever", []), ("moderate_reaction", [])], 1,
                 id="one_more_than_room"),
    pytest.param(WARNINGS + [_flag("hypotension", "serious", 9)], 1, [("hypotension", [])], 4,
                 id="a_serious_flag_first"),
    pytest.param(WARNINGS + [_flag("anaphylaxis_criteria", "serious", 7), _flag("emergency_response", "serious", 8),
                             _flag("hypotension", "serious", 9)], 1,
                 [("anaphylaxis_criteria", []), ("emergency_response", [])], 5,
                 id="anaphylaxis_and_emergency_beyond_the_room"),
    pytest.param([_flag("anaphylaxis_criteria", "serious", i) for i in range(5)], 3,
                 [("anaphylaxis_criteria", [])] * 5, 0, id="every_anaphylaxis_whatever_the_room"),
])
def test_brief(flags, room, expected, more):
    result = brief(flags, room)
    assert named(result) == expected and result.more == more


def test_an_emergency_grouped_under_an_anaphylaxis_is_named_under_it():
    record = session(reactions=[reaction("trouble_breathing", grade=3, action="emergency_response"),
                                reaction("hives", grade=2)])
    (line,) = brief(evaluate(record, UTC)).lines
    assert line.headline.lead.code == "anaphylaxis_criteria"
    assert [f.code for f in line.also] == ["emergency_response"]


def test_a_tysabri_anaphylaxis_with_many_flags_leads_with_the_anaphylaxis():
    """The issue's case: one anaphylaxis raised a flag per reaction and rule; the board showed three and hid it."""
    record = session(
        reactions=[reaction("hives", minutes=8, grade=2, action="paused"),
                   reaction("trouble_breathing", minutes=10, grade=3, action="stopped"),
                   reaction("swelling_mouth_throat", minutes=11, grade=3, action="emergency_response"),
                   reaction("nausea", minutes=12, grade=2, action="medication_given")],
        vitals=[baseline(130), vitals(12, systolic=84, spo2=89, heart_rate=128)])
    flags = evaluate(record, UTC)
    assert len(flags) >= 8
    result = brief(flags)
    assert result.lines[0].headline.lead.code == "anaphylaxis_criteria"
    shown = {line.headline.lead.code for line in result.lines} | {f.code for line in result.lines for f in line.also}
    assert {"anaphylaxis_criteria", "emergency_response"} <= shown


@SETTINGS
@given(sessions)
def test_nothing_never_hidden_is_hidden_and_the_rest_is_counted(record):
    flags = evaluate(record, UTC)
    result = brief(flags, room=1)
    named_codes = {line.headline.lead.code for line in result.lines} | {f.code for line in result.lines
                                                                        for f in line.also}
    assert {f.code for f in flags if f.code in NEVER_HIDDEN} <= named_codes
    assert len(result.lines) + result.more == len(headlines(flags))
    assert [line.headline for line in result.lines] == list(headlines(flags)[:len(result.lines)])
