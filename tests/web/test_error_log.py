"""A statement the database refuses is logged without the patient's data (issue 26, finding 8).

Neither the statement's parameters (SQLAlchemy's) nor the values PostgreSQL quotes back ('DETAIL: Key (mrn)=(…)',
'Failing row contains (…)') reach the error log; what failed (the constraint) still does.
"""
from __future__ import annotations

import logging
import traceback
from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from clinic.extensions import db
from clinic.models import Patient

SECRETS = ("ZQ-77341", "Wilhelmina", "Quarterstaff", "1957-03-14")


def _patient(**overrides) -> Patient:
    fields = dict(mrn=SECRETS[0], mrn_key=SECRETS[0].upper(), first_name=SECRETS[1], last_name=SECRETS[2], first_key="wilhelmina",
                  last_key="quarterstaff", date_of_birth=date(1957, 3, 14), sex="female")
    return Patient(**{**fields, **overrides})


@pytest.mark.parametrize("second, status, constraint", [
    # a duplicate MRN, as two registrations racing past the service's check make it: PostgreSQL names the value
    ({}, 409, "mrn"),
    # a failed check, a validation gap: PostgreSQL quotes the whole row
    ({"mrn": "ZQ-77342", "mrn_key": "ZQ-77342", "sex": "neither"}, 500, "sex"),
])
def test_a_refused_statement_is_logged_without_the_patients_data(app, login, caplog, monkeypatch, second, status,
                                                                  constraint):
    # Alembic's logging set-up, run by the migrations at the session's start, disables the loggers that existed.
    monkeypatch.setattr(logging.getLogger("clinic.errors"), "disabled", False)

    def write_twice():
        db.session.add(_patient())
        db.session.flush()
        db.session.add(_patient(**second))
        db.session.flush()
        return "unreachable"

    app.add_url_rule("/test-refused-write", "test_refused_write", write_twice, methods=["POST"])
    web = login("nurse")
    with caplog.at_level(logging.WARNING):
        assert web.post("/test-refused-write").status_code == status
    logged = caplog.text
    assert constraint in logged.lower()
    for secret in SECRETS:
        assert secret not in logged


def test_the_exception_itself_and_its_cause_carry_no_patient_data(app):
    with app.app_context():
        db.session.add(_patient())
        db.session.flush()
        db.session.add(_patient())
        with pytest.raises(IntegrityError) as refused:
            db.session.flush()
        db.session.rollback()
    text = "".join(traceback.format_exception(refused.value))  # with the driver's exception it was raised from
    assert "parameters hidden" in text
    for secret in SECRETS:
        assert secret not in text
