"""The session page built around the nurse's next action, in Chromium (SPEC §10, issue 23).

`CHAIRSIDE_SCREENS=1` also writes docs/screens/session-<state>.png (the whole page at 768 x 1024).
"""
from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENS, VIEWPORTS
from tests.browser.helpers import assert_accessible, log_in, small_targets
from tests.browser.session_states import MORE_STATES, STATES, make_state
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

MOST_WHILE_INFUSING = 3000  # px at 768 x 1024 with 11 readings (issue 23)
# What the first screen shows of each state: the Now panel, and the next action's form by its button.
NEXT_BUTTON = {"planned": "Confirm checks", "infusing": "Record vitals", "serious": "End infusion…",
               "observing": "Record vitals", "paused": "Resume infusion", "discharged": "Finalize"}


def page_height(page) -> int:
    return page.evaluate("() => document.documentElement.scrollHeight")


def bottom(locator) -> float:
    box = locator.bounding_box()
    return box["y"] + box["height"]


@pytest.mark.parametrize("state", STATES + MORE_STATES)
def test_each_state_shows_now_and_the_next_form_on_the_first_screen(live, new_page, make_user, api, make_patient,
                                                                    viewport, state):
    sid = make_state(state, api, make_patient)
    page = new_page()
    log_in(page, live.base, make_user("nurse").username)
    page.goto(f"{live.base}/sessions/{sid}")
    height = page_height(page)
    print(f"\n{state} at {viewport}: {height} px")
    first_screen = VIEWPORTS[viewport]["height"]
    now, form = page.locator("#now"), page.locator("#next form").first
    if state == "serious":  # issue 23: an anaphylaxis while infusing offers stopping first, not more vitals
        form = page.locator("#next").get_by_role("link", name=NEXT_BUTTON[state])
        expect(page.locator("#next").get_by_role("link", name="Pause infusion…")).to_be_visible()
    expect(now).to_be_visible()
    expect(form if state == "serious" else form.get_by_role("button", name=NEXT_BUTTON[state])).to_be_visible()
    if viewport == "tablet":
        assert bottom(now) <= first_screen and bottom(form) <= first_screen, (state, bottom(now), bottom(form))
        if state == "infusing":
            assert height <= MOST_WHILE_INFUSING, height
    if state == "serious":
        top_flag = page.locator("#top-flag")
        expect(top_flag).to_contain_text("Serious: anaphylaxis criteria met")
        assert "restart" not in page.locator("#flags").inner_text().replace("do not restart", "")
        assert bottom(top_flag) <= first_screen
    assert_accessible(page, f"session page, {state}")
    assert not small_targets(page), small_targets(page)
    if viewport == "tablet" and state in STATES and os.environ.get("CHAIRSIDE_SCREENS") == "1":
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / f"session-{state}.png"), full_page=True)
    if state == "infusing":  # the pages one tap away: the checklist, and each action that says what it does
        for link, heading in (("Record reactions", "Record reactions"), ("End infusion…", "End infusion"),
                              ("Pause infusion…", "Pause infusion"), ("Another rate…", "Change the rate"),
                              ("Record a premedication…", "Record a premedication")):
            page.goto(f"{live.base}/sessions/{sid}")
            page.get_by_role("link", name=link).click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
            assert_accessible(page, f"session page, {link}")
            assert not small_targets(page), (link, small_targets(page))



@pytest.mark.parametrize("viewport", ["tablet"])
def test_a_serious_event_with_eleven_low_readings_stays_within_the_height(live, new_page, make_user, api,
                                                                          make_patient, viewport):
    # Issue 23: one flag line per reading made this page 4,320 px; each rule's readings now fold into one line.
    sid = make_state("serious_readings", api, make_patient)
    page = new_page()
    log_in(page, live.base, make_user("nurse").username)
    page.goto(f"{live.base}/sessions/{sid}")
    height = page_height(page)
    print(f"\nserious with 11 low readings at {viewport}: {height} px")
    assert height <= MOST_WHILE_INFUSING, height
    fold = page.locator("#flags details", has_text="Serious: low systolic")
    expect(fold.locator("li").first).to_be_hidden()
    fold.locator("summary").click()
    expect(fold.locator("li")).to_have_count(11)
    assert_accessible(page, "session page, serious with 11 low readings")


