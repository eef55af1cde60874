"""The nurse's and the supervisor's day in Chromium, at tablet and workstation sizes (SPEC §10)."""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests.helpers import post, ready_to_start
from tests.browser.conftest import serve
from tests.browser.helpers import assert_accessible, log_in, screenshot, small_targets
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def check_in_natalizumab(page, base, patient_name):
    page.get_by_role("link", name="Check in").first.click()
    page.get_by_label("Search by MRN or name").fill(patient_name)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile(patient_name)).click()
    page.get_by_label("Drug", exact=True).select_option("natalizumab")
    expect(page.get_by_text("Infusion #1 of Tysabri")).to_be_visible()  # filled in place, no round trip
    page.get_by_label("Lot number", exact=True).fill("TY-2026-11")
    page.get_by_label("Chair", exact=True).fill("4")
    page.get_by_role("button", name="Check in").click()
    page.wait_for_url(re.compile(r"/sessions/\d+"))


# At the baseline On oxygen and Consciousness are chosen once (SPEC §10); later readings carry them over.
AT_THE_BASELINE = {"On oxygen": "no", "Consciousness": "alert"}


def record_vitals(page, **values):
    if not page.get_by_label("Systolic", exact=True).is_visible():  # not the next action: one tap away
        page.locator("summary", has_text="Record vitals").click()
    for label, value in values.items():
        if label in AT_THE_BASELINE:
            page.get_by_label(label, exact=True).select_option(value)
        else:
            page.get_by_label(label, exact=True).fill(str(value))
    with page.expect_navigation():
        page.get_by_role("button", name="Record vitals").click()


def test_nurse_day_from_check_in_to_finalize(live, new_page, make_user, make_patient, viewport):
    nurse = make_user("nurse", full_name="Nina Nurse")
    make_patient(first_name="Grace", last_name="Hopper", mrn="BR-1", allergies="Penicillin")
    page = new_page()
    log_in(page, live.base, nurse.username)
    expect(page.get_by_role("heading", name="Chair board")).to_be_visible()
    assert_accessible(page, "chair board")
    check_in_natalizumab(page, live.base, "Hopper")
    expect(page.get_by_text("Penicillin").first).to_be_visible()
    page.get_by_label(re.compile("TOUCH: patient shown")).check()
    page.get_by_label(re.compile("TOUCH pre-infusion questions")).check()
    with page.expect_navigation():  # the next form is the vitals only once the page has come back
        page.get_by_role("button", name="Confirm checks").click()
    record_vitals(page, Systolic=124, Diastolic=78, **{"Heart rate": 72, "Respiratory rate": 14,
                                                      "Oxygen saturation": 98, "Temperature": "36.8"}, **AT_THE_BASELINE)
    expect(page.get_by_text("Vitals recorded.")).to_be_visible()
    page.get_by_role("button", name="Start infusion").click()
    expect(page.get_by_text("Infusion started.")).to_be_visible()
    record_vitals(page, Systolic=118, Diastolic=74, **{"Heart rate": 96, "Oxygen saturation": 93})
    page.get_by_role("link", name="Record reactions").click()  # the checklist has a page of its own
    page.get_by_label("Trouble breathing or wheezing").check()
    page.get_by_label(re.compile("Grade 3:")).check()
    page.get_by_label("Action taken").select_option("stopped")
    page.get_by_role("button", name="Record reactions").click()
    expect(page.locator("#top-flag")).to_contain_text("Serious:")  # the most severe flag at the top
    flags = page.locator("#flags")
    expect(flags).to_contain_text("Serious:")
    assert page.locator("#flags").bounding_box()["y"] < page.locator("#vitals-h").bounding_box()["y"]
    assert_accessible(page, "session page with flags")
    assert not small_targets(page), small_targets(page)
    page.get_by_role("link", name="End infusion…").click()  # a second step says what ending does
    expect(page.get_by_text("starts the 60-minute observation")).to_be_visible()
    page.get_by_role("button", name="Confirm: end infusion").click()
    expect(page.get_by_text("Say whether the full dose was given.")).to_be_visible()  # asked, never preselected
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'end-full_dose'",
                           timeout=5_000)  # the unanswered question has the focus
    page.get_by_label("Yes, the full dose").check()
    page.get_by_role("button", name="Confirm: end infusion").click()
    expect(page.get_by_text("Observation ends at").first).to_be_visible()
    page.wait_for_function("() => /left$/.test(document.querySelector('[data-countdown]').textContent)")
    page.get_by_label("Reason for early discharge").fill("Transport arrived; patient well and advised")
    page.get_by_role("button", name="Discharge").click()
    expect(page.get_by_text("Patient discharged.")).to_be_visible()
    href = page.get_by_role("link", name="Print visit summary").get_attribute("href")
    pdf = page.context.request.get(live.base + href)
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Finalize").click()
    expect(page.get_by_text("Finalized. The record is signed")).to_be_visible()
    expect(page.get_by_text("Fingerprint")).to_be_visible()


