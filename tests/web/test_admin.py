"""Users, profile and tokens, catalog edits and the audit log (SPEC §1, §3, §7, §11)."""
import html
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select, text

from clinic.domain.chain import GENESIS, canonical_json, event_hash
from clinic.services import audit
from clinic.extensions import db
from clinic.models import AuditEvent, DrugVersion, User
from tests.conftest import PASSWORD
from tests.helpers import count_queries, form_fields

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


def _drug_page(web, code):
    """The drug form as a browser shows it: its page and the values it would submit."""
    response = web.get(f"/admin/catalog/drugs/{code}")
    assert response.status_code == 200
    return form_fields(response.get_data(as_text=True))


def _versions(ctx, code):
    with ctx():
        return list(db.session.scalars(select(DrugVersion.version).where(DrugVersion.drug_code == code)))


def _audited(ctx, action):
    with ctx():
        return [json.loads(details) for details in db.session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == action))]


def test_admin_edits_a_dose_and_a_plan_step_and_an_earlier_session_keeps_its_version(login, api, make_patient,
                                                                                      runner, ctx):
    nurse = api("nurse")
    before = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "ocrelizumab"}).get_json()
    assert before["dose"] == "300" and before["rate_plan"][1] == {"rate_ml_h": "60", "minutes": 30}
    admin = login("admin")
    fields = _drug_page(admin, "ocrelizumab")
    assert fields["protocol-0-dose-amount"] == "300" and fields["protocol-0-plans-0-steps-1-rate"] == "60"
    fields.update({"protocol-0-dose-amount": "280", "protocol-0-plans-0-steps-1-rate": "50",
                   "protocol-0-plans-0-steps-1-minutes": "45"})
    saved = admin.post("/admin/catalog/drugs/ocrelizumab", fields)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/admin/catalog#drug-ocrelizumab")

    after = nurse.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "ocrelizumab"}).get_json()
    assert after["drug_version"] == before["drug_version"] + 1
    assert after["dose"] == "280" and after["rate_plan"][1] == {"rate_ml_h": "50", "minutes": 45}
    kept = nurse.get(f"/api/v1/sessions/{before['id']}").get_json()
    assert kept["drug_version"] == before["drug_version"] and kept["dose"] == "300"
    assert kept["rate_plan"] == before["rate_plan"]

    [event] = _audited(ctx, "drug_edited")
    assert event["version"] == 2
    assert event["protocol-0-dose-amount"] == {"before": "300", "after": "280"}
    assert event["protocol-0-plans-0-steps-1-minutes"] == {"before": 30, "after": 45}
    assert len(event) == 4  # the version and the three fields changed, nothing else
    log = login("supervisor").get("/audit?action=drug_edited").get_data(as_text=True)
    assert "protocol-0-dose-amount" in log and "300 → 280" in log
    catalog_page = login("supervisor").get("/admin/catalog").get_data(as_text=True)
    assert "Version 2 in force (admin edit" in catalog_page and "280 mg in 250 mL" in catalog_page
    result = runner.invoke(args=["catalog", "load"])
    assert "Kept the admin's edit of drug ocrelizumab" in result.output


def test_saving_an_unchanged_form_makes_no_version(login, ctx):
    admin = login("admin")
    for code in ("ocrelizumab", "ocrelizumab_sc", "alemtuzumab", "ivig", "natalizumab", "rituximab"):
        assert admin.post(f"/admin/catalog/drugs/{code}", _drug_page(admin, code)).status_code == 302
        assert _versions(ctx, code) == [1], code
    assert _audited(ctx, "drug_edited") == []


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
    fields = _drug_page(admin, "natalizumab")
    fields["warnings-0-text"] = "Completely different advice."
    assert admin.post("/admin/catalog/drugs/natalizumab", fields).status_code == 302
    pdf = nurse.get(f"/api/v1/sessions/{sid}/summary.pdf").data
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "PML" in text and "Completely different advice" not in text


