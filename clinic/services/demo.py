"""Demo accounts, patients and today's sessions, for trying Chairside out. Idempotent."""
from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..models import InfusionSession, Patient, User, utcnow
from . import accounts, patients, sessions, treatment
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
    dict(mrn="MRN-100007", first_name="Elena", last_name="Petrova", date_of_birth=date(1987, 2, 9), sex="female",
         allergies=None, weight_kg=Decimal("68.4"), height_cm=Decimal("166.0"), phone="555-0131",
         preferred_language="es"),
)
# Elena Petrova transferred in after two Ocrevus infusions elsewhere: her next one here is infusion 3 (600 mg).
TRANSFER_IN = dict(mrn="MRN-100007", drug="ocrelizumab", infusions=2, days_ago=170, had_reaction=False,
                   source="Referral letter, Dr Lee, Riverside MS Center")


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
                patient = patients.register(actor, **fields)
                if fields["mrn"] == TRANSFER_IN["mrn"]:
                    _transferred_in(actor, patient.id)


def _transferred_in(actor: Actor, patient_id: int) -> None:
    details = {name: value for name, value in TRANSFER_IN.items() if name not in ("mrn", "days_ago")}
    treatment.record_history(actor, patient_id, last_infusion_on=utcnow().date() - timedelta(days=TRANSFER_IN["days_ago"]),
                             **details)


def _ago(minutes: int):
    return utcnow() - timedelta(minutes=minutes)


def _baseline(nurse: Actor, session_id: int, minutes: int, **values) -> None:
    sessions.record_vitals(nurse, session_id, taken_at=_ago(minutes), phase="baseline", **values)


def _started(nurse: Actor, patient_id: int, drug: str, chair: str, today, minutes: int) -> int:
    """Check in and start a session `minutes` ago, with its checks, premedications and baseline."""
    infusion = sessions.check_in(nurse, today, patient_id=patient_id, drug=drug, chair=chair, lot_number="DEMO-LOT")
    drug_def = sessions.definition_of(infusion)
    checks = drug_def.required_checks(infusion.infusion_number)
    if checks:
        sessions.confirm_checks(nurse, infusion.id, list(checks))
    for code in drug_def.required_premedications(infusion.infusion_number):
        sessions.record_premedication(nurse, infusion.id, code=code, given_at=_ago(minutes + 30))
    _baseline(nurse, infusion.id, minutes + 10, systolic=124, diastolic=78, heart_rate=72, resp_rate=14,
              temperature_c=Decimal("36.7"), spo2=98, on_oxygen=False, consciousness="alert")
    sessions.start(nurse, infusion.id, at=_ago(minutes))
    return infusion.id


def _seed_sessions(actor: Actor, today, progress) -> None:
    """Put a realistic day on the chair board: waiting, infusing, a reaction, observation."""
    if db.session.scalar(select(InfusionSession.id).where(InfusionSession.session_date == today).limit(1)):
        return
    nurse_user = db.session.scalar(select(User).where(User.role == "nurse").order_by(User.id).limit(1))
    if nurse_user is None:
        return
    nurse = Actor.for_user(nurse_user, actor.client_addr)
    ids = {p.mrn: p.id for p in db.session.scalars(select(Patient).where(Patient.mrn.in_(
        [f["mrn"] for f in DEMO_PATIENTS])))}
    steps = [
        lambda: sessions.check_in(nurse, today, patient_id=ids["MRN-100001"], drug="natalizumab", chair="1"),
        lambda: _started(nurse, ids["MRN-100002"], "ocrelizumab", "2", today, 50),
        lambda: _reacting(nurse, ids["MRN-100003"], today),
        lambda: _observing(nurse, ids["MRN-100004"], today),
        lambda: _started(nurse, ids["MRN-100005"], "natalizumab", "5", today, 20),
        # Transferred in after two infusions elsewhere: checked in for infusion 3 at the maintenance dose.
        lambda: sessions.check_in(nurse, today, patient_id=ids["MRN-100007"], drug="ocrelizumab", chair="6"),
    ]
    with progress(steps, label="Demo sessions") as items:
        for step in items:
            step()


def _reacting(nurse: Actor, patient_id: int, today) -> None:
    session_id = _started(nurse, patient_id, "ocrelizumab", "3", today, 70)
    sessions.record_vitals(nurse, session_id, taken_at=_ago(25), phase="during", systolic=102, diastolic=64,
                           heart_rate=112, resp_rate=22, spo2=94, temperature_c=Decimal("37.9"))
    sessions.record_reactions(nurse, session_id, [
        {"code": "itching", "onset_at": _ago(27), "grade": 2, "action": "rate_slowed"},
        {"code": "flushing", "onset_at": _ago(27), "grade": 2, "action": "medication_given",
         "medication": "Diphenhydramine 25 mg IV"}])
    sessions.change_rate(nurse, session_id, at=_ago(26), rate_ml_h=Decimal("60"))


def _observing(nurse: Actor, patient_id: int, today) -> None:
    session_id = _started(nurse, patient_id, "natalizumab", "4", today, 80)
    sessions.record_vitals(nurse, session_id, taken_at=_ago(60), phase="during", systolic=122, diastolic=76,
                           heart_rate=70, spo2=98)
    sessions.end(nurse, session_id, at=_ago(15), full_dose=True)
    sessions.record_vitals(nurse, session_id, taken_at=_ago(10), phase="end", systolic=120, diastolic=74, heart_rate=68)


def seed(actor: Actor, progress, today=None) -> list[tuple[str, str, str]]:
    """Create what is missing; return the new demo logins (empty when users already exist)."""
    logins = _seed_users(actor)
    _seed_patients(actor, progress)
    if today is not None:
        _seed_sessions(actor, today, progress)
    return logins