def _serious_session(api, make_patient, name):
    nurse = api("nurse")
    patient = make_patient(first_name="Ada", last_name=name)
    sid = nurse.post("/api/v1/sessions", json={"patient_id": patient.id, "drug": "natalizumab"}).get_json()["id"]
    ready_to_start(nurse, sid)
    post(nurse, sid, "start", {"at": (datetime.now(timezone.utc) - timedelta(minutes=30)).isoformat()})
    post(nurse, sid, "reactions", {"code": "trouble_breathing", "grade": 3, "action": "stopped",
                                   "onset_at": (datetime.now(timezone.utc) - timedelta(minutes=10)).isoformat()}, 201)
    return sid


def test_supervisor_reviews_and_downloads_the_report(live, new_page, make_user, api, make_patient, viewport):
    _serious_session(api, make_patient, "Lovelace")
    supervisor = make_user("supervisor")
    page = new_page()
    log_in(page, live.base, supervisor.username)
    page.get_by_role("link", name="Review queue").click()
    first = page.locator("section.card").first
    assert "Lovelace" in first.inner_text() and "Serious" in first.inner_text()
    assert_accessible(page, "review queue")
    screenshot(page, "review-queue", viewport)
    first.get_by_label("Outcome").select_option("escalated")
    first.get_by_label("Note").fill("Called the neurologist")
    first.get_by_role("button", name="Record review").click()
    expect(page.get_by_text("Nothing to review.")).to_be_visible()
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_text("Infusions with a reaction").first).to_be_visible()
    assert_accessible(page, "reports")
    screenshot(page, "reports", viewport)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.path().read_text().startswith("section,key,label")


def test_roles_logout_and_idle_timeout(live, new_page, make_user, database_url, tmp_path, viewport):
    nurse = make_user("nurse")
    page = new_page()
    log_in(page, live.base, nurse.username)
    for url in ("/review/", "/admin/users"):
        response = page.goto(live.base + url)
        assert response.status == 403 and page.get_by_role("heading", name="Not allowed").is_visible()
    page.goto(live.base + "/")
    page.get_by_role("button", name="Log out").click()
    for url in ("/", "/patients/", "/sessions/new", "/review/"):
        page.goto(live.base + url)
        assert "/login" in page.url
    brief = serve(database_url, tmp_path / "idle.log", idle_minutes=0.05)  # 3 seconds
    try:
        idle_page = new_page()
        log_in(idle_page, brief.base, nurse.username)
        expect(idle_page.get_by_role("heading", name="Chair board")).to_be_visible()
        time.sleep(3.5)
        idle_page.goto(brief.base + "/patients/")
        assert "/login" in idle_page.url
        expect(idle_page.get_by_text("logged out after a period without activity")).to_be_visible()
    finally:
        brief.stop()


def _focus(page, predicate_js, limit=200):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate_js):
            return
    raise AssertionError("could not reach the element with Tab")


