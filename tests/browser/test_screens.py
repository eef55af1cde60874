"""Pictures of check-in and of the session page while infusing, for every drug in the catalog (issue 22).

Run with CHAIRSIDE_SCREENS=1 (`make screens`) to write docs/screens/check-in-<drug>.png and
session-infusing-<drug>.png at tablet size; without it the test is skipped (the pictures hold the time of
the run, and twenty-two pages are more than the suite needs on every run). It can be run again at will: each
run writes the same files afresh.
"""
from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENS, VIEWPORTS
from tests.browser.helpers import log_in, session_id
from tests.helpers import ago, post

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(os.environ.get("CHAIRSIDE_SCREENS") != "1",
                                 reason="writes docs/screens: run with CHAIRSIDE_SCREENS=1")]


def catalog_drugs(app):
    from clinic.services import catalog

    with app.app_context():
        return [(d.code, d.brand) for d in catalog.active_drugs()]


def make_ready_and_start(nurse, sid):
    """Confirm the session's required checks, give its required premedications, take a baseline, start it
    and chart a first reading, as the nurse would before the picture (each within 15 minutes of charting, so
    none is marked a late entry)."""
    session = nurse.get(f"/api/v1/sessions/{sid}").get_json()
    if session["required_checks"]:
        post(nurse, sid, "checks", {"codes": session["required_checks"]})
    for code in session["required_premedications"]:
        post(nurse, sid, "premedications", {"code": code, "given_at": ago(14)}, 201)
    post(nurse, sid, "vitals", {"taken_at": ago(13), "phase": "baseline", "systolic": 124, "diastolic": 78,
                                "heart_rate": 72, "resp_rate": 14, "temperature_c": "36.8", "spo2": 98,
                                "on_oxygen": False, "consciousness": "alert"}, 201)
    post(nurse, sid, "start", {"at": ago(12)})
    post(nurse, sid, "vitals", {"taken_at": ago(2), "phase": "during", "systolic": 120, "diastolic": 76,
                                "heart_rate": 76, "resp_rate": 15, "temperature_c": "36.9", "spo2": 97,
                                "on_oxygen": False, "consciousness": "alert"}, 201)


def test_check_in_and_infusing_screens_for_every_drug(app, live, browser, make_user, api, make_patient):
    drugs = catalog_drugs(app)
    assert len(drugs) >= 10
    nurse_user = make_user("nurse", full_name="Nina Nurse")
    nurse_api = api("nurse", user=nurse_user)
    context = browser.new_context(viewport=VIEWPORTS["tablet"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, live.base, nurse_user.username)
    SCREENS.mkdir(parents=True, exist_ok=True)
    try:
        for n, (code, brand) in enumerate(drugs, start=1):
            patient = make_patient(first_name="Grace", last_name=f"Hopper-{n}", allergies="Penicillin",
                                   weight_kg="68.0", height_cm="165.0")
            page.goto(f"{live.base}/sessions/new?patient_id={patient.id}")
            page.get_by_label("Drug", exact=True).select_option(code)
            expect(page.locator("details.protocol:visible")).to_contain_text(f"of {brand}")
            page.get_by_label("Ordering prescriber").fill("Dr Ada Byron")
            page.get_by_label("Lot number", exact=True).fill(f"{code[:3].upper()}-2026-{n:02d}")
            page.get_by_label("Chair", exact=True).fill(str(n))
            page.screenshot(path=str(SCREENS / f"check-in-{code}.png"), full_page=True)
            page.get_by_role("button", name="Check in").click()
            page.wait_for_url(re.compile(r"/sessions/\d+$"))
            sid = session_id(page)
            make_ready_and_start(nurse_api, sid)
            page.reload()
            expect(page.get_by_text("Infusing").first).to_be_visible()
            page.screenshot(path=str(SCREENS / f"session-infusing-{code}.png"), full_page=False)
        written = {p.name for p in SCREENS.glob("*.png")}
        for code, _ in drugs:
            assert {f"check-in-{code}.png", f"session-infusing-{code}.png"} <= written, code
    finally:
        context.close()
