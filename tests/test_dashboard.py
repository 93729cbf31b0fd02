"""End to end: ``simxh dashboard`` in headless Chromium (Debian's package, driven by
playwright; no browser is downloaded). Load the page, switch a lever on, reset, step, and check
that the chart and the status line change. Skipped only when /usr/bin/chromium is absent."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the dashboard exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise AssertionError(f"the dashboard did not listen on {port} within {timeout} s")


@pytest.fixture
def dashboard(tmp_path: Path, request: pytest.FixtureRequest):
    import solara  # noqa: F401  - in the test extra: missing is a failure, not a skip

    lang = getattr(request, "param", "en")
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "simxh", "dashboard", "--port", str(port),
                             "--lang", lang], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        _wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}/", proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group only
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def test_switch_a_lever_step_and_the_chart_changes(dashboard, tmp_path: Path):
    from playwright.sync_api import sync_playwright  # the test extra; never downloads a browser

    url, _ = dashboard
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(url, timeout=90_000)
            page.locator("img").first.wait_for(timeout=90_000)
            status = page.get_by_text("Levers on:")
            assert status.inner_text().startswith("2023: GDP 1,011")
            assert "Levers on: none" in status.inner_text()
            before = page.locator("img").first.get_attribute("src")

            box = page.get_by_label("Town–park integration")
            box.check(force=True)  # Vuetify's ripple overlays the input
            assert box.is_checked()
            page.get_by_role("button", name="Reset").click()
            for _ in range(3):
                page.get_by_role("button", name="Step").click()
                page.wait_for_timeout(500)
            page.wait_for_function("() => document.body.innerText.includes('2026: GDP')",
                                   timeout=60_000)
            text = status.inner_text()
            assert "Levers on: Town–park integration" in text
            assert "difference +0.0" not in text  # off the baseline median
            after = page.locator("img").first.get_attribute("src")
            assert after and after != before
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        finally:
            browser.close()


@pytest.mark.parametrize("dashboard", ["zh"], indirect=True)
def test_chinese_labels_are_drawn_with_the_bundled_font(dashboard):
    """No missing glyphs: Chromium reports the fonts it actually used for a Chinese label's
    text (CSS.getPlatformFontsForNode); every glyph must come from the bundled font, served by
    the page's CSS (this machine has no system CJK font, so anything else draws boxes)."""
    from playwright.sync_api import sync_playwright

    from simxh.dashboard import t
    from simxh.report.theme import VENDORED_FAMILY

    url, _ = dashboard
    label = t("pairing", "zh")  # a lever switch's label: 结对帮扶
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(url, timeout=90_000)
            page.locator("img").first.wait_for(timeout=90_000)
            element = page.get_by_text(label, exact=True).first
            element.wait_for(timeout=30_000)
            page.evaluate("document.fonts.ready")
            family = element.evaluate("e => getComputedStyle(e).fontFamily")
            assert VENDORED_FAMILY in family
            element.evaluate("e => e.setAttribute('data-glyph-check', '1')")
            cdp = page.context.new_cdp_session(page)
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
            node = cdp.send("DOM.querySelector", {"nodeId": root,
                                                  "selector": "[data-glyph-check]"})["nodeId"]
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            used = {f["familyName"]: f["glyphCount"] for f in fonts}
            assert used == {VENDORED_FAMILY: len(label)}, used
        finally:
            browser.close()


def test_two_sessions_step_their_own_models(dashboard):
    """Each browser session has its own model: a session opened after another stepped 3 times
    starts at the base year, and a step in one does not move the other's model."""
    from playwright.sync_api import sync_playwright

    url, _ = dashboard

    def open_session(browser):
        page = browser.new_context(viewport={"width": 1500, "height": 1000}).new_page()
        page.goto(url, timeout=90_000)
        page.get_by_text("Levers on:").wait_for(timeout=90_000)
        return page

    def step(page, year: int) -> None:
        page.get_by_role("button", name="Step").click()
        page.wait_for_function(f"() => document.body.innerText.includes('{year}: GDP')",
                               timeout=60_000)

    def year(page) -> str:
        return page.get_by_text("Levers on:").inner_text()[:4]

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            first = open_session(browser)
            for y in (2024, 2025, 2026):
                step(first, y)
            second = open_session(browser)
            assert year(second) == "2023"  # its own model, not the first one's at 2026
            step(second, 2024)
            step(first, 2027)  # the second's step did not move it to 2027 already
            assert year(first) == "2027" and year(second) == "2024"
        finally:
            browser.close()