def test_vitals_and_reactions_by_keyboard_only(live, new_page, make_user, api, make_patient, viewport):
    nurse = make_user("nurse")
    nurse_api = api("nurse", user=nurse)
    sid = nurse_api.post("/api/v1/sessions", json={"patient_id": make_patient().id, "drug": "ivig", "weight_kg": "70"}).get_json()["id"]
    page = new_page()
    log_in(page, live.base, nurse.username)
    page.goto(f"{live.base}/sessions/{sid}")
    _focus(page, "() => document.activeElement.tagName === 'SUMMARY' && "
                 "document.activeElement.textContent === 'Record vitals'")
    page.keyboard.press("Enter")  # IVIG's checks come first: the vitals form is one key away
    _focus(page, "() => document.activeElement.id === 'vitals-systolic'")
    page.keyboard.type("122")
    page.keyboard.press("Tab")
    page.keyboard.type("76")
    page.keyboard.press("Tab")
    page.keyboard.type("70")
    # At the baseline On oxygen and Consciousness are chosen once: the arrow key moves each list from "Not
    # recorded" to the next choice ("No (room air)", "Alert"), then on to Pain.
    _focus(page, "() => document.activeElement.id === 'vitals-on_oxygen'")
    page.keyboard.press("ArrowDown")
    _focus(page, "() => document.activeElement.id === 'vitals-consciousness'")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("[document.getElementById('vitals-on_oxygen').value, "
                         "document.getElementById('vitals-consciousness').value]") == ["no", "alert"]
    _focus(page, "() => document.activeElement.id === 'vitals-pain'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Vitals recorded.")).to_be_visible()
    _focus(page, "() => document.activeElement.textContent === 'Record reactions'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _focus(page, "() => document.activeElement.value === 'headache' && document.activeElement.type === 'checkbox'")
    page.keyboard.press("Space")
    _focus(page, "() => document.activeElement.name === 'reactions-grade'")
    page.keyboard.press("Space")
    _focus(page, "() => document.activeElement.textContent === 'Record reactions' || "
                 "document.activeElement.value === 'Record reactions'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Reactions recorded.")).to_be_visible()
    expect(page.locator("td", has_text="Headache").first).to_be_visible()


def test_second_save_on_a_stale_page_gets_the_conflict_message(live, new_page, make_user, api, make_patient,
                                                               viewport):
    first_nurse, second_nurse = make_user("nurse"), make_user("nurse")
    sid = api("nurse", user=first_nurse).post("/api/v1/sessions", json={"patient_id": make_patient().id,
                                                                        "drug": "ivig", "weight_kg": "70"}).get_json()["id"]
    one, two = new_page(), new_page()
    for page, user in ((one, first_nurse), (two, second_nurse)):
        log_in(page, live.base, user.username)
        page.goto(f"{live.base}/sessions/{sid}")
    record_vitals(one, Systolic=120, Diastolic=80, **AT_THE_BASELINE)
    expect(one.get_by_text("Vitals recorded.")).to_be_visible()
    record_vitals(two, Systolic=150, Diastolic=90, **AT_THE_BASELINE)
    expect(two.get_by_text("changed by someone else")).to_be_visible()
    assert two.locator("td", has_text="150/90").count() == 0


def test_every_main_screen_is_accessible(live, new_page, make_user, api, make_patient, viewport):
    sid = _serious_session(api, make_patient, "Turing")
    admin = make_user("admin")
    page = new_page()
    page.goto(live.base + "/login")
    assert_accessible(page, "login")
    screenshot(page, "login", viewport)
    log_in(page, live.base, admin.username)
    screens = {"chair board": "/", "check-in": "/sessions/new", "session page": f"/sessions/{sid}",
               "patients": "/patients/?q=Turing", "review queue": "/review/", "reports": "/reports/",
               "audit log": "/audit/", "users": "/admin/users", "catalog": "/admin/catalog"}
    shots = {"chair board": "chair-board", "session page": "session-page", "users": "users",
             "audit log": "audit-log", "catalog": "catalog"}
    for name, url in screens.items():
        page.goto(live.base + url)
        assert_accessible(page, name)
        if name in shots:
            screenshot(page, shots[name], viewport)
    page.goto(live.base + "/patients/?q=Turing")
    page.get_by_role("link", name=re.compile("Turing")).click()
    assert_accessible(page, "patient page")
    screenshot(page, "patient-page", viewport)
    page.get_by_role("link", name="Check in").last.click()
    page.get_by_label("Drug", exact=True).select_option("ocrelizumab")
    expect(page.get_by_text("Infusion #1 of Ocrevus", exact=True)).to_be_visible()  # filled in place
    expect(page.get_by_label("Dose", exact=True)).to_have_value("300")
    assert_accessible(page, "check-in with a drug chosen")
    screenshot(page, "check-in", viewport)