BAD_EDITS = [
    # a step in the middle of a plan without its minutes
    ("ocrelizumab", {"protocol-0-plans-0-steps-2-minutes": ""}, "protocol-0-plans-0-steps-2-minutes",
     "enter the minutes at this rate"),
    # the last step with minutes: it runs to the end
    ("ublituximab", {"protocol-1-plans-0-steps-1-minutes": "30"}, "protocol-1-plans-0-steps-1-minutes",
     "leave empty: the last step runs to the end"),
    # a gap in the infusion numbers: nothing says what infusion 2 is
    ("natalizumab", {"protocol-1-infusions-first": "3"}, "protocol-1-infusions-first",
     "infusion 2 has no row: start this row at 2"),
    # an overlap
    ("ocrelizumab", {"protocol-1-infusions-first": "1"}, "protocol-1-infusions-first",
     "infusion 1 is already covered"),
    # the last row must cover every later infusion
    ("ocrelizumab", {"protocol-2-infusions-last": "30"}, "protocol-2-infusions-last", "covers every later infusion"),
    # a source key DOMAIN.md does not have
    ("ocrelizumab", {"protocol-0-source": "L9"}, "protocol-0-source", "choose one of DOMAIN.md's source keys"),
    ("natalizumab", {"checks-1-source": ""}, "checks-1-source", "choose one of DOMAIN.md's source keys"),
    # two premedications with one code
    ("ocrelizumab", {"premedications-1-code": "methylprednisolone_100"}, "premedications-1-code", "used twice"),
    # not a number at all (the form's own check, named the same way)
    ("ocrelizumab", {"protocol-2-plans-1-steps-0-rate": "fast"}, "protocol-2-plans-1-steps-0-rate",
     "Not a valid decimal value"),
    # the chair records mL/h to 0.1
    ("ocrelizumab", {"protocol-2-plans-0-steps-0-rate": "40.25"}, "protocol-2-plans-0-steps-0-rate",
     "at most 1 digits after the decimal point"),
    # a required number left empty
    ("rituximab", {"protocol-1-dose-amount": ""}, "protocol-1-dose-amount", "is required"),
    ("natalizumab", {"next_due-checked_on": "2999-01-01"}, "next_due-checked_on", "cannot be in the future"),
    ("natalizumab", {"retreat-min_grade": "7"}, "retreat-min_grade", "must be from 1 to 5"),
    ("ublituximab", {"protocol-0-observation-minutes": "-5"}, "protocol-0-observation-minutes",
     "must be from 0 to 1440"),
]


