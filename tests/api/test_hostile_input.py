"""Hostile input, table by table (issue 26 §5, §6, §8; SPEC §11): what passes validation is stored on both
databases, and what cannot be stored is refused with 400/404/413/422 naming the field, never a 500.

Every table runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (where a value longer than its
column, a NUL or a number beyond the column's scale is an error rather than silently kept).
"""
from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clinic.extensions import db
from clinic.models import Patient
from tests.helpers import ago, iso, now, post, started_session

NUL = "\u0000"


@pytest.fixture
def nurse(api):
    return api("nurse")


@pytest.fixture
def session_id(nurse, make_patient):
    response = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _patient(**fields):
    return {"mrn": f"H{abs(hash(json.dumps(fields, sort_keys=True))) % 10**8}", "first_name": "Ann",
            "last_name": "Lee", "date_of_birth": "1980-01-01", **fields}


def _refused(response, field, status=422):
    body = response.get_json()
    assert response.status_code == status, (response.status_code, body)
    assert field in body["error"].get("fields", {}), body
    return body


def _stored_patients(ctx):
    with ctx():
        return db.session.scalar(select(func.count()).select_from(Patient))


# --- text: lengths the columns hold, characters the databases refuse ------------------------------------------

# (field, value, why) for a patient registered through the API: each refused with 422 naming the field.
BAD_PATIENT_TEXT = [
    ("first_name", "A" * 101, "longer than the column (100)"),
    ("last_name", "L" * 200, "the schema allowed 200, the column 100"),
    ("first_name", "Ann" + NUL, "NUL"),
    ("last_name", "Lee\u0007", "a control character (bell)"),
    ("last_name", "Lee\u001b[31m", "an escape sequence"),
    ("last_name", "Le\u0085e", "C1 control (next line)"),
    ("first_name", "Ann\tMarie", "a tab in a one-line field"),
    ("first_name", "Ann\nMarie", "a new line in a one-line field"),
    ("first_name", "\u200b\u200c\u200d\u2060\ufeff", "only zero-width and format characters"),
    ("last_name", "\u00ad\u200e", "only a soft hyphen and a direction mark"),
    ("first_name", "Ann\ud800", "a lone surrogate (not UTF-8)"),
    ("allergies", "penicillin" + NUL, "NUL in multi-line text"),
    ("phone", "555" + NUL, "NUL in the phone"),
    ("mrn", "M1" + NUL, "NUL in the MRN"),
]


@pytest.mark.parametrize(("field", "value", "why"), BAD_PATIENT_TEXT, ids=[w for *_, w in BAD_PATIENT_TEXT])
def test_patient_text_the_database_cannot_hold_is_refused_naming_the_field(nurse, ctx, field, value, why):
    _refused(nurse.post("/api/v1/patients", json=_patient(**{field: value})), field)
    assert _stored_patients(ctx) == 0


# (field, value): accepted and stored exactly as entered on both databases.
GOOD_PATIENT_TEXT = [
    ("last_name", "L" * 100),
    ("last_name", "ß" * 60),  # 120 characters once casefolded for search
    ("last_name", "ß" * 100),
    ("first_name", "Zoë-Ånne O'Brien"),
    ("last_name", "Nguyễn\u200dThị"),  # a joiner inside a real name is kept
    ("allergies", "penicillin: rash\n\tsulfa: hives"),  # multi-line text keeps its lines and tabs
]


@pytest.mark.parametrize(("field", "value"), GOOD_PATIENT_TEXT)
def test_patient_text_that_passes_is_stored_exactly(nurse, field, value):
    created = nurse.post("/api/v1/patients", json=_patient(**{field: value}))
    assert created.status_code == 201, created.get_json()
    stored = nurse.get(f"/api/v1/patients/{created.get_json()['id']}").get_json()
    assert stored[field] == value


def test_a_long_casefolded_name_is_still_found(nurse):
    created = nurse.post("/api/v1/patients", json=_patient(last_name="ß" * 60)).get_json()
    found = nurse.get("/api/v1/patients?q=" + "SS" * 3).get_json()
    assert [p["id"] for p in found] == [created["id"]]


