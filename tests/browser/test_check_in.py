"""Check-in in one form (SPEC §4.1, issue 22 and 23), in Chromium with JavaScript and without."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORTS
from tests.browser.helpers import assert_accessible, log_in, small_targets

pytestmark = pytest.mark.browser


def open_check_in(page, base, patient_id):
    page.goto(f"{base}/sessions/new?patient_id={patient_id}")
    expect(page.get_by_role("heading", name="2. The infusion")).to_be_visible()


def pages_loaded(page) -> list[str]:
    """Record every page the browser loads from now on (a round trip would add one)."""
    loaded = []
    page.on("request", lambda request: loaded.append(request.method + " " + request.url)
            if request.resource_type == "document" else None)
    return loaded


def visible_options(page, label) -> list[str]:
    return page.get_by_label(label, exact=True).evaluate(
        "select => Array.from(select.options).filter(o => !o.hidden).map(o => o.value)")


def test_choosing_the_drug_fills_the_form_in_place(live, new_page, make_user, make_patient, viewport):
    patient = make_patient(last_name="Hopper", allergies="Penicillin")
    page = new_page()
    log_in(page, live.base, make_user("nurse").username)
    open_check_in(page, live.base, patient.id)
    expect(page.locator("details.protocol:visible")).to_have_count(0)  # nothing to show before a drug is chosen
    loaded = pages_loaded(page)

    page.get_by_label("Drug", exact=True).select_option("ocrelizumab")
    panel = page.locator("details.protocol:visible")
    expect(panel).to_have_count(1)
    expect(panel.get_by_text("Infusion #1 of Ocrevus", exact=True)).to_be_visible()
    for words in ("300 mg in 250 mL", "30 mL/h for 30 min, then +30 every 30 min to 180 mL/h",
                  "Hepatitis B screening done", "Methylprednisolone 100 mg IV", "60 minutes after the end"):
        expect(panel.get_by_text(re.compile(re.escape(words))).first).to_be_visible()
    expect(page.get_by_label("Dose", exact=True)).to_have_value("300")
    expect(page.get_by_label("Dose unit", exact=True)).to_have_value("mg")
    expect(page.get_by_label("Product", exact=True)).to_have_value("ocrevus")
    assert visible_options(page, "Product") == ["ocrevus"]
    assert visible_options(page, "Rate plan") == ["", "standard"]
    expect(page.get_by_label("Weight (kg), taken today")).to_be_hidden()
    assert_accessible(page, "check-in with Ocrevus chosen")
    assert not small_targets(page), small_targets(page)

    page.get_by_label("Drug", exact=True).select_option("ivig")  # by weight: the order per kg, and the weight
    expect(page.get_by_text("Infusion #1 of IVIG", exact=True)).to_be_visible()
    expect(page.get_by_label("Ordered dose per kg or per m²")).to_have_value("0.4")
    expect(page.get_by_label("Weight (kg), taken today")).to_be_visible()
    expect(page.get_by_label("Dose", exact=True)).to_have_value("")
    expect(page.get_by_label("Dose unit", exact=True)).to_have_value("g")

    page.get_by_label("Drug", exact=True).select_option("rituximab")  # four products: the nurse picks the one given
    assert visible_options(page, "Product") == ["rituxan", "truxima", "ruxience", "riabni"]
    page.get_by_label("Product", exact=True).select_option("truxima")
    expect(page.get_by_label("Dose", exact=True)).to_have_value("1000")
    expect(page.get_by_label("Ordered dose per kg or per m²")).to_be_hidden()

    page.get_by_label("Drug", exact=True).select_option("natalizumab")
    expect(page.locator("details.protocol:visible")).to_have_count(1)
    expect(page.get_by_text("Infusion #1 of Tysabri", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile('TOUCH: patient shown as "Authorized"'))).to_be_visible()
    expect(page.get_by_label("Dose", exact=True)).to_have_value("300")
    expect(page.get_by_label("Product", exact=True)).to_have_value("tysabri")
    assert loaded == [], loaded  # all of it in place: no round trip

    page.get_by_label("Lot number", exact=True).fill("TY-2026-11")
    page.get_by_label("Chair", exact=True).fill("4")
    page.get_by_role("button", name="Check in").click()
    page.wait_for_url(re.compile(r"/sessions/\d+$"))
    assert [request.split()[0] for request in loaded] == ["POST", "GET"]  # one submit, then the session page
    expect(page.get_by_text("Checked in for infusion #1.")).to_be_visible()
    expect(page.get_by_text("300 mg").first).to_be_visible()


def test_a_typed_dose_stays_when_the_drug_changes(live, new_page, make_user, make_patient, viewport):
    patient = make_patient()
    page = new_page()
    log_in(page, live.base, make_user("nurse").username)
    open_check_in(page, live.base, patient.id)
    page.get_by_label("Drug", exact=True).select_option("natalizumab")
    page.get_by_label("Dose", exact=True).fill("280")
    page.get_by_label("Drug", exact=True).select_option("ocrelizumab")
    expect(page.get_by_label("Dose", exact=True)).to_have_value("280")


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_without_javascript_one_submit_checks_in(live, browser, make_user, make_patient, size):
    patient = make_patient(last_name="Lamarr")
    context = browser.new_context(viewport=VIEWPORTS[size], java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live.base, make_user("nurse").username)
        open_check_in(page, live.base, patient.id)
        loaded = pages_loaded(page)
        page.get_by_label("Drug", exact=True).select_option("natalizumab")
        # Every drug's protocol is there to open, without a round trip.
        tysabri = page.locator("details.protocol", has_text="Infusion #1 of Tysabri")
        tysabri.locator("summary").click()
        expect(tysabri.get_by_text("300 mg in 100 mL")).to_be_visible()
        expect(tysabri.get_by_text(re.compile("TOUCH: patient shown"))).to_be_visible()
        expect(page.get_by_label("Product", exact=True)).to_have_value("")  # the drug's usual product
        page.get_by_label("Lot number", exact=True).fill("TY-2026-12")
        page.get_by_label("Chair", exact=True).fill("2")
        page.get_by_role("button", name="Check in").click()
        page.wait_for_url(re.compile(r"/sessions/\d+$"))
        assert [request.split()[0] for request in loaded] == ["POST", "GET"], loaded
        expect(page.get_by_text("Checked in for infusion #1.")).to_be_visible()
        expect(page.get_by_text("300 mg").first).to_be_visible()
        expect(page.get_by_text("Tysabri").first).to_be_visible()
    finally:
        context.close()
