"""A session's flags in the little room a chair-board card has (SPEC §5, §10).

The card names a few headlines, most severe first, and counts the rest. However little the room, it never
leaves out an anaphylaxis or an emergency response: those are what the charge nurse must see across the
room, so every headline and every flag under a headline with one of those codes is named.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .flags import Flag, Headline, headlines

NEVER_HIDDEN = frozenset({"anaphylaxis_criteria", "emergency_response"})
ROOM = 3


@dataclass(frozen=True)
class BriefLine:
    headline: Headline
    # Flags grouped under the headline that must be named as well (an emergency response under an anaphylaxis).
    also: tuple[Flag, ...]

    @property
    def level(self) -> str:
        return self.headline.level

    @property
    def message(self) -> str:
        return self.headline.message


@dataclass(frozen=True)
class Brief:
    lines: tuple[BriefLine, ...]
    more: int  # headlines not named, all of them less severe than the last one named


def _critical(headline: Headline) -> bool:
    return any(flag.code in NEVER_HIDDEN for flag in headline.flags)


def brief(flags: Iterable[Flag], room: int = ROOM) -> Brief:
    """Name the first `room` headlines (most severe first) and every headline with an anaphylaxis or
    emergency flag beyond them; count the others."""
    lines, more = [], 0
    for headline in headlines(flags):
        if len(lines) < room or _critical(headline):
            also = tuple(f for f in headline.others if f.code in NEVER_HIDDEN)
            lines.append(BriefLine(headline, also))
        else:
            more += 1
    return Brief(tuple(lines), more)