# (path under the session, body, field): text in the session's entries.
def _session_text_cases():
    at = ago(5)
    return [
        ("premedications", {"code": "PREMED", "given_at": at, "dose": "D" * 101}, "dose"),
        ("premedications", {"code": "PREMED", "given_at": at, "dose": "650 mg" + NUL}, "dose"),
        ("premedications", {"code": "PREMED", "not_given_reason": "refused" + NUL}, "not_given_reason"),
        ("vitals", {"taken_at": at, "phase": "baseline", "systolic": 120, "diastolic": 80, "consciousness": NUL},
         "consciousness"),
        ("cancel", {"reason": "duplicate" + NUL}, "reason"),
        ("cancel", {"reason": "\u200b\u200b"}, "reason"),
        ("reactions", {"code": "itching", "onset_at": at, "grade": 1, "action": "none", "notes": "x" + NUL}, "notes"),
        ("reactions", {"code": "itching", "onset_at": at, "grade": 1, "action": "none",
                       "medication": "diphenhydramine\u0008"}, "medication"),
        ("reactions", {"code": "itching" + NUL, "onset_at": at, "grade": 1, "action": "none"}, "code"),
    ]


@pytest.mark.parametrize("index", range(len(_session_text_cases())))
def test_session_text_is_refused_naming_the_field(nurse, make_patient, index):
    action, body, field = _session_text_cases()[index]
    created = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "ocrelizumab"})
    session = created.get_json()
    if body.get("code") == "PREMED":
        body = {**body, "code": session["required_premedications"][0]}
    before = nurse.get(f"/api/v1/sessions/{session['id']}").get_json()["version"]
    _refused(nurse.post(f"/api/v1/sessions/{session['id']}/{action}", json=body), field)
    assert nurse.get(f"/api/v1/sessions/{session['id']}").get_json()["version"] == before


def test_a_premedication_dose_of_100_characters_is_stored(nurse, make_patient):
    session = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "ocrelizumab"}).get_json()
    row = post(nurse, session["id"], "premedications", {"code": session["required_premedications"][0],
                                                        "given_at": ago(5), "dose": "D" * 100}, 201)
    assert row["dose"] == "D" * 100


CHECK_IN_TEXT = [
    ("notes", "n" + NUL), ("prescriber", "Dr" + NUL), ("lot_number", "L" + NUL), ("chair", "4" + NUL),
    ("dose_unit", "mg" + NUL), ("prescriber", "\u2060"), ("notes", "line\u001b"),
]


@pytest.mark.parametrize(("field", "value"), CHECK_IN_TEXT)
def test_check_in_text_is_refused_naming_the_field(nurse, make_patient, field, value):
    response = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab",
                                                    field: value})
    _refused(response, field)


def test_an_override_reason_with_nul_is_refused(nurse, make_patient):
    response = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab",
                                                    "override": {"prescriber": "Dr A", "reason": "ok" + NUL}})
    _refused(response, "override.reason")


def test_history_source_and_search_with_nul(nurse, make_patient):
    patient = make_patient()
    _refused(nurse.post(f"/api/v1/patients/{patient.id}/history",
                        json={"drug": "natalizumab", "infusions": 2, "last_infusion_on": "2026-01-05",
                              "had_reaction": False, "source": "letter" + NUL}), "source")
    assert nurse.get("/api/v1/patients?q=" + NUL).status_code == 422
    assert nurse.get("/api/v1/patients?q=%00").status_code == 422


def test_notes_keep_their_lines(nurse, make_patient):
    created = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab",
                                                   "notes": "first line\r\nsecond\tline"})
    assert created.status_code == 201 and created.get_json()


# --- numbers from the address and the headers ------------------------------------------------------------------

def test_if_match_takes_ascii_digits_only(nurse, session_id):
    for header in ("²", "١٢", "1" * 30, "-1", "0x10"):
        response = nurse.post(f"/api/v1/sessions/{session_id}/checks", json={"codes": ["touch_authorized"]},
                              headers={"If-Match": header})
        assert response.status_code in (409, 422), (header, response.status_code)
    version = nurse.get(f"/api/v1/sessions/{session_id}").get_json()["version"]
    post(nurse, session_id, "checks", {"codes": ["touch_authorized"]}, headers={"If-Match": f'"{version}"'})


@pytest.mark.parametrize("url", [
    "/api/v1/sessions/99999999999999999999", "/api/v1/patients/99999999999999999999",
    "/api/v1/sessions/2147483648", "/api/v1/sessions/%C2%B2",
])
def test_ids_in_the_path_beyond_the_column_are_not_found(nurse, url):
    assert nurse.get(url).status_code == 404


@pytest.mark.parametrize("query", [
    "before=99999999999999999999999", "before=²", "before=-5", "patient=²", "patient=99999999999999999999",
    "patient=%00", "user=%00", "action=%00", "from=0001-01-01&to=9999-12-31", "from=9999-12-31",
    "to=0001-01-01", "from=%00",
])
def test_audit_filters_beyond_what_the_database_holds(login, query):
    supervisor = login("supervisor")
    response = supervisor.get("/audit?" + query)
    assert response.status_code in (200, 400, 422), (query, response.status_code)


