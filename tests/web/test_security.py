"""Web security promises of SPEC §11: headers, cookies, CSRF, throttling, escaping, bad input."""
import io
import re

import pytest
from pypdf import PdfReader

from sqlalchemy import select

from clinic import create_app
from clinic.extensions import db
from clinic.models import AuditEvent
from tests.conftest import PASSWORD, WebClient, app_config


def test_every_response_has_the_security_headers(client, login, api):
    for response in (client.get("/login"), client.get("/healthz"), login("nurse").get("/"),
                     api("nurse").get("/api/v1/catalog/drugs"), client.get("/static/css/app.css")):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_or_style_in_pages(login):
    web = login("admin")
    for url in ("/", "/patients/", "/sessions/new", "/review/", "/reports/", "/audit/", "/admin/users",
                "/admin/catalog", "/profile/"):
        html = web.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert " style=" not in html and "<style" not in html and " onclick=" not in html, url


def test_hsts_and_secure_cookies_in_production(database_url, make_user, monkeypatch):
    monkeypatch.setenv("CHAIRSIDE_ENV", "production")
    app = create_app(app_config(database_url, ENV="production", SECRET_KEY="s" * 40, SESSION_COOKIE_SECURE=True,
                                RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0"))  # throttling is off here
    user = make_user("nurse")
    client = WebClient(app.test_client())
    response = client.get("/login", base_url="https://localhost")
    assert "max-age" in response.headers["Strict-Transport-Security"]
    response = client.client.post("/login", data={"username": user.username, "password": PASSWORD,
                                                  "csrf_token": client.csrf}, base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_is_rotated_at_login(client, make_user):
    user = make_user("nurse")
    client.get("/login")
    with client.client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    client.post("/login", {"username": user.username, "password": PASSWORD})
    with client.client.session_transaction() as sess:
        assert "planted" not in sess and sess["_user_id"]


def test_post_without_csrf_token_is_refused_everywhere(login):
    web = login("admin")
    for url in ("/patients/new", "/sessions/new", "/profile/tokens", "/admin/users/new", "/audit/verify"):
        response = web.client.post(url, data={"name": "x"})
        assert response.status_code == 400, url


@pytest.fixture
def throttled_app(app, database_url):
    """An app with throttling on, made after `app`: the limiter takes the settings of the last app made."""
    return create_app(app_config(database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://"))


def _login(client, username, password):
    return client.post("/login", {"username": username, "password": password})


def test_five_failures_lock_the_account_but_not_others(throttled_app, make_user):
    victim, colleague = make_user("nurse"), make_user("nurse")
    client = WebClient(throttled_app.test_client())
    client.get("/login")
    for _ in range(5):
        assert _login(client, victim.username, "wrong password!!").status_code == 200
    blocked = _login(client, victim.username, PASSWORD)
    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.get_data(as_text=True)
    assert _login(client, colleague.username, PASSWORD).status_code == 302


def test_the_address_limit_stops_password_spraying(throttled_app, make_user):
    client = WebClient(throttled_app.test_client())
    client.get("/login")
    for i in range(50):
        assert _login(client, f"sprayed-{i}", "wrong password!!").status_code == 200
    assert _login(client, "sprayed-x", "wrong password!!").status_code == 429


def _failed_login_address(app, forwarded_for: str) -> str:
    client = app.test_client()
    client.post("/login", data={"username": "nobody", "password": "wrong password!!"},
                headers={"X-Forwarded-For": forwarded_for})
    with app.app_context():
        return db.session.scalars(select(AuditEvent.client_addr).where(AuditEvent.action == "login_failed")
                                  .order_by(AuditEvent.id.desc())).first()


@pytest.mark.parametrize(("proxies", "recorded"), [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_the_client_address_is_taken_from_a_trusted_proxy_only(app, database_url, proxies, recorded):
    """Behind the load balancer its X-Forwarded-For names the nurse's device; without one, a client could forge it."""
    app = create_app(app_config(database_url, TRUSTED_PROXIES=proxies, WTF_CSRF_ENABLED=False))
    assert _failed_login_address(app, "203.0.113.7") == recorded


def test_free_text_is_stored_as_entered_and_shown_as_text(login, api):
    nasty = "<script>alert('x')</script> Zoë & “Ñ” 李"
    nurse = api("nurse")
    patient = nurse.post("/api/v1/patients", json={"mrn": "X-1", "first_name": nasty, "last_name": "<b>Bold</b>",
                                                   "date_of_birth": "1990-01-01", "allergies": nasty}).get_json()
    assert patient["first_name"] == nasty
    html = login("nurse").get(f"/patients/{patient['id']}").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html


def test_markup_in_names_prints_literally_in_the_pdf(api, make_patient):
    from datetime import datetime, timedelta, timezone

    from tests.helpers import post, ready_to_start

    nurse = api("nurse")
    patient = make_patient(first_name="<para>Evil</para> & <font size=40>", last_name="O'Neil <br/>")
    sid = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "natalizumab"}).get_json()["id"]
    ready_to_start(nurse, sid)
    post(nurse, sid, "start", {"at": (datetime.now(timezone.utc) - timedelta(minutes=30)).isoformat()})
    post(nurse, sid, "reactions", {"code": "hives", "grade": 1, "action": "medication_given",
                                   "medication": "<i>cetirizine</i> " + "very long note " * 120,
                                   "onset_at": (datetime.now(timezone.utc) - timedelta(minutes=20)).isoformat()}, 201)
    post(nurse, sid, "end", {"full_dose": True})
    pdf = nurse.get(f"/api/v1/sessions/{sid}/summary.pdf")
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.data))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "<para>Evil</para> & <font size=40>" in text
    # The nurse's note is never printed (SPEC §6: plain words): the medicine it names is, in words.
    assert "an allergy medicine (cetirizine)" in text and "<i>" not in text and "very long note" not in text


def test_request_body_over_one_megabyte_is_413(api):
    nurse = api("nurse")
    response = nurse.client.post("/api/v1/patients", data=b"{" + b" " * (1024 * 1024 + 10) + b"}",
                                 headers={**nurse.headers, "Content-Type": "application/json"})
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


@pytest.mark.parametrize("body", ['{"mrn": ', "[1, 2]", "null", "\"text\""])
def test_malformed_json_is_400(api, body):
    nurse = api("nurse")
    response = nurse.client.post("/api/v1/patients", data=body,
                                 headers={**nurse.headers, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("field, value", [
    ("weight_kg", "NaN"), ("weight_kg", "Infinity"), ("weight_kg", "1e400"), ("weight_kg", 10**30),
])
def test_numeric_overflow_nan_and_infinity_are_refused(api, field, value):
    response = api("nurse").post("/api/v1/patients", json={"mrn": "N-1", "first_name": "A", "last_name": "B",
                                                           "date_of_birth": "1990-01-01", field: value})
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_ids_that_do_not_exist_are_404_and_look_alike(login, api):
    web = login("nurse")
    assert web.get("/patients/424242").status_code == 404
    assert web.get("/sessions/424242").status_code == 404
    for url in ("/api/v1/sessions/424242", "/api/v1/patients/424242", "/api/v1/sessions/424242/fhir"):
        response = api("nurse").get(url)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_a_void_cannot_reach_another_sessions_entry(api, make_patient):
    from datetime import datetime, timezone

    nurse = api("nurse")
    first = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab"}).get_json()["id"]
    other = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab"}).get_json()["id"]
    vitals = nurse.post(f"/api/v1/sessions/{first}/vitals", json={
        "taken_at": datetime.now(timezone.utc).isoformat(), "phase": "baseline", "heart_rate": 70}).get_json()
    response = nurse.post(f"/api/v1/sessions/{other}/vitals/{vitals['id']}/void", json={"reason": "x"})
    assert response.status_code == 404
