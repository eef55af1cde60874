"""The append-only, hash-chained audit log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_user", "user_id", "id"),
        Index("ix_audit_events_patient", "patient_id", "id"),
        Index("ix_audit_events_action", "action", "id"),
        Index("ix_audit_events_occurred", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[int | None] = mapped_column(Integer)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    # Canonical JSON text, exactly as hashed, so verification never depends on
    # how a database round-trips a JSON type.
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    # HMAC-SHA-256 under AUDIT_KEY of the previous hash and this event's content (clinic.domain.chain).
    hash: Mapped[str] = mapped_column(String(64), unique=True)
