"""Chromium (Debian's) driven by Playwright against the app served by gunicorn on 127.0.0.1."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.system.conftest import Server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
VIEWPORTS = {"tablet": {"width": 768, "height": 1024}, "workstation": {"width": 1366, "height": 768}}


def _require_chromium():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (CI requires it: .ci/run installs Debian's chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium); browser tests skipped")


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield instance
        instance.close()


def serve(database_url, log_path, idle_minutes=None):
    """Start gunicorn on the test database (optionally with a short idle timeout)."""
    server = Server(database_url, log_path, workers=2)
    if idle_minutes is not None:
        os.environ["SESSION_IDLE_MINUTES"] = str(idle_minutes)
    try:
        return server.start()
    finally:
        os.environ.pop("SESSION_IDLE_MINUTES", None)


@pytest.fixture
def live(app, database_url, tmp_path):
    _require_chromium()
    server = serve(database_url, tmp_path / "gunicorn.log")
    yield server
    server.stop()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    return request.param


@pytest.fixture
def new_page(browser, viewport):
    contexts = []

    def make():
        # bypass_csp lets the test inject axe-core; the app itself never runs inline script.
        context = browser.new_context(viewport=VIEWPORTS[viewport], accept_downloads=True, bypass_csp=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
