"""An infusion session and everything charted on it."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text,
    UniqueConstraint, false, text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.lifecycle import OPEN, STATUSES
from ..extensions import db
from .types import UTCDateTime, VoidableMixin, utcnow

DISPOSITIONS = ("home", "emergency_department", "admitted", "other")
PHASES = ("baseline", "during", "end", "observation", "discharge")
CONSCIOUSNESS = ("alert", "confusion", "voice", "pain", "unresponsive")
ACTIONS = ("none", "rate_slowed", "paused", "stopped", "medication_given", "emergency_response")
EVENT_KINDS = ("rate_change", "pause", "resume")
FLAG_LEVELS = ("none", "warning", "serious")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


_OPEN_IN_ORDER = tuple(status for status in STATUSES if status in OPEN)


class InfusionSession(db.Model):
    __tablename__ = "infusion_sessions"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("flag_level", FLAG_LEVELS), name="flag_level"),
        CheckConstraint("infusion_number >= 1", name="infusion_number"),
        CheckConstraint("dose > 0", name="dose_positive"),
        CheckConstraint("dose_basis IN ('fixed', 'per_kg', 'per_m2')", name="dose_basis"),
        CheckConstraint("disposition IS NULL OR " + _in("disposition", DISPOSITIONS), name="disposition"),
        CheckConstraint("observation_minutes >= 0", name="observation_minutes"),
        CheckConstraint("ended_at IS NULL OR started_at IS NOT NULL", name="end_needs_start"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="end_after_start"),
        Index("ix_infusion_sessions_day_status", "session_date", "status"),
        Index("ix_infusion_sessions_patient_drug", "patient_id", "drug_code", "infusion_number"),
        Index("ix_infusion_sessions_review", "needs_review", "flag_level", "flags_raised_at"),
        CheckConstraint("reaction_count >= 0", name="reaction_count"),
        # Every started_at range (the reaction report above all) uses this index; the report reads
        # only these columns, so on PostgreSQL the index alone can answer it.
        Index("ix_infusion_sessions_report", "started_at",
              postgresql_include=["status", "drug_code", "infusion_number", "lot_number", "session_date",
                                  "reaction_count", "flag_level"]),
        # The report's count of reactions by code joins only the sessions with a reaction (about one
        # in eight): their start times and what the join and its filters read, in a small index.
        Index("ix_infusion_sessions_reacted", "started_at", postgresql_include=["id", "status", "drug_code"],
              sqlite_where=text("reaction_count > 0"), postgresql_where=text("reaction_count > 0")),
        # One open session per patient and drug: a second check-in would count as the next infusion.
        Index("uq_infusion_sessions_one_open", "patient_id", "drug_code", unique=True,
              sqlite_where=text(_in("status", _OPEN_IN_ORDER)),
              postgresql_where=text(_in("status", _OPEN_IN_ORDER))),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    drug_code: Mapped[str] = mapped_column(ForeignKey("drugs.code"))
    drug_version_id: Mapped[int] = mapped_column(ForeignKey("drug_versions.id"))
    product_code: Mapped[str | None] = mapped_column(String(64))
    dose: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    dose_unit: Mapped[str] = mapped_column(String(16))
    # What the protocol said for this infusion (for weight- or surface-based doses: the order per kg or m²
    # and the measurements it was worked out from), and why the dose given differs by more than 10 %.
    dose_basis: Mapped[str] = mapped_column(String(8), default="fixed", server_default="fixed")
    dose_per: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    protocol_dose: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    height_cm: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    surface_m2: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    dose_reason: Mapped[str | None] = mapped_column(Text)
    prescriber: Mapped[str | None] = mapped_column(String(200))
    # The rate plan chosen at check-in, in mL/h: {"code", "label", "steps": [{"rate_ml_h", "minutes"}]}.
    rate_plan: Mapped[dict | None] = mapped_column(JSON)
    # Check-in refusals a prescriber overrode: [{"kind": "retreat" | "interval", "prescriber", "reason", ...}].
    overrides: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # Whether this session's reactions raised a do-not-re-treat alert (the alert names the session).
    raised_alert: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    lot_number: Mapped[str | None] = mapped_column(String(64))
    lot_expiry: Mapped[date | None] = mapped_column(Date)
    infusion_number: Mapped[int] = mapped_column(Integer)
    chair: Mapped[str | None] = mapped_column(String(32))
    nurse_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    # The clinic-local day the session belongs to, for the chair board.
    session_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_charted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_charted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who ended the infusion: only they may undo the end, and only for a short while (lifecycle.undo_end_refusal).
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    full_dose: Mapped[bool | None] = mapped_column(Boolean)
    observation_minutes: Mapped[int] = mapped_column(Integer, default=0)
    observation_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discharged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discharged_charted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    early_reason: Mapped[str | None] = mapped_column(Text)
    # Where the patient went at discharge.
    disposition: Mapped[str | None] = mapped_column(String(24))
    disposition_text: Mapped[str | None] = mapped_column(String(200))
    cancelled_reason: Mapped[str | None] = mapped_column(Text)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalized_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    next_appointment: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    # Flags are derived data, recomputed by the services on every change and
    # stored so the board, the queue and the reports read one evaluation.
    flags: Mapped[list] = mapped_column(JSON, default=list)
    flag_level: Mapped[str] = mapped_column(String(8), default="none")
    flags_raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_vitals_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Non-voided reaction entries, kept with the flags so reports aggregate one table.
    reaction_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # The services bump the version once per change (sessions.save_change), however many times the
    # change is flushed: a client's If-Match names the version it read, one number per change.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    patient = relationship("Patient")
    nurse = relationship("User", foreign_keys=[nurse_id])
    finalized_by = relationship("User", foreign_keys=[finalized_by_id])
    drug_version = relationship("DrugVersion")
    vitals: Mapped[list[VitalSigns]] = relationship(order_by="VitalSigns.taken_at", back_populates="infusion")
    reactions: Mapped[list[ReactionEntry]] = relationship(order_by="ReactionEntry.onset_at", back_populates="infusion")
    events: Mapped[list[SessionEvent]] = relationship(order_by="SessionEvent.occurred_at", back_populates="infusion")
    premedications: Mapped[list[PremedicationRecord]] = relationship(back_populates="infusion")
    checks: Mapped[list[CheckConfirmation]] = relationship(back_populates="infusion")

    @property
    def is_serious(self) -> bool:
        return self.flag_level == "serious"


class VitalSigns(VoidableMixin, db.Model):
    __tablename__ = "vital_signs"
    __table_args__ = (
        CheckConstraint(_in("phase", PHASES), name="phase"),
        CheckConstraint("consciousness IS NULL OR " + _in("consciousness", CONSCIOUSNESS), name="consciousness"),
        CheckConstraint("systolic IS NULL OR systolic BETWEEN 40 AND 300", name="systolic"),
        CheckConstraint("diastolic IS NULL OR diastolic BETWEEN 20 AND 200", name="diastolic"),
        CheckConstraint("systolic IS NULL OR diastolic IS NULL OR diastolic < systolic", name="diastolic_below_systolic"),
        CheckConstraint("heart_rate IS NULL OR heart_rate BETWEEN 20 AND 250", name="heart_rate"),
        CheckConstraint("resp_rate IS NULL OR resp_rate BETWEEN 4 AND 60", name="resp_rate"),
        CheckConstraint("temperature_c IS NULL OR temperature_c BETWEEN 30.0 AND 44.0", name="temperature"),
        CheckConstraint("spo2 IS NULL OR spo2 BETWEEN 50 AND 100", name="spo2"),
        CheckConstraint("pain IS NULL OR pain BETWEEN 0 AND 10", name="pain"),
        CheckConstraint(
            "systolic IS NOT NULL OR diastolic IS NOT NULL OR heart_rate IS NOT NULL OR resp_rate IS NOT NULL"
            " OR temperature_c IS NOT NULL OR spo2 IS NOT NULL OR on_oxygen IS NOT NULL"
            " OR consciousness IS NOT NULL OR pain IS NOT NULL",
            name="not_empty",
        ),
        Index("ix_vital_signs_session_taken", "session_id", "taken_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("infusion_sessions.id"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    charted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    phase: Mapped[str] = mapped_column(String(16))
    systolic: Mapped[int | None] = mapped_column(Integer)
    diastolic: Mapped[int | None] = mapped_column(Integer)
    heart_rate: Mapped[int | None] = mapped_column(Integer)
    resp_rate: Mapped[int | None] = mapped_column(Integer)
    temperature_c: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    spo2: Mapped[int | None] = mapped_column(Integer)
    on_oxygen: Mapped[bool | None] = mapped_column(Boolean)
    consciousness: Mapped[str | None] = mapped_column(String(16))
    pain: Mapped[int | None] = mapped_column(Integer)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    infusion = relationship("InfusionSession", back_populates="vitals")
    recorded_by = relationship("User")


class ReactionEntry(VoidableMixin, db.Model):
    __tablename__ = "reaction_entries"
    __table_args__ = (
        CheckConstraint("grade BETWEEN 1 AND 5", name="grade"),
        CheckConstraint(_in("action", ACTIONS), name="action"),
        CheckConstraint("reaction_group IN ('infusion_reaction', 'side_effect', 'serious')", name="group"),
        Index("ix_reaction_entries_session", "session_id", "onset_at"),
        Index("ix_reaction_entries_code", "reaction_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("infusion_sessions.id"))
    reaction_code: Mapped[str] = mapped_column(ForeignKey("reactions.code"))
    # What the catalog said when it was ticked: a later catalog edit must not
    # change the flags of a recorded session.
    reaction_label: Mapped[str] = mapped_column(String(200))
    reaction_group: Mapped[str] = mapped_column(String(32))
    systems: Mapped[str] = mapped_column(String(100), default="")
    onset_at: Mapped[datetime] = mapped_column(UTCDateTime)
    charted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    grade: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    medication: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    infusion = relationship("InfusionSession", back_populates="reactions")
    recorded_by = relationship("User")


class SessionEvent(VoidableMixin, db.Model):
    """A rate change, pause or resume."""

    __tablename__ = "session_events"
    __table_args__ = (
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind"),
        CheckConstraint("rate_ml_h IS NULL OR (rate_ml_h > 0 AND rate_ml_h <= 2000)", name="rate"),
        CheckConstraint("kind <> 'rate_change' OR rate_ml_h IS NOT NULL", name="rate_change_has_rate"),
        Index("ix_session_events_session", "session_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("infusion_sessions.id"))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    charted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rate_ml_h: Mapped[Decimal | None] = mapped_column(Numeric(7, 1))
    reason: Mapped[str | None] = mapped_column(Text)
    due_to_reaction: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    infusion = relationship("InfusionSession", back_populates="events")
    recorded_by = relationship("User")


class PremedicationRecord(VoidableMixin, db.Model):
    __tablename__ = "premedication_records"
    __table_args__ = (
        CheckConstraint(
            "(given_at IS NOT NULL AND not_given_reason IS NULL)"
            " OR (given_at IS NULL AND not_given_reason IS NOT NULL)",
            name="given_or_reason",
        ),
        Index("ix_premedication_records_session", "session_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("infusion_sessions.id"))
    code: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(300))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    given_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dose: Mapped[str | None] = mapped_column(String(100))
    not_given_reason: Mapped[str | None] = mapped_column(Text)
    charted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    infusion = relationship("InfusionSession", back_populates="premedications")
    recorded_by = relationship("User")


class CheckConfirmation(db.Model):
    __tablename__ = "check_confirmations"
    __table_args__ = (UniqueConstraint("session_id", "code", name="uq_check_confirmations_session_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("infusion_sessions.id"))
    code: Mapped[str] = mapped_column(String(64))
    prompt: Mapped[str] = mapped_column(Text)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    infusion = relationship("InfusionSession", back_populates="checks")
    confirmed_by = relationship("User")