@pytest.mark.parametrize(("code", "change", "field", "words"), BAD_EDITS)
def test_a_bad_edit_is_refused_naming_the_field_and_nothing_is_stored(login, ctx, code, change, field, words):
    admin = login("admin")
    fields = {**_drug_page(admin, code), **change}
    response = admin.post(f"/admin/catalog/drugs/{code}", fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = re.search(r'<div class="flash flash-error error-summary".*?</div>', page, re.S).group(0)
    assert f"<code>{field}</code>" in summary and words in html.unescape(summary), summary
    # The field itself is marked, its value kept, and described for screen readers.
    assert re.search(rf'<p class="error" id="{field}-error">', page), field
    assert re.search(rf'aria-invalid="true"[^>]*id="{field}"|id="{field}"[^>]*aria-invalid="true"', page)
    assert _versions(ctx, code) == [1]
    assert _audited(ctx, "drug_edited") == []


def test_a_save_on_a_stale_form_is_refused_and_keeps_what_was_typed(login, ctx):
    first, second = login("admin"), login("admin")
    mine, theirs = _drug_page(first, "natalizumab"), _drug_page(second, "natalizumab")
    assert mine["based_on"] == "1"
    theirs["warnings-1-text"] = "Their rewording."
    assert second.post("/admin/catalog/drugs/natalizumab", theirs).status_code == 302
    mine["warnings-0-text"] = "My rewording."
    refused = first.post("/admin/catalog/drugs/natalizumab", mine)
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 409 and "saved by someone else after you opened it (now version 2)" in page
    assert form_fields(page)["warnings-0-text"] == "My rewording."
    assert _versions(ctx, "natalizumab") == [1, 2]
    stored = _drug_page(first, "natalizumab")
    assert stored["based_on"] == "2" and stored["warnings-1-text"] == "Their rewording."
    assert stored["warnings-0-text"] != "My rewording."


def test_a_retreat_rule_names_reactions_from_the_reaction_catalog(login, ctx):
    admin = login("admin")
    fields = _drug_page(admin, "natalizumab")
    assert fields["retreat-reaction_codes"] == ["hives", "swelling_face", "swelling_mouth_throat", "trouble_breathing"]
    refused = admin.post("/admin/catalog/drugs/natalizumab", {**fields, "retreat-reaction_codes": ["hives", "sneezing"]})
    assert refused.status_code == 422 and "not in the reaction catalog: sneezing" in refused.get_data(as_text=True)
    fields["retreat-reaction_codes"] = ["hives", "chest_tightness"]
    assert admin.post("/admin/catalog/drugs/natalizumab", fields).status_code == 302
    assert _drug_page(admin, "natalizumab")["retreat-reaction_codes"] == ["hives", "chest_tightness"]
    assert _versions(ctx, "natalizumab") == [1, 2]


def test_rows_are_added_and_removed_without_javascript(login, api, make_patient, ctx):
    admin = login("admin")
    fields = _drug_page(admin, "ocrelizumab")
    assert "protocol-2-plans-0-steps-5-rate" not in fields  # 40 … 200 mL/h: five steps
    # "Add a step": the page comes back with what was typed and one more step, nothing is stored.
    fields["protocol-0-note"] = "Typed before adding a step."
    added = admin.post("/admin/catalog/drugs/ocrelizumab", {**fields, "add": "protocol-2-plans-0-steps"})
    assert added.status_code == 200 and _versions(ctx, "ocrelizumab") == [1]
    fields = form_fields(added.get_data(as_text=True))
    assert fields["protocol-0-note"] == "Typed before adding a step."
    assert fields["protocol-2-plans-0-steps-5-rate"] == "" and "protocol-2-plans-0-steps-6-rate" not in fields
    # The old last step now runs 30 min; the new one runs to the end.
    fields.update({"protocol-2-plans-0-steps-4-minutes": "30", "protocol-2-plans-0-steps-5-rate": "220"})
    # A premedication removed by its box; an empty row added and left empty is left out.
    fields["premedications-2-remove"] = "y"
    fields = form_fields(admin.post("/admin/catalog/drugs/ocrelizumab", {**fields, "add": "checks"})
                         .get_data(as_text=True))
    assert fields["checks-2-code"] == "" and fields["premedications-2-remove"] == "y"
    assert admin.post("/admin/catalog/drugs/ocrelizumab", fields).status_code == 302

    stored = _drug_page(admin, "ocrelizumab")
    assert "premedications-2-code" not in stored and "checks-2-code" not in stored
    assert stored["protocol-2-plans-0-steps-5-rate"] == "220" and stored["protocol-2-plans-0-steps-5-minutes"] == ""
    assert stored["protocol-0-note"] == "Typed before adding a step."
    assert _versions(ctx, "ocrelizumab") == [1, 2]


def test_a_new_biosimilar_is_added_to_rituximab_as_a_product_row(login, api, make_patient):
    admin = login("admin")
    fields = _drug_page(admin, "rituximab")
    page = admin.post("/admin/catalog/drugs/rituximab", {**fields, "add": "products"}).get_data(as_text=True)
    assert re.search(r'<label for="products-4-brand">Brand name</label>', page)
    fields = form_fields(page)
    fields.update({"products-4-code": "rituximab_new", "products-4-brand": "Newmab",
                   "products-4-generic": "rituximab-new"})
    assert admin.post("/admin/catalog/drugs/rituximab", fields).status_code == 302
    drugs = {d["code"]: d for d in api("nurse").get("/api/v1/catalog/drugs").get_json()}
    assert {"code": "rituximab_new", "brand": "Newmab", "generic": "rituximab-new"} in drugs["rituximab"]["products"]
    checked_in = api("nurse").post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "rituximab",
                                                             "product": "rituximab_new"}).get_json()
    assert checked_in["product"]["brand"] == "Newmab"
    # A product code used twice is refused, naming the second.
    fields = {**_drug_page(admin, "rituximab"), "products-4-code": "truxima"}
    refused = admin.post("/admin/catalog/drugs/rituximab", fields)
    assert refused.status_code == 422 and "<code>products-4-code</code>" in refused.get_data(as_text=True)


