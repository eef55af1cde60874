"""Demo accounts, patients and today's sessions, for trying Chairside out. Idempotent."""
from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..models import Patient, User
from . import accounts, patients
from .actor import Actor

DEMO_USERS = (
    ("nurse", "nurse", "Nora Nurse"),
    ("supervisor", "supervisor", "Sam Supervisor"),
    ("admin", "admin", "Ada Admin"),
)

DEMO_PATIENTS = (
    dict(mrn="MRN-100001", first_name="Maria", last_name="Lopez", date_of_birth=date(1984, 3, 12), sex="female",
         allergies="Penicillin (rash)", weight_kg=Decimal("64.0"), phone="555-0142"),
    dict(mrn="MRN-100002", first_name="James", last_name="Okafor", date_of_birth=date(1979, 11, 2), sex="male",
         allergies=None, weight_kg=Decimal("82.5"), phone="555-0178"),
    dict(mrn="MRN-100003", first_name="Aiko", last_name="Tanaka", date_of_birth=date(1991, 6, 24), sex="female",
         allergies="Latex", weight_kg=Decimal("58.2"), phone="555-0119"),
    dict(mrn="MRN-100004", first_name="Daniel", last_name="Fischer", date_of_birth=date(1968, 1, 30), sex="male",
         allergies=None, weight_kg=Decimal("90.1"), phone="555-0163"),
    dict(mrn="MRN-100005", first_name="Priya", last_name="Raman", date_of_birth=date(1995, 9, 8), sex="female",
         allergies="Sulfa drugs", weight_kg=Decimal("61.7"), phone="555-0127"),
    dict(mrn="MRN-100006", first_name="Tom", last_name="Brennan", date_of_birth=date(1972, 4, 17), sex="male",
         allergies=None, weight_kg=Decimal("77.0"), phone="555-0185"),
)


def _seed_users(actor: Actor) -> list[tuple[str, str, str]]:
    if db.session.scalar(select(User.id).limit(1)) is not None:
        return []
    logins = []
    for username, role, name in DEMO_USERS:
        password = f"{role}-" + secrets.token_urlsafe(9)
        accounts.create_user(actor, username, name, role, password)
        logins.append((username, role, password))
    return logins


def _seed_patients(actor: Actor, progress) -> None:
    existing = set(db.session.scalars(select(Patient.mrn)))
    with progress(DEMO_PATIENTS, label="Demo patients") as items:
        for fields in items:
            if fields["mrn"] not in existing:
                patients.register(actor, **fields)


def seed(actor: Actor, progress) -> list[tuple[str, str, str]]:
    """Create what is missing; return the new demo logins (empty when users already exist)."""
    logins = _seed_users(actor)
    _seed_patients(actor, progress)
    return logins
