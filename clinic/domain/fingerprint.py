"""The record's fingerprint: a SHA-256 over its clinical content.

Printed on the visit summary so a paper copy can be matched to the record.
Charting times and who charted are part of the record too.
"""
from __future__ import annotations

import dataclasses
import hashlib
from datetime import date, datetime
from decimal import Decimal

from .chain import canonical_json
from .records import SessionRecord


def _plain(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (date, Decimal)):
        return str(value)
    return value


# The signature itself changes these; leaving them out lets anyone recompute the
# fingerprint from the signed record later and get the same value.
_NOT_CONTENT = ("status", "finalized_at")


def fingerprint(record: SessionRecord, extra: dict | None = None) -> str:
    """Return the hex SHA-256 of the record's canonical content (plus amendments, if any)."""
    plain = _plain(record)
    for moving in _NOT_CONTENT:
        plain.pop(moving, None)
    content = {"record": plain, "extra": extra or {}}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