def test_admin_adds_a_drug_with_its_protocol_and_a_reaction(login, api, make_patient, ctx):
    admin = login("admin")
    fields = form_fields(admin.get("/admin/catalog/drugs/new").get_data(as_text=True))
    assert fields["protocol-0-infusions-first"] == "1" and "protocol-0-plans-0-steps-0-rate" in fields
    # Left as it comes, the form is refused field by field: first the values of the wrong kind or missing …
    empty = admin.post("/admin/catalog/drugs/new", fields)
    assert empty.status_code == 422
    for name in ("category", "route", "protocol-0-dose-amount", "protocol-0-dose-basis",
                 "protocol-0-observation-minutes", "next_due-kind"):
        assert f"<code>{name}</code>" in empty.get_data(as_text=True), name
    fields = form_fields(empty.get_data(as_text=True))
    fields.update({"category": "disease_modifying", "route": "intravenous", "protocol-0-dose-amount": "600",
                   "protocol-0-dose-unit": "mg", "protocol-0-dose-basis": "fixed",
                   "protocol-0-observation-minutes": "60", "next_due-kind": "anti_cd20"})
    # … then what the catalog's rules ask of a drug.
    unruly = admin.post("/admin/catalog/drugs/new", fields)
    assert unruly.status_code == 422
    for name in ("code", "generic", "products", "protocol-0-plans", "protocol-0-source", "protocol-0-checked_on",
                 "next_due-source"):
        assert f"<code>{name}</code>" in unruly.get_data(as_text=True), name
    fields = form_fields(unruly.get_data(as_text=True))
    assert "protocol-0-plans-0-code" not in fields  # the empty plan was left out …
    assert fields["products-0-code"] == ""  # … and an empty product row is there to fill in
    fields = form_fields(admin.post("/admin/catalog/drugs/new", {**fields, "add": "protocol-0-plans"})
                         .get_data(as_text=True))
    fields.update({
        "code": "ocrelizumab_bio", "generic": "ocrelizumab-xyz", "products-0-code": "ocrebio",
        "products-0-brand": "Ocrebio", "products-0-generic": "ocrelizumab-xyz", "protocol-0-dose-volume_ml": "500",
        "protocol-0-plans-0-code": "standard", "protocol-0-plans-0-label": "40 mL/h for 30 min, then 200 mL/h",
        "protocol-0-plans-0-steps-0-rate": "40", "protocol-0-plans-0-steps-0-minutes": "30",
        "protocol-0-source": "L1", "protocol-0-checked_on": "2026-11-30", "next_due-source": "L1",
        "next_due-checked_on": "2026-11-30"})
    fields = form_fields(admin.post("/admin/catalog/drugs/new", {**fields, "add": "protocol-0-plans-0-steps"})
                         .get_data(as_text=True))
    fields["protocol-0-plans-0-steps-1-rate"] = "200"
    response = admin.post("/admin/catalog/drugs/new", fields)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    drugs = {d["code"] for d in api("nurse").get("/api/v1/catalog/drugs").get_json()}
    assert "ocrelizumab_bio" in drugs
    session = api("nurse").post("/api/v1/sessions", json={"patient_id": make_patient().id,
                                                          "drug": "ocrelizumab_bio"}).get_json()
    assert session["dose"] == "600" and session["observation_minutes"] == 60
    assert session["rate_plan"] == [{"rate_ml_h": "40", "minutes": 30}, {"rate_ml_h": "200", "minutes": None}]
    [added] = _audited(ctx, "drug_added")
    assert added["version"] == 1 and added["products-0-brand"] == {"before": None, "after": "Ocrebio"}
    again = admin.post("/admin/catalog/drugs/new", fields)
    assert again.status_code == 422 and "already in the catalog" in again.get_data(as_text=True)

    admin.get("/admin/catalog/reactions/new")
    admin.post("/admin/catalog/reactions/new", {"code": "palpitations", "label": "Palpitations",
                                                "group": "side_effect", "help_text": "Racing heart", "active": "y"})
    labels = {r["code"]: r["label"] for r in api("nurse").get("/api/v1/catalog/reactions").get_json()}
    assert labels["palpitations"] == "Palpitations"


