"""The reaction report's lot signal in Chromium (SPEC §7, issue 24): a lot whose reaction rate stands out."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, log_in, screenshot
from tests.helpers import ago, post, started_session

pytestmark = pytest.mark.browser

# Tysabri lot TY-2611-B: 5 of its 6 infusions with a reaction, against 2 of 24 in the drug's two other lots
# (P(X >= 5) for 6 infusions at 1/12 is about 2.2e-5); Ocrevus's lot is ordinary, and too small to judge.
LOTS = (("natalizumab", "TY-2610-A", 14, 1), ("natalizumab", "TY-2611-B", 6, 5), ("natalizumab", "TY-2612-C", 10, 1),
        ("ocrelizumab", "OC-2611-A", 5, 1))


def seed_lots(api, make_patient):
    nurse = api("nurse")
    for drug, lot, infusions, with_reaction in LOTS:
        for i in range(infusions):
            sid = started_session(nurse, make_patient().id, drug, started_minutes_ago=40, lot_number=lot)
            if i < with_reaction:
                post(nurse, sid, "reactions", {"code": "hives" if i % 2 else "itching", "grade": 1 + i % 2,
                                               "action": "none", "onset_at": ago(30)}, 201)


def test_the_report_picks_out_the_lot_that_stands_out(live, new_page, make_user, api, make_patient, viewport):
    seed_lots(api, make_patient)
    page = new_page()
    log_in(page, live.base, make_user("supervisor").username)
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("button", name="Show report").click()
    section = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Lot signal")))
    expect(section).to_be_visible()
    rows = section.locator("tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row.locator("th")).to_have_text(re.compile(r"Signal\s+Tysabri lot TY-2611-B"))
    cells = [text.strip() for text in row.locator("td").all_inner_texts()]
    assert cells[:7] == ["6", "5", "83.3", "24 (2 lots)", "2", "8.3", "2.2e-05"], cells
    by_lot = page.locator("section", has=page.get_by_role("heading", name="By lot", exact=True))
    bad = [text.strip() for text in by_lot.locator("tr", has_text="TY-2611-B").locator("td").all_inner_texts()]
    assert bad[:3] == ["6", "5", "83.3"], bad
    assert_accessible(page, "reports with a lot signal")
    page.evaluate("document.getElementById('sum-h').closest('section').scrollIntoView()")
    screenshot(page, "reports-lot-signal", viewport)
    row.get_by_role("link", name="5", exact=True).click()  # the count leads to the sessions behind it
    expect(page.get_by_text("Lot TY-2611-B")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(5)
