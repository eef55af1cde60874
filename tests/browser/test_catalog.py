"""The admin's catalog editor in Chromium at tablet size: rows edited, added and refused without JavaScript tricks."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, log_in, screenshot, small_targets

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["tablet"], indirect=True)
def test_admin_edits_a_premedication_row_and_saves(live, new_page, make_user, viewport):
    admin = make_user("admin")
    page = new_page()
    log_in(page, live.base, admin.username)
    page.goto(live.base + "/admin/catalog")
    page.get_by_role("link", name="Edit Ocrevus", exact=True).click()
    expect(page.get_by_role("heading", name="Edit Ocrevus (version 1)")).to_be_visible()
    assert_accessible(page, "catalog editor")
    assert not small_targets(page), small_targets(page)
    screenshot(page, "catalog-editor", viewport)

    # The antipyretic becomes required from infusion 3, in other words.
    row = page.get_by_role("group", name="Premedication 3")
    expect(row.get_by_label("Code")).to_have_value("antipyretic")
    row.get_by_label("Premedication", exact=True).fill("Acetaminophen 650 mg by mouth 30–60 minutes before")
    row.get_by_role("checkbox", name=re.compile("^Required")).check()
    row.get_by_label("From infusion").fill("3")

    # A new row comes from "Add a premedication" (a plain submit), keeping what was typed; an empty one is refused.
    page.get_by_role("button", name="Add a premedication").click()
    new_row = page.get_by_role("group", name="Premedication 4")
    expect(new_row.get_by_label("Code")).to_be_focused()
    expect(row.get_by_label("From infusion")).to_have_value("3")
    new_row.get_by_label("Code").fill("famotidine")
    new_row.get_by_label("Premedication", exact=True).fill("Famotidine 20 mg IV (center protocol)")
    new_row.get_by_label("From infusion").fill("1")
    new_row.get_by_label("Source").select_option("L1")
    page.get_by_role("button", name="Save drug").first.click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("premedications-3-checked_on")
    assert_accessible(page, "catalog editor refusing a row")
    page.get_by_role("link", name=re.compile("Premedication 4 › Checked on")).click()
    expect(page.locator("#premedications-3-checked_on")).to_be_focused()
    page.locator("#premedications-3-checked_on").fill("2026-11-30")
    page.get_by_role("button", name="Save drug").first.click()

    expect(page.get_by_text("Saved Ocrevus.")).to_be_visible()
    drug = page.locator("#drug-ocrelizumab")
    expect(drug).to_contain_text("Version 2 in force (admin edit")
    drug.get_by_text("Protocol, premedications, checks and rules of Ocrevus").click()
    expect(drug).to_contain_text("Acetaminophen 650 mg by mouth 30–60 minutes before — required, infusions 3 and later")
    expect(drug).to_contain_text("Famotidine 20 mg IV (center protocol) — optional, every infusion")
    assert_accessible(page, "catalog with a drug opened")
    screenshot(page, "catalog-drug", viewport)
