"""What a person does in the browser, in a few words."""
from __future__ import annotations

import json
import os
import re

from tests.browser.conftest import AXE, SCREENS
from tests.conftest import PASSWORD


def log_in(page, base, username, password=PASSWORD):
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def axe_violations(page, *, impacts=("serious", "critical")):
    """Run axe-core on the page; return the violations of the given impact."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in impacts]


def assert_accessible(page, screen):
    violations = axe_violations(page)
    assert not violations, f"{screen}: " + json.dumps(violations, indent=1)


def screenshot(page, name, viewport):
    """Keep a picture of each main screen at tablet size for the README, when asked (`make screens`).

    Only then: the pictures hold the time of the run, so writing them on every test run would leave
    the working tree changed after each `make test`.
    """
    if viewport == "tablet" and os.environ.get("CHAIRSIDE_SCREENS") == "1":
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=False)


def small_targets(page):
    """List buttons, fields and check labels smaller than 44 × 44 px (SPEC §10)."""
    return page.evaluate("""() => {
      const small = [];
      const visible = el => el.offsetParent !== null;
      const check = (el, what) => {
        const r = el.getBoundingClientRect();
        if (visible(el) && (r.width < 44 || r.height < 44)) small.push(what + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
      };
      const fields = 'main button, main select, main textarea, '
        + 'main input:not([type=hidden]):not([type=checkbox]):not([type=radio])';
      document.querySelectorAll(fields)
        .forEach(el => check(el, el.tagName + '#' + (el.id || el.name || el.textContent.trim())));
      document.querySelectorAll('main input[type=checkbox], main input[type=radio]')
        .forEach(el => check(el.closest('label') || el, 'label for ' + (el.id || el.value)));
      return small;
    }""")


def session_id(page) -> int:
    return int(re.search(r"/sessions/(\d+)", page.url).group(1))