def test_a_new_drug_may_start_from_a_copy(login):
    admin = login("admin")
    fields = form_fields(admin.get("/admin/catalog/drugs/new?copy=natalizumab").get_data(as_text=True))
    assert fields["code"] == "" and fields["protocol-1-interval-days"] == "24"
    fields.update({"code": "natalizumab_new", "products-0-code": "natamab", "products-0-brand": "Natamab"})
    assert admin.post("/admin/catalog/drugs/new", fields).status_code == 302
    assert _drug_page(admin, "natalizumab_new")["checks-0-code"] == "touch_authorized"


def test_the_catalog_shows_every_protocol_to_supervisors_and_is_closed_to_nurses(login):
    page = login("supervisor").get("/admin/catalog")
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    for words in ("600 mg in 500 mL", "3 and later", "100 mL/h for 15 min", "Hepatitis B screening done",
                  "every infusion", "result on file, infusion 1", "optional</strong>, every infusion", "days 1–3 of every course",
                  "any reaction of grade 4 or higher", "Hives, Swelling of the face",
                  "an alert stops natalizumab, natalizumab_sztn", "every 4 weeks", "[L3b, checked 2026-12-05]",
                  "0.4 g/kg × weight", "/m² × body surface", "60 min if the patient ever reacted",
                  "Version 1 in force (catalog file", "Rituxan (rituximab, ", "Riabni (rituximab-arrx, "):
        assert words in text, words
    assert "Edit Ocrevus" not in text  # supervisors read only
    assert login("supervisor").get("/admin/catalog/drugs/natalizumab").status_code == 403
    assert login("supervisor").get("/admin/catalog/drugs/new").status_code == 403
    assert login("nurse").get("/admin/catalog").status_code == 403
    assert login("nurse").get("/admin/catalog/drugs/natalizumab").status_code == 403
    assert "Edit Ocrevus" in html.unescape(login("admin").get("/admin/catalog").get_data(as_text=True))


def test_the_catalog_page_makes_the_same_queries_however_many_drugs_and_versions(app, login):
    supervisor = login("supervisor")

    def queries():
        supervisor.get("/admin/catalog")
        with count_queries(app) as counts:
            assert supervisor.get("/admin/catalog").status_code == 200
        return len(counts)

    before = queries()
    admin = login("admin")
    for wording in ("First rewording.", "Second rewording."):
        fields = {**_drug_page(admin, "natalizumab"), "warnings-0-text": wording}
        assert admin.post("/admin/catalog/drugs/natalizumab", fields).status_code == 302
    copied = form_fields(admin.get("/admin/catalog/drugs/new?copy=rituximab").get_data(as_text=True))
    assert admin.post("/admin/catalog/drugs/new", {**copied, "code": "rituximab_copy"}).status_code == 302
    assert queries() == before


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


def test_audit_log_refuses_a_reversed_date_range(login):
    page = login("supervisor").get("/audit?from=2026-11-26&to=2026-11-20").get_data(as_text=True)
    assert "To: must not be before From." in page
