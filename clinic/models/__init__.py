"""All models, imported here so Alembic sees the whole metadata."""
from .audit import AuditEvent
from .catalog import Drug, DrugVersion, Reaction
from .infusion import (
    CheckConfirmation, InfusionSession, PremedicationRecord, ReactionEntry, SessionEvent, VitalSigns,
)
from .patient import Patient, PatientAlert, TreatmentHistory
from .review import Amendment, Review
from .types import utcnow
from .user import ROLES, ApiToken, LoginSession, User

__all__ = [
    "Amendment", "ApiToken", "AuditEvent", "CheckConfirmation", "Drug", "DrugVersion", "InfusionSession",
    "LoginSession", "Patient", "PatientAlert", "PremedicationRecord", "ROLES", "Reaction", "ReactionEntry", "Review",
    "SessionEvent", "TreatmentHistory", "User", "VitalSigns", "utcnow",
]
