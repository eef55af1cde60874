"""The review queue in Chromium: an anaphylaxis leads its item and no flag is out of sight (SPEC §5, §7)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, log_in, screenshot, small_targets
from tests.helpers import ago, post, started_session, tysabri_anaphylaxis

pytestmark = pytest.mark.browser


def test_the_queue_leads_with_the_anaphylaxis_and_shows_every_flag(live, new_page, make_user, api, make_patient,
                                                                    viewport):
    nurse = api("nurse")
    warned = started_session(nurse, make_patient(last_name="Warned").id, "natalizumab")
    post(nurse, warned, "reactions", {"code": "headache", "grade": 2, "action": "none", "onset_at": ago(40)}, 201)
    sid = tysabri_anaphylaxis(nurse, make_patient(last_name="Reacting").id)
    flags = nurse.get(f"/api/v1/sessions/{sid}").get_json()["flags"]
    page = new_page()
    log_in(page, live.base, make_user("supervisor").username)
    page.get_by_role("link", name="Review queue").click()
    items = page.locator("section.card")
    expect(items).to_have_count(2)
    first = items.first
    expect(first.get_by_role("heading")).to_contain_text("Reacting")
    lead = first.locator("li.flag").first
    expect(lead.locator("strong")).to_have_text(re.compile("^Serious: anaphylaxis criteria met"))
    assert lead.bounding_box()["y"] < page.viewport_size["height"], "the anaphylaxis is below the first screen"
    for flag in flags:  # every flag in words, in sight: none folded away behind a "more"
        expect(first.get_by_text(flag["message"], exact=True).first).to_be_visible()
    assert_accessible(page, "review queue with an anaphylaxis")
    assert not small_targets(page), small_targets(page)
    screenshot(page, "review-queue-anaphylaxis", viewport)
