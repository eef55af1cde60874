"""The drug and reaction catalog, versioned.

A session points at the exact drug version it was recorded with, so a later
edit of the catalog never rewrites what a record said at the time.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

CATALOG_SOURCES = ("file", "admin")


class Drug(db.Model):
    __tablename__ = "drugs"
    __table_args__ = (
        CheckConstraint("category IN ('disease_modifying', 'supportive')", name="category"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    brand: Mapped[str] = mapped_column(String(200))
    generic: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The version in force; (code, current_version) identifies its DrugVersion row.
    current_version: Mapped[int] = mapped_column(Integer, default=1)


class DrugVersion(db.Model):
    __tablename__ = "drug_versions"
    __table_args__ = (
        UniqueConstraint("drug_code", "version", name="uq_drug_versions_code_version"),
        CheckConstraint("source IN ('file', 'admin')", name="source"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    drug_code: Mapped[str] = mapped_column(ForeignKey("drugs.code"))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Reaction(db.Model):
    __tablename__ = "reactions"
    __table_args__ = (
        CheckConstraint("reaction_group IN ('infusion_reaction', 'side_effect', 'serious')", name="group"),
        CheckConstraint("source IN ('file', 'admin')", name="source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    reaction_group: Mapped[str] = mapped_column(String(32))
    # Comma-separated anaphylaxis systems; empty when none.
    systems: Mapped[str] = mapped_column(String(100), default="")
    help_text: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(8), default="file")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
