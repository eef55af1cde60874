"""The audit log's keyed hash chain and its checkpoints: pure, so the app and `flask audit` agree.

Each event's hash is an HMAC-SHA-256, under a key the database does not hold, of the previous event's
hash and the event's content: whoever can write to the table but does not hold the key can neither edit
an event nor forge the hashes of a rewritten chain. What the chain alone cannot show (its last events
removed, or every event) a checkpoint shows: the chain's length and head, signed, kept where the database's
users cannot change them.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = "0" * 64


def canonical_json(value) -> str:
    """Serialise deterministically: sorted keys, no spaces, non-ASCII kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(prev_hash: str, content: dict, key: bytes) -> str:
    """HMAC-SHA-256 of the previous event's hash and this event's content."""
    return hmac.new(key, (prev_hash + canonical_json(content)).encode("utf-8"), hashlib.sha256).hexdigest()


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
    last_id: int | None = None
    head: str = GENESIS


def verify_chain(links: Iterable[ChainLink], key: bytes) -> ChainResult:
    """Walk the links in id order; name the first one that was changed, forged or follows a removal."""
    expected_prev, checked, last_id = GENESIS, 0, None
    for link in links:
        if link.prev_hash != expected_prev:
            return ChainResult(False, checked, link.id, "the event before it was changed or removed")
        if not hmac.compare_digest(event_hash(link.prev_hash, link.content, key), link.hash):
            return ChainResult(False, checked, link.id, "its content does not match its hash")
        expected_prev, last_id = link.hash, link.id
        checked += 1
    return ChainResult(True, checked, last_id=last_id, head=expected_prev)


# --- checkpoints ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Checkpoint:
    """The chain as it stood: how many events, the last one's id and hash; signed with the key."""

    taken_at: str
    count: int
    last_id: int | None
    head: str
    signature: str = ""

    def _message(self) -> bytes:
        return f"chairside-audit-checkpoint|{self.taken_at}|{self.count}|{self.last_id}|{self.head}".encode()

    def signed(self, key: bytes) -> Checkpoint:
        return Checkpoint(self.taken_at, self.count, self.last_id, self.head,
                          hmac.new(key, self._message(), hashlib.sha256).hexdigest())

    def signed_by(self, key: bytes) -> bool:
        return hmac.compare_digest(hmac.new(key, self._message(), hashlib.sha256).hexdigest(), self.signature)

    def to_json(self) -> str:
        return canonical_json({"taken_at": self.taken_at, "count": self.count, "last_id": self.last_id,
                               "head": self.head, "signature": self.signature})

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        data = json.loads(text)
        return cls(str(data["taken_at"]), int(data["count"]), data["last_id"], str(data["head"]),
                   str(data["signature"]))


def against_checkpoint(result: ChainResult, hash_at, checkpoint: Checkpoint, key: bytes) -> str | None:
    """What a verified chain lost since the checkpoint, in words; None when it holds all it held then.

    `hash_at(event_id)` returns the stored hash of that event, or None when there is no such event.
    """
    if not checkpoint.signed_by(key):
        return "the checkpoint is not signed with this key: it was changed, or made with another key"
    if checkpoint.count == 0:
        return None
    if result.checked == 0:
        return (f"the audit table was emptied: the checkpoint of {checkpoint.taken_at} counted "
                f"{checkpoint.count} events")
    if result.checked < checkpoint.count:
        return (f"events were removed from the end of the chain: it holds {result.checked} events, the "
                f"checkpoint of {checkpoint.taken_at} counted {checkpoint.count} (up to event {checkpoint.last_id})")
    stored = hash_at(checkpoint.last_id)
    if stored != checkpoint.head:
        return (f"the chain was rewritten: event {checkpoint.last_id} no longer has the hash the checkpoint of "
                f"{checkpoint.taken_at} recorded")
    return None
