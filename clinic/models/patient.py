"""Patients. Never deleted: marked inactive instead."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

SEXES = ("female", "male", "other", "unknown")


def search_key(*parts: str) -> str:
    """Fold a name for case-insensitive prefix search on any database."""
    return " ".join(p.strip().casefold() for p in parts if p and p.strip())


class Patient(db.Model):
    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint("sex IN ('female', 'male', 'other', 'unknown')", name="sex"),
        CheckConstraint("weight_kg IS NULL OR (weight_kg >= 20 AND weight_kg <= 350)", name="weight"),
        CheckConstraint("spo2_scale IN (1, 2)", name="spo2_scale"),
        Index("ix_patients_last_key", "last_key"),
        Index("ix_patients_first_key", "first_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mrn: Mapped[str] = mapped_column(String(32), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Casefolded copies of the names, indexed for prefix search.
    first_key: Mapped[str] = mapped_column(String(100))
    last_key: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8), default="unknown")
    allergies: Mapped[str | None] = mapped_column(Text)
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    phone: Mapped[str | None] = mapped_column(String(40))
    preferred_language: Mapped[str] = mapped_column(String(16), default="en")
    pregnant: Mapped[bool] = mapped_column(Boolean, default=False)
    # NEWS2 SpO₂ scale: 2 only for a prescribed 88–92 % target (DOMAIN.md §5), set with the prescriber's target.
    spo2_scale: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