@pytest.mark.parametrize("query", ["from=0001-01-01&to=9999-12-31", "from=0001-01-01", "to=9999-12-31",
                                   "drug=%00", "from=%00"])
def test_report_ranges_beyond_the_calendar(login, api, query):
    assert login("supervisor").get("/reports?" + query).status_code in (200, 400, 422)
    assert api("supervisor").get("/api/v1/reports/reactions?" + query).status_code in (400, 422)


@pytest.mark.parametrize("query", ["patient_id=99999999999999999999", "patient_id=²", "patient_id=-1",
                                   "q=%00", "drug=%00"])
def test_check_in_page_with_numbers_beyond_the_column(login, query):
    assert login("nurse").get("/sessions/new?" + query).status_code in (200, 400, 404, 422)


def test_patient_search_page_with_nul(login):
    assert login("nurse").get("/patients?q=%00").status_code in (200, 400, 422)


# --- JSON bodies -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [100, 1500, 100_000])
def test_deeply_nested_json_is_refused_before_it_is_parsed(nurse, session_id, depth):
    body = '{"reason": "x", "changes": ' + "[" * depth + "]" * depth + "}"
    response = nurse.client.post(f"/api/v1/sessions/{session_id}/amendments", data=body,
                                 headers={**nurse.headers, "Content-Type": "application/json"})
    assert response.status_code == 400, response.status_code
    assert response.get_json()["error"]["code"] == "bad_request"


