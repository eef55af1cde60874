"""Every API endpoint fuzzed from the OpenAPI document: no 5xx, and a refused request stores nothing."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import func, select

from clinic import create_app
from clinic.extensions import db
from clinic.models import (
    Amendment, CheckConfirmation, InfusionSession, Patient, PremedicationRecord, ReactionEntry, Review, SessionEvent,
    VitalSigns,
)

# The document is read from an app that needs no database: /api/v1/openapi.json is static.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app({"SECRET_KEY": "fuzz", "SQLALCHEMY_DATABASE_URI": "sqlite://"}))
CLINICAL = (Patient, InfusionSession, VitalSigns, ReactionEntry, SessionEvent, PremedicationRecord,
            CheckConfirmation, Review, Amendment)


def _counts(app):
    with app.app_context():
        counts = tuple(db.session.scalar(select(func.count()).select_from(m)) for m in CLINICAL)
        db.session.remove()
        return counts


@pytest.fixture
def fuzz_target(api, make_patient):
    """A supervisor's client and one checked-in session that path parameters point at."""
    supervisor = api("supervisor")
    created = supervisor.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab"})
    return supervisor, created.get_json()["id"]


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_5xx_and_refusals_store_nothing(case, app, fuzz_target):
    supervisor, session_id = fuzz_target
    if "session_id" in case.path_parameters:
        case.path_parameters["session_id"] = session_id
    before = _counts(app)
    response = case.call(app=app, headers=supervisor.headers)
    assert response.status_code < 500, (case.method, case.path, case.body, response.text[:300])
    if response.status_code >= 400:
        assert _counts(app) == before, (case.method, case.path, case.body, response.status_code)