class Interactions:
    """Counts what the nurse does besides typing vital-sign values: taps, ticks, choices, other text typed."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def tap(self, locator, navigates=True):
        self.count += 1
        if navigates:
            with self.page.expect_navigation():
                locator.click()
        else:
            locator.click()

    def tick(self, locator):
        self.count += 1
        locator.check()

    def choose(self, locator, value):
        self.count += 1
        locator.select_option(value)

    def write(self, locator, text):
        self.count += 1
        locator.fill(text)

    def vitals(self, **values):
        """Type the six values (not counted), then one tap on Record vitals."""
        for label, value in values.items():
            self.page.get_by_label(label, exact=True).fill(str(value))
        self.tap(self.page.get_by_role("button", name="Record vitals"))
        expect(self.page.get_by_text("Vitals recorded.")).to_be_visible()


SIX = {"Systolic": 122, "Diastolic": 76, "Heart rate": 74, "Respiratory rate": 15, "Temperature": "36.8",
       "Oxygen saturation": 97}


def test_an_uneventful_first_ocrevus_session_takes_at_most_40_interactions(live, new_page, make_user, api,
                                                                          make_patient, app, viewport):
    """SPEC §10: 12 sets of vitals and 5 rate steps, from the saved check-in to the printed summary."""
    nurse = make_user("nurse")
    sid = api("nurse", user=nurse).post("/api/v1/sessions", json={
        "patient_id": make_patient().id, "drug": "ocrelizumab", "chair": "2"}).get_json()["id"]
    page = new_page()
    log_in(page, live.base, nurse.username, PASSWORD)
    page.goto(f"{live.base}/sessions/{sid}")
    nurse_does = Interactions(page)
    for check in page.locator("#next input[name=checks-codes]").all():
        nurse_does.tick(check)
    nurse_does.tap(page.get_by_role("button", name="Confirm checks"))
    recorded = []
    while page.locator("#next #premedication").count():  # each required one: the picker is on it already
        picked = page.get_by_label("Premedication", exact=True).input_value()
        assert picked not in recorded, "the picker moved on to one not yet recorded"
        recorded.append(picked)
        nurse_does.tap(page.get_by_role("button", name="Record premedication"))
    assert recorded, "the premedications came before the baseline"
    for label, value in SIX.items():
        page.get_by_label(label, exact=True).fill(str(value))
    nurse_does.choose(page.get_by_label("On oxygen"), "no")  # chosen once, at the baseline
    nurse_does.choose(page.get_by_label("Consciousness"), "alert")
    nurse_does.tap(page.get_by_role("button", name="Record vitals"))
    if page.locator("summary", has_text="Premedications").count() and "Record the premedication" in \
            page.locator("#before-start").inner_text():  # an optional one left: record it too
        nurse_does.tap(page.locator("summary", has_text="Premedications"), navigates=False)
        nurse_does.tap(page.get_by_role("button", name="Record premedication"))
    nurse_does.tap(page.get_by_role("button", name="Start infusion"))
    expect(page.locator("#now")).to_contain_text("Rate now")
    for _step in range(5):
        nurse_does.vitals(**SIX)
        expect(page.get_by_label("On oxygen")).to_have_value("no")  # carried over from the last reading
        expect(page.get_by_label("Consciousness")).to_have_value("alert")
        nurse_does.tap(page.get_by_role("button", name=re.compile(r"^Set \d+ mL.h now$")))
        expect(page.get_by_text("Rate recorded")).to_be_visible()
    expect(page.locator("#now")).to_contain_text("180 mL/h")
    nurse_does.vitals(**SIX)
    nurse_does.vitals(**SIX)
    nurse_does.vitals(**SIX)
    nurse_does.tap(page.get_by_role("link", name="End infusion…"))
    nurse_does.tick(page.get_by_label("Yes, the full dose"))
    nurse_does.tap(page.get_by_role("button", name="Confirm: end infusion"))
    for _ in range(3):
        nurse_does.vitals(**SIX)
    with app.app_context():  # the hour of observation passes
        from datetime import datetime, timedelta, timezone

        from clinic.extensions import db
        from clinic.models import InfusionSession

        infusion = db.session.get(InfusionSession, sid)
        infusion.observation_ends_at = datetime.now(timezone.utc) - timedelta(minutes=1)
        db.session.commit()
    page.reload()
    nurse_does.tap(page.get_by_role("button", name="Discharge"))
    expect(page.get_by_text("Patient discharged.")).to_be_visible()
    nurse_does.write(page.get_by_label("Your password"), PASSWORD)
    nurse_does.tap(page.get_by_role("button", name="Finalize"))
    expect(page.get_by_text("Finalized. The record is signed")).to_be_visible()
    link = page.get_by_role("link", name="Print visit summary")
    nurse_does.count += 1  # the tap that opens the PDF (fetched as the browser would)
    pdf = page.context.request.get(live.base + link.get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    session = api("supervisor").get(f"/api/v1/sessions/{sid}").get_json()
    assert len(session["vitals"]) == 12 and session["status"] == "finalized"
    print(f"\nan uneventful first Ocrevus session at {viewport}: {nurse_does.count} interactions besides the vital values")
    assert nurse_does.count <= 40


def test_without_javascript_the_nurse_ends_and_undoes_the_end(live, browser, make_user, api, make_patient):
    """Disclosures, autofocus and plain forms: nothing on the page needs script."""
    nurse = make_user("nurse")
    nurse_api = api("nurse", user=nurse)
    from tests.browser.session_states import _ocrevus_started

    sid = _ocrevus_started(nurse_api, make_patient().id, readings=3, started_minutes_ago=40)
    context = browser.new_context(viewport=VIEWPORTS["tablet"], java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live.base, nurse.username, PASSWORD)
        page.goto(f"{live.base}/sessions/{sid}")
        page.get_by_role("link", name="End infusion…").click()
        page.get_by_label("No, not the full dose").check()
        page.get_by_role("button", name="Confirm: end infusion").click()
        expect(page.locator("#now")).to_contain_text("Observation ends at")
        expect(page.get_by_text("Infusion ended. The observation period has started.")).to_be_visible()
        page.get_by_role("button", name="Undo end of infusion").click()
        expect(page.get_by_text("The end was undone")).to_be_visible()
        expect(page.locator("#now")).to_contain_text("Rate now")
        page.get_by_label("Systolic", exact=True).fill("500")
        page.get_by_role("button", name="Record vitals").click()
        expect(page.get_by_label("Systolic", exact=True)).to_be_focused()  # the refusal's field, by autofocus
    finally:
        context.close()
