"""Users, profile and tokens, catalog edits and the audit log (SPEC §1, §3, §7, §11)."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select, text

from clinic.domain.chain import GENESIS, canonical_json, event_hash
from clinic.services import audit
from clinic.extensions import db
from clinic.models import AuditEvent, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def _user(ctx, username):
    with ctx():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def test_admin_creates_a_user_who_must_change_the_password(login, app, ctx):
    admin = login("admin")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Create a user" in page
    weak = admin.post("/admin/users/new", {"full_name": "Nia Nurse", "username": "nia", "role": "nurse",
                                           "password": "short"})
    assert weak.status_code == 422 and "12 characters" in weak.get_data(as_text=True)
    made = admin.post("/admin/users/new", {"full_name": "Nia Nurse", "username": "nia", "role": "nurse",
                                           "password": PASSWORD})
    assert made.status_code == 302 and _user(ctx, "nia").must_change_password
    from tests.conftest import WebClient

    nia = WebClient(app.test_client())
    nia.get("/login")
    nia.post("/login", {"username": "nia", "password": PASSWORD})
    assert nia.get("/").headers["Location"].endswith("/profile")
    nia.get("/profile/")
    changed = nia.post("/profile/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 302
    assert nia.get("/").status_code == 200


def test_role_change_deactivate_reactivate_and_reset(login, ctx, api):
    admin = login("admin")
    nurse_api = api("nurse")
    nurse_web = login("nurse", user=nurse_api.user)
    uid = nurse_api.user.id
    admin.get(f"/admin/users/{uid}")
    assert admin.post(f"/admin/users/{uid}/role", {"role": "supervisor"}).status_code == 302
    assert _user(ctx, nurse_api.user.username).role == "supervisor"
    admin.post(f"/admin/users/{uid}/deactivate", {})
    assert nurse_web.get("/").status_code == 302  # logged out at the next request
    assert nurse_api.get("/api/v1/catalog/drugs").status_code == 401  # tokens refused at once
    admin.post(f"/admin/users/{uid}/reactivate", {})
    assert nurse_api.get("/api/v1/catalog/drugs").status_code == 200
    admin.post(f"/admin/users/{uid}/reset_password", {"password": "temporary password 1"})
    assert _user(ctx, nurse_api.user.username).must_change_password


def test_last_active_admin_cannot_be_demoted_or_deactivated(login, ctx):
    admin = login("admin")
    uid = admin.user.id
    admin.get(f"/admin/users/{uid}")
    response = admin.post(f"/admin/users/{uid}/role", {"role": "nurse"})
    assert response.status_code == 422 and "last active admin" in response.get_data(as_text=True)
    admin.post(f"/admin/users/{uid}/deactivate", {})
    user = _user(ctx, admin.user.username)
    assert user.role == "admin" and user.active


@pytest.mark.parametrize("role", ["nurse", "supervisor"])
def test_user_screens_are_admin_only(login, role):
    web = login(role)
    assert web.get("/admin/users").status_code == 403
    assert web.post("/admin/users/new", {"full_name": "x", "username": "x", "role": "admin",
                                         "password": PASSWORD}).status_code == 403


def test_profile_tokens_shown_once_listed_and_revoked(login, app):
    web = login("nurse")
    page = web.post("/profile/tokens", {"name": "pump integration"}).get_data(as_text=True)
    token = re.search(r'<code class="token">([^<]+)</code>', page).group(1)
    client = app.test_client()
    assert client.get("/api/v1/catalog/drugs", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = web.get("/profile/").get_data(as_text=True)
    assert "pump integration" in listing and token not in listing
    token_id = re.search(r"/profile/tokens/(\d+)/revoke", listing).group(1)
    web.post(f"/profile/tokens/{token_id}/revoke", {})
    assert client.get("/api/v1/catalog/drugs", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_password_change_needs_the_old_password(login):
    web = login("nurse")
    web.get("/profile/")
    wrong = web.post("/profile/password", {"old_password": "not it at all", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 422 and "current password is not right" in wrong.get_data(as_text=True)


def _drug_form(web, code):
    html = web.get(f"/admin/catalog/drugs/{code}").get_data(as_text=True)
    fields = dict(re.findall(r'name="(\w+)" type="text" value="([^"]*)"', html))
    for name in ("regimen", "checks", "premedications", "warning_signs"):
        match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\s*(.*?)</textarea>', html, re.S)
        fields[name] = match.group(1).replace("&#34;", '"').replace("&amp;", "&").replace("&lt;", "<") \
            .replace("&gt;", ">").replace("&#39;", "'") if match else ""
    fields.update(code=code, category="disease_modifying", next_due_rule="every_4_weeks", active="y",
                  default_dose="300", dose_unit="mg")
    return fields


def test_catalog_edit_makes_a_version_and_spares_recorded_sessions(login, api, make_patient, runner):
    nurse = api("nurse")
    patient = make_patient()
    before = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "natalizumab"}).get_json()
    admin = login("admin")
    fields = _drug_form(admin, "natalizumab")
    fields["observation"] = "1:90"
    fields["warning_signs"] = "A new line written by the pharmacist."
    assert admin.post("/admin/catalog/drugs/natalizumab", fields).status_code == 302
    after = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab"}).get_json()
    assert before["observation_minutes"] == 60 and after["observation_minutes"] == 90
    assert after["drug_version"] == before["drug_version"] + 1
    assert nurse.get(f"/api/v1/sessions/{before['id']}").get_json()["observation_minutes"] == 60
    catalog_page = login("supervisor").get("/admin/catalog").get_data(as_text=True)
    assert "admin edit" in catalog_page
    result = runner.invoke(args=["catalog", "load"])
    assert "Kept the admin's edit of drug natalizumab" in result.output


def test_catalog_edit_does_not_change_an_earlier_printed_summary(login, api, make_patient):
    import io

    from pypdf import PdfReader

    from tests.helpers import post, ready_to_start

    nurse = api("nurse")
    sid = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab"}).get_json()["id"]
    ready_to_start(nurse, sid)
    post(nurse, sid, "start", {"at": (datetime.now(timezone.utc) - timedelta(minutes=30)).isoformat()})
    post(nurse, sid, "end", {"full_dose": True})
    admin = login("admin")
    fields = _drug_form(admin, "natalizumab")
    fields["warning_signs"] = "Completely different advice."
    admin.post("/admin/catalog/drugs/natalizumab", fields)
    pdf = nurse.get(f"/api/v1/sessions/{sid}/summary.pdf").data
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "PML" in text and "Completely different advice" not in text


def test_bad_drug_edit_shows_the_field_and_changes_nothing(login, api, make_patient):
    admin = login("admin")
    fields = _drug_form(admin, "natalizumab")
    fields["observation"] = "sixty minutes"
    response = admin.post("/admin/catalog/drugs/natalizumab", fields)
    assert response.status_code == 422 and "infusion:minutes" in response.get_data(as_text=True)
    nurse = api("nurse")
    s = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "natalizumab"}).get_json()
    assert s["drug_version"] == 1


def test_admin_adds_a_drug_and_a_reaction(login, api, make_patient):
    admin = login("admin")
    admin.get("/admin/catalog/drugs/new")
    response = admin.post("/admin/catalog/drugs/new", {
        "code": "ocrelizumab_bio", "brand": "Ocrebio", "generic": "ocrelizumab-xyz", "category": "disease_modifying",
        "default_dose": "600", "dose_unit": "mg", "observation": "1:60", "next_due_rule": "anti_cd20",
        "checks": "no_active_infection | No active infection | Delay the infusion", "active": "y",
        "premedications": "methylprednisolone_100 | Methylprednisolone 100 mg | required",
        "warning_signs": "Watch for infections."})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    drugs = {d["code"] for d in api("nurse").get("/api/v1/catalog/drugs").get_json()}
    assert "ocrelizumab_bio" in drugs
    admin.get("/admin/catalog/reactions/new")
    admin.post("/admin/catalog/reactions/new", {"code": "palpitations", "label": "Palpitations",
                                                "group": "side_effect", "help_text": "Racing heart", "active": "y"})
    labels = {r["code"]: r["label"] for r in api("nurse").get("/api/v1/catalog/reactions").get_json()}
    assert labels["palpitations"] == "Palpitations"


def test_catalog_is_readable_by_supervisors_and_closed_to_nurses(login):
    assert login("supervisor").get("/admin/catalog").status_code == 200
    assert login("supervisor").get("/admin/catalog/drugs/natalizumab").status_code == 403
    assert login("nurse").get("/admin/catalog").status_code == 403


def _bulk_audit_events(n):
    """Append n chained events directly (fast), as the app would."""
    prev = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    rows = []
    for i in range(n):
        occurred = start + timedelta(minutes=i)
        content = {"occurred_at": occurred.isoformat(), "user_id": None, "username": "bulk", "action":
                   "bulk_event" if i % 2 else "other_event", "object_type": "x", "object_id": str(i),
                   "patient_id": i % 7, "client_addr": "test", "details": canonical_json({"i": i})}
        digest = event_hash(prev, content, audit.chain_key())
        rows.append({**content, "occurred_at": occurred, "prev_hash": prev, "hash": digest})
        prev = digest
    db.session.execute(insert(AuditEvent), rows)
    db.session.commit()


def test_audit_filters_and_keyset_pagination_over_ten_thousand_events(login, ctx):
    with ctx():
        _bulk_audit_events(10_000)
    web = login("supervisor")
    seen, url = [], "/audit?action=bulk_event&patient=3"
    while url and len(seen) < 10_000:
        html = web.get(url).get_data(as_text=True)
        ids = [int(i) for i in re.findall(r"<tr><td[^>]*>(\d+)</td>", html)]
        seen += ids
        more = re.search(r'href="(/audit\?[^"]*before=\d+[^"]*)"', html)
        url = more.group(1).replace("&amp;", "&") if more else None
    expected = [i for i in range(10_000) if i % 2 and i % 7 == 3]
    assert len(seen) == len(expected) and seen == sorted(seen, reverse=True)
    dated = web.get("/audit?from=2026-01-01&to=2026-01-01&action=other_event").get_data(as_text=True)
    assert len(re.findall(r"<tr><td[^>]*>(\d+)</td>", dated)) == 50  # one page of that day's 720 events
    with ctx():
        viewed = db.session.scalar(select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "audit_log_viewed"))
    assert viewed >= 2


def test_verify_action_reports_a_tampered_event(login, ctx):
    web = login("supervisor")
    web.get("/audit/")
    ok = web.post("/audit/verify", {}).get_data(as_text=True)
    assert "Audit chain intact" in ok
    with ctx():
        target = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id).limit(1))
        db.session.remove()
        with db.engine.begin() as conn:
            postgres = conn.dialect.name == "postgresql"
            if postgres:
                conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete"))
            conn.execute(text(f"UPDATE audit_events SET client_addr = '6.6.6.6' WHERE id = {target}"))
            if postgres:
                conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete"))
    broken = web.post("/audit/verify", {}).get_data(as_text=True)
    assert f"broken at event {target}" in broken


def test_audit_log_is_closed_to_nurses(login):
    assert login("nurse").get("/audit/").status_code == 403


def test_a_drug_edit_is_audited_with_before_and_after(login):
    admin = login("admin")
    fields = _drug_form(admin, "natalizumab")
    fields["observation"] = "1:90"
    assert admin.post("/admin/catalog/drugs/natalizumab", fields).status_code == 302
    log = login("supervisor").get("/audit?action=drug_edited").get_data(as_text=True)
    assert "observation" in log and "1:60 → 1:90" in log


def test_audit_log_refuses_a_reversed_date_range(login):
    page = login("supervisor").get("/audit?from=2026-11-26&to=2026-11-20").get_data(as_text=True)
    assert "To: must not be before From." in page