def test_deep_json_to_a_page_is_refused_too(client):
    body = "[" * 5000 + "]" * 5000
    response = client.client.post("/login", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_a_chunked_body_over_a_megabyte_is_too_large(nurse, session_id):
    """No Content-Length: the server (gunicorn) de-chunks the body and says the stream ends by itself."""
    body = b'{"reason": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    response = nurse.client.post(f"/api/v1/sessions/{session_id}/cancel", input_stream=io.BytesIO(body),
                                 headers={**nurse.headers, "Content-Type": "application/json",
                                          "Transfer-Encoding": "chunked"},
                                 environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413, response.status_code
    assert nurse.get(f"/api/v1/sessions/{session_id}").get_json()["status"] == "planned"


# --- times: ISO 8601 strings only -------------------------------------------------------------------------------

@pytest.mark.parametrize("taken_at", [1700000000, 1700000000.5, "1700000000", "1700000000.0", True, "2026",
                                      "now"])
def test_taken_at_is_an_iso_8601_string_not_an_epoch_number(nurse, session_id, taken_at):
    response = nurse.post(f"/api/v1/sessions/{session_id}/vitals",
                          json={"taken_at": taken_at, "phase": "baseline", "heart_rate": 70})
    _refused(response, "taken_at")


@pytest.mark.parametrize("born", [0, 19000, "19000", "0001-01-01"])
def test_a_date_of_birth_is_an_iso_date(nurse, born):
    _refused(nurse.post("/api/v1/patients", json=_patient(date_of_birth=born)), "date_of_birth")


# --- MRNs compared without regard to case (SPEC §3) ------------------------------------------------------------

def test_an_mrn_differing_only_in_case_is_a_duplicate(nurse, ctx):
    assert nurse.post("/api/v1/patients", json=_patient(mrn="ab-123")).status_code == 201
    again = nurse.post("/api/v1/patients", json=_patient(mrn="AB-123"))
    assert again.status_code == 409 and "mrn" in again.get_json()["error"]["fields"]
    assert _stored_patients(ctx) == 1


def test_the_database_refuses_a_second_mrn_in_another_case(nurse, ctx):
    """Two registrations racing past the service's check still meet the unique index."""
    from sqlalchemy.exc import IntegrityError

    assert nurse.post("/api/v1/patients", json=_patient(mrn="zz-9")).status_code == 201
    with ctx():
        twin = Patient(mrn="ZZ-9", first_name="A", last_name="B", first_key="a", last_key="b",
                       date_of_birth=now().date(), sex="unknown")
        db.session.add(twin)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_mrn_lookup_ignores_case(nurse, login):
    created = nurse.post("/api/v1/patients", json=_patient(mrn="mrn-77")).get_json()
    assert [p["id"] for p in nurse.get("/api/v1/patients?q=MRN-77").get_json()] == [created["id"]]
    page = login("supervisor").get("/audit?patient=MRN-77")
    assert page.status_code == 200 and "No patient with MRN" not in page.get_data(as_text=True)


# --- amendments: the check-in's rules, and values the columns hold ----------------------------------------------

@pytest.fixture
def finalized(nurse, make_patient):
    sid = started_session(nurse, make_patient().id, "natalizumab", started_minutes_ago=120)
    post(nurse, sid, "end", {"at": ago(70), "full_dose": True})
    post(nurse, sid, "vitals", {"taken_at": ago(1), "phase": "discharge", "heart_rate": 70}, 201)
    post(nurse, sid, "discharge", {"at": ago(0.5)})
    post(nurse, sid, "finalize", {"password": "correct horse battery"})
    return sid


BAD_AMENDMENTS = [
    ("dose", "0.0001"), ("dose", "0.0004"), ("dose", "1e10"), ("dose", "100001"), ("dose", "sNaN"),
    ("dose", "-1"), ("dose", "1E+400"), ("next_appointment", "0001-01-01"), ("next_appointment", "9999-12-31"),
    ("lot_expiry", "0001-01-01"), ("notes", "a" + NUL), ("lot_number", "L" * 65), ("chair", "4\u0007"),
    ("dose_unit", "mg" + NUL), ("lot_number", "\u200b"),
]


@pytest.mark.parametrize(("field", "value"), BAD_AMENDMENTS)
def test_an_amendment_is_checked_like_the_check_in(nurse, finalized, field, value):
    response = nurse.post(f"/api/v1/sessions/{finalized}/amendments",
                          json={"reason": "correction", "changes": {field: value}})
    _refused(response, f"changes.{field}")
    assert nurse.get(f"/api/v1/sessions/{finalized}").get_json()["version"] == \
        nurse.get(f"/api/v1/sessions/{finalized}").get_json()["version"]


def test_an_amendment_with_values_the_columns_hold_is_stored(nurse, finalized):
    response = nurse.post(f"/api/v1/sessions/{finalized}/amendments", json={
        "reason": "correction", "changes": {"dose": "299.999", "next_appointment": iso(now() + timedelta(days=28))[:10],
                                            "notes": "two\nlines"}})
    assert response.status_code == 201, response.get_json()
    session = nurse.get(f"/api/v1/sessions/{finalized}").get_json()
    assert session["dose"] == "299.999"


def test_an_amendment_reason_with_nul_is_refused(nurse, finalized):
    _refused(nurse.post(f"/api/v1/sessions/{finalized}/amendments",
                        json={"reason": "typo" + NUL, "changes": {"lot_number": "A1"}}), "reason")


# --- the web forms ---------------------------------------------------------------------------------------------

def _form_refusal(response, text):
    page = response.get_data(as_text=True)
    assert response.status_code == 422, response.status_code
    assert text in page, page[:2000]


@pytest.mark.parametrize(("field", "value"), [
    ("first_name", "A" * 101), ("last_name", "Lee" + NUL), ("first_name", "\u200b\u2060"),
    ("allergies", "none" + NUL), ("mrn", "M" + NUL),
])
def test_the_patient_form_names_the_field(login, ctx, field, value):
    web = login("nurse")
    web.get("/patients/new")
    data = {"mrn": "F1", "first_name": "Ann", "last_name": "Lee", "date_of_birth": "1980-01-01", "sex": "female",
            "preferred_language": "en", "spo2_scale": "1", field: value}
    response = web.post("/patients/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, response.status_code
    assert f'<p class="error" id="{field}-error">' in page, page[:3000]
    assert _stored_patients(ctx) == 0


@pytest.mark.parametrize("temperature", ["1e30", "sNaN", "NaN", "inf", "-Infinity", "1e-30", "9" * 40])
def test_a_fahrenheit_temperature_beyond_a_thermometer_is_refused_naming_the_field(login, nurse, session_id,
                                                                                   temperature):
    web = login("nurse")
    page = web.get(f"/sessions/{session_id}")
    assert page.status_code == 200
    version = nurse.get(f"/api/v1/sessions/{session_id}").get_json()["version"]
    response = web.post(f"/sessions/{session_id}/vitals", {
        "vitals-version": str(version), "vitals-phase": "baseline", "vitals-temperature": temperature,
        "vitals-temperature_unit": "F"})
    assert response.status_code == 422, response.status_code
    assert '<p class="error" id="vitals-temperature-error">' in response.get_data(as_text=True)
    assert nurse.get(f"/api/v1/sessions/{session_id}").get_json()["vitals"] == []


@pytest.mark.parametrize("temperature", ["sNaN", "inf", "1e30"])
def test_a_celsius_temperature_beyond_a_thermometer_is_refused(login, nurse, session_id, temperature):
    web = login("nurse")
    web.get(f"/sessions/{session_id}")
    response = web.post(f"/sessions/{session_id}/vitals", {
        "vitals-phase": "baseline", "vitals-temperature": temperature, "vitals-temperature_unit": "C"})
    assert response.status_code == 422, response.status_code


def test_an_admin_default_dose_beyond_the_column_is_refused(login, ctx):
    from tests.web.test_admin import _drug_page

    admin = login("admin")
    for amount in ("1e10", "100001", "sNaN", "0.0001"):
        fields = {**_drug_page(admin, "ocrelizumab"), "protocol-0-dose-amount": amount}
        response = admin.post("/admin/catalog/drugs/ocrelizumab", fields)
        assert response.status_code == 422, (amount, response.status_code)


def test_an_admin_dose_per_kg_cannot_make_a_dose_beyond_the_column(login, api, make_patient):
    from tests.web.test_admin import _drug_page

    admin = login("admin")
    fields = _drug_page(admin, "ivig")
    assert fields["protocol-0-dose-basis"] == "per_kg"
    fields["protocol-0-dose-amount"] = "50000"
    response = admin.post("/admin/catalog/drugs/ivig", fields)
    assert response.status_code == 422, response.status_code


@pytest.mark.parametrize("clash", [False, True])
def test_migration_0013_keys_existing_mrns_and_stops_at_a_clash_in_case(tmp_path, clash, capfd):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from clinic import create_app
    from tests.conftest import app_config
    from tests.web.test_migrations import _fresh_database

    url, admin, name = _fresh_database(tmp_path)
    try:
        app = create_app(app_config(url))
        with app.app_context():
            upgrade(revision="0011")
            mrns = ["ab-1", "Cd-2"] + (["AB-1"] if clash else [])
            with db.engine.begin() as conn:
                for mrn in mrns:
                    conn.execute(text(
                        "INSERT INTO patients (mrn, first_name, last_name, first_key, last_key, date_of_birth, sex, "
                        "preferred_language, pregnant, active, created_at, updated_at, version) VALUES "
                        "(:mrn, 'A', 'B', 'a', 'b', '1980-01-01', 'female', 'en', false, true, '2026-01-01', "
                        "'2026-01-01', 1)"), {"mrn": mrn})
            if clash:
                with pytest.raises(SystemExit):
                    upgrade()
                assert "AB-1" in capfd.readouterr().err
            else:
                upgrade()
                keys = db.session.execute(text("SELECT mrn, mrn_key FROM patients ORDER BY mrn_key")).all()
                assert [tuple(row) for row in keys] == [("ab-1", "AB-1"), ("Cd-2", "CD-2")]
            db.session.remove()
            db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE {name}"))


# --- digits that are not ASCII ("²".isdigit() is true, int("²") fails) in forms and stored text ----------------

def test_a_chair_named_with_a_superscript_does_not_break_the_board(login, nurse, make_patient):
    created = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab",
                                                   "chair": "²"})
    assert created.status_code == 201
    board = login("nurse").get("/")
    assert board.status_code == 200 and "²" in board.get_data(as_text=True)


def test_a_form_version_in_other_digits_is_no_version(login, nurse, session_id, make_patient):
    web = login("nurse")
    web.get(f"/sessions/{session_id}")
    response = web.post(f"/sessions/{session_id}/checks", {"checks-version": "²", "checks-codes": "touch_authorized"})
    assert response.status_code in (302, 409, 422), response.status_code
    patient = make_patient()
    web.get(f"/patients/{patient.id}/edit")
    edited = web.post(f"/patients/{patient.id}/edit", {
        "version": "²", "mrn": patient.mrn, "first_name": "Pat", "last_name": "Renamed", "date_of_birth": "1980-01-01",
        "sex": "female", "preferred_language": "en", "spo2_scale": "1", "active": "y"})
    assert edited.status_code in (302, 409, 422), edited.status_code


def test_a_catalog_form_with_other_digits(login):
    from tests.web.test_admin import _drug_page

    admin = login("admin")
    for change in ({"based_on": "²"}, {"retreat-min_grade": "²"}):
        fields = {**_drug_page(admin, "natalizumab"), **change}
        response = admin.post("/admin/catalog/drugs/natalizumab", fields)
        assert response.status_code in (302, 409, 422), (change, response.status_code)
