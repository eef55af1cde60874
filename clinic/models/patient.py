"""Patients. Never deleted: marked inactive instead."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, VoidableMixin, utcnow

SEXES = ("female", "male", "other", "unknown")


KEY_LENGTH = 100  # the search keys' columns; a name may grow when casefolded ("ß" is "ss")


def search_key(*parts: str) -> str:
    """Fold a name for case-insensitive prefix search on any database (cut to the key's column)."""
    return " ".join(p.strip().casefold() for p in parts if p and p.strip())[:KEY_LENGTH]


def mrn_key(mrn: str) -> str:
    """The MRN as compared: without regard to case (SPEC §3). MRNs are ASCII, so upper() keeps the length."""
    return mrn.strip().upper()


class Patient(db.Model):
    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint("sex IN ('female', 'male', 'other', 'unknown')", name="sex"),
        CheckConstraint("weight_kg IS NULL OR (weight_kg >= 20 AND weight_kg <= 350)", name="weight"),
        CheckConstraint("spo2_scale IN (1, 2)", name="spo2_scale"),
        CheckConstraint("height_cm IS NULL OR (height_cm >= 50 AND height_cm <= 250)", name="height"),
        Index("ix_patients_last_key", "last_key"),
        Index("ix_patients_first_key", "first_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mrn: Mapped[str] = mapped_column(String(32), unique=True)
    # The MRN uppercased: unique, so two MRNs differing only in case are one patient on every database.
    mrn_key: Mapped[str] = mapped_column(String(32), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Casefolded copies of the names, indexed for prefix search.
    first_key: Mapped[str] = mapped_column(String(100))
    last_key: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8), default="unknown")
    allergies: Mapped[str | None] = mapped_column(Text)
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    weight_taken_on: Mapped[date | None] = mapped_column(Date)
    height_cm: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
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


class TreatmentHistory(VoidableMixin, db.Model):
    """Earlier infusions of a drug given elsewhere, entered for a patient who transfers in (SPEC §3)."""

    __tablename__ = "treatment_history"
    __table_args__ = (
        CheckConstraint("infusions >= 1 AND infusions <= 200", name="infusions"),
        Index("ix_treatment_history_patient_drug", "patient_id", "drug_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    drug_code: Mapped[str] = mapped_column(ForeignKey("drugs.code"))
    infusions: Mapped[int] = mapped_column(Integer)
    last_infusion_on: Mapped[date] = mapped_column(Date)
    had_reaction: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by = relationship("User")


class PatientAlert(db.Model):
    """Do not re-treat (DOMAIN.md §1.3): raised by a qualifying reaction, lifted only by a supervisor, kept."""

    __tablename__ = "patient_alerts"
    __table_args__ = (Index("ix_patient_alerts_patient", "patient_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    # The drug codes it stops, comma-separated (natalizumab's covers both natalizumab products).
    drugs: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("infusion_sessions.id"))
    reaction_entry_id: Mapped[int | None] = mapped_column(ForeignKey("reaction_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lift_reason: Mapped[str | None] = mapped_column(Text)

    lifted_by = relationship("User")

    @property
    def drug_codes(self) -> tuple[str, ...]:
        return tuple(code for code in self.drugs.split(",") if code)

    @property
    def standing(self) -> bool:
        return self.lifted_at is None
