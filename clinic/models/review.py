"""Supervisors' reviews of flagged sessions, and amendments to finalized ones."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

OUTCOMES = ("acknowledged", "escalated", "reported_externally")


class Review(db.Model):
    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("outcome IN ('acknowledged', 'escalated', 'reported_externally')", name="outcome"),
        Index("ix_reviews_session", "session_id", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("infusion_sessions.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    # The flags the reviewer saw, so a later flag can be told apart.
    flags_seen: Mapped[list] = mapped_column(JSON, default=list)

    reviewer = relationship("User")


class Amendment(db.Model):
    __tablename__ = "amendments"
    __table_args__ = (
        CheckConstraint("length(reason) > 0", name="reason_required"),
        Index("ix_amendments_session", "session_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("infusion_sessions.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    changes: Mapped[list] = mapped_column(JSON)  # [{field, before, after}]
    fingerprint: Mapped[str] = mapped_column(String(64))

    author = relationship("User")
