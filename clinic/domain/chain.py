"""The audit log's hash chain: pure, so the app and `flask audit verify` agree."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = "0" * 64


def canonical_json(value) -> str:
    """Serialise deterministically: sorted keys, no spaces, non-ASCII kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(prev_hash: str, content: dict) -> str:
    """Hash an event's content together with the previous event's hash."""
    return hashlib.sha256((prev_hash + canonical_json(content)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainLink:
    id: int
    prev_hash: str
    hash: str
    content: dict


@dataclass(frozen=True)
class ChainResult:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    problem: str | None = None


def verify_chain(links: Iterable[ChainLink]) -> ChainResult:
    """Walk the links in id order; name the first one that was changed or follows a removal."""
    expected_prev = GENESIS
    checked = 0
    for link in links:
        if link.prev_hash != expected_prev:
            return ChainResult(False, checked, link.id, "the event before it was changed or removed")
        if event_hash(link.prev_hash, link.content) != link.hash:
            return ChainResult(False, checked, link.id, "its content does not match its hash")
        expected_prev = link.hash
        checked += 1
    return ChainResult(True, checked)
