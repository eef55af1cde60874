"""The chair board in Chromium (SPEC §10): the whole card opens its session, by touch, mouse or keyboard."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, log_in, screenshot, small_targets
from tests.helpers import ago, check_in, post, started_session, tysabri_anaphylaxis

pytestmark = pytest.mark.browser


def a_day_at_the_chairs(api, make_patient) -> dict[str, int]:
    """A session in each state the board tells apart, by patient surname."""
    nurse = api("nurse")
    ids = {}
    ids["Planned"] = check_in(nurse, make_patient(last_name="Planned").id, "natalizumab", chair="1")["id"]
    ids["Stepper"] = started_session(nurse, make_patient(last_name="Stepper").id, "ocrelizumab",
                                     started_minutes_ago=20, chair="2")
    ids["Reacting"] = tysabri_anaphylaxis(nurse, make_patient(last_name="Reacting", allergies="Penicillin").id,
                                          chair="3")
    observing = started_session(nurse, make_patient(last_name="Observing").id, "natalizumab", started_minutes_ago=70,
                                chair="4")
    post(nurse, observing, "end", {"at": ago(10), "full_dose": True})
    ids["Observing"] = observing
    discharged = started_session(nurse, make_patient(last_name="Discharged").id, "natalizumab",
                                 started_minutes_ago=140, chair="5")
    post(nurse, discharged, "end", {"at": ago(75), "full_dose": True})
    post(nurse, discharged, "vitals", {"taken_at": ago(5), "phase": "observation", "heart_rate": 70}, 201)
    post(nurse, discharged, "discharge", {"at": ago(2)})
    ids["Discharged"] = discharged
    return ids


# Points across a card, as fractions of its box: corners (just inside), edges and the middle.
POINTS = [(0.02, 0.03), (0.98, 0.03), (0.5, 0.5), (0.02, 0.97), (0.98, 0.97), (0.9, 0.6)]


def test_the_whole_card_opens_the_session(live, new_page, make_user, api, make_patient, viewport):
    ids = a_day_at_the_chairs(api, make_patient)
    page = new_page()
    log_in(page, live.base, make_user("nurse").username)
    cards = page.locator(".board-card")
    expect(cards).to_have_count(5)
    assert_accessible(page, "chair board")
    assert not small_targets(page), small_targets(page)
    screenshot(page, "chair-board-day", viewport)
    for i in range(5):
        box = cards.nth(i).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
        hits = page.evaluate("""([points, index]) => {
            const card = document.querySelectorAll('.board-card')[index];
            const link = card.querySelector('a.card-link');
            const r = card.getBoundingClientRect();
            return points.map(([x, y]) => {
              const el = document.elementFromPoint(r.left + x * r.width, r.top + y * r.height);
              return el !== null && el.closest('a') === link;
            });
        }""", [POINTS, i]) if box["y"] + box["height"] <= page.viewport_size["height"] else None
        assert hits is None or all(hits), (i, hits)
    # A tap on the card's flags (far from the patient's name) opens the anaphylaxis session.
    # (The mouse, not the locator's click: Playwright refuses to click an element the card's link covers.)
    flags = page.locator(".board-card", has_text="Reacting").locator(".card-flags")
    flags.scroll_into_view_if_needed()
    box = flags.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 10, box["y"] + box["height"] - 5)
    page.wait_for_url(re.compile(rf"/sessions/{ids['Reacting']}$"))


def test_the_cards_say_what_each_chair_needs(live, new_page, make_user, api, make_patient, viewport):
    a_day_at_the_chairs(api, make_patient)
    page = new_page()
    log_in(page, live.base, make_user("nurse").username)
    card = {name: page.locator(".board-card", has_text=name) for name in
            ("Planned", "Stepper", "Reacting", "Observing", "Discharged")}
    expect(card["Stepper"]).to_contain_text(re.compile(r"Infusing for\s*\d+ min"))
    expect(card["Stepper"]).to_contain_text(re.compile(r"Rate\s*30 mL/h; next step 60 mL/h at \d\d:\d\d"))
    expect(card["Observing"]).to_contain_text(re.compile(r"Observation ends at\s*\d\d:\d\d"))
    expect(card["Observing"].locator("[data-countdown]")).to_have_text(re.compile(r"left$"))
    expect(card["Discharged"]).to_contain_text("Needs signing")
    for name in ("Planned", "Observing", "Discharged"):
        expect(card[name]).not_to_contain_text("Infusing for")
    reacting = card["Reacting"]
    expect(reacting.locator(".flag-words li").first).to_have_text(re.compile("^Serious: anaphylaxis criteria met"))
    expect(reacting).to_contain_text("Allergies: Penicillin")
    expect(reacting).to_contain_text(re.compile(r"and \d+ more on the session page"))


def test_the_board_refreshes_its_cards_by_itself(live, new_page, make_user, api, make_patient, viewport):
    nurse = api("nurse")
    tysabri_anaphylaxis(nurse, make_patient(last_name="Reacting").id, chair="3")
    page = new_page()
    page.clock.install()
    log_in(page, live.base, make_user("nurse").username)
    expect(page.locator(".board-card")).to_have_count(1)
    check_in(nurse, make_patient(last_name="Latecomer").id, "natalizumab", chair="6")
    page.clock.fast_forward(31_000)  # the board asks for its cards every 30 seconds
    expect(page.locator(".board-card")).to_have_count(2)
    expect(page.locator(".board-card").last).to_contain_text("Chair 6: Latecomer")
    first = page.locator(".board-card").first.locator(".flag-words li").first
    expect(first).to_have_text(re.compile("^Serious: anaphylaxis criteria met"))
    assert page.url.rstrip("/") == live.base  # refreshed in place, no page load


def test_the_keyboard_opens_a_card(live, new_page, make_user, api, make_patient, viewport):
    sid = check_in(api("nurse"), make_patient(first_name="Grace", last_name="Hopper").id, "natalizumab",
                   chair="4")["id"]
    page = new_page()
    log_in(page, live.base, make_user("nurse").username)
    link = page.get_by_role("link", name="Chair 4: Hopper, Grace")
    for _ in range(40):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the card")
    outline = link.evaluate("el => getComputedStyle(el, '::after').outlineStyle")
    assert outline == "solid"  # the focus ring goes round the whole card
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/sessions/{sid}$"))
