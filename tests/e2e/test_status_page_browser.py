"""The status page in a real browser (Debian's Chromium, driven by Playwright; nothing downloaded at run time):
what a reader sees, with JavaScript off, on a phone and a desktop, in light and dark, and axe-core's
accessibility check with no serious violation."""

import shutil
from pathlib import Path

import httpx
import pytest

from tests.e2e.status_page_readers import demo_service, page_url, until

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(__file__).parent / "node" / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (make test installs it with apt)")
# Chromium on a closed network: without these it keeps trying to reach Google's services (tools/env notes).
QUIET_FLAGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", *QUIET_FLAGS]
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def incident_on_the_page(stack):
    """A published incident with two updates on the demo page's API component, resolved afterwards."""
    with stack.client() as api:
        incident = api.post(
            "/incidents",
            json={
                "title": "Slow API responses",
                "severity": "critical",
                "publish": True,
                "affected_services": [demo_service(stack, "API")],
                "initial_message": {"type": "investigating", "description": "Requests take seconds."},
            },
        ).json()
        api.post(f"/incidents/{incident['id']}/messages", json={"type": "identified", "description": "A hot shard."})
        until(lambda: httpx.get(page_url(stack)).text, lambda text: "A hot shard." in text, "the incident's update")
        yield incident
        api.post(f"/incidents/{incident['id']}/resolve", json={})


def open_page(browser, url: str, **context_options):
    context = browser.new_context(java_script_enabled=False, **context_options)
    page = context.new_page()
    page.goto(url)
    return context, page


def test_a_reader_sees_the_banner_components_and_the_incidents_updates(stack, browser, incident_on_the_page):
    context, page = open_page(browser, f"{stack.base_url}/status/demo")
    try:
        assert page.get_by_role("status").inner_text().strip().endswith("Major outage")
        card = page.locator("li.card", has=page.get_by_role("link", name="Slow API responses"))
        updates = card.locator(".update h3").all_inner_texts()
        assert updates == ["Identified", "Investigating"]  # newest first
        assert "A hot shard." in card.inner_text()
        api = page.locator("li.card", has=page.locator("strong", has_text="API")).first
        assert "Major outage" in api.inner_text()
        assert "Last 90 days:" in api.inner_text()  # the uptime bar's text equivalent
        assert page.locator("h3", has_text="Web").count() == 1  # the group heading
        page.get_by_role("link", name="Slow API responses").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Slow API responses"
    finally:
        context.close()


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "viewport", [{"width": 375, "height": 740}, {"width": 1280, "height": 900}], ids=["phone", "desktop"]
)
def test_no_serious_accessibility_violation_and_nothing_wider_than_the_screen(
    stack, browser, incident_on_the_page, color_scheme, viewport
):
    if not AXE.is_file():
        if shutil.which("npm") is None:
            pytest.skip("axe-core comes from npm, which this machine lacks")
        pytest.fail("tests/e2e/node is not installed: `make test` runs npm ci there")
    for path in ("/status/demo", f"/status/demo/incidents/{incident_on_the_page['reference']}", "/status/demo/history"):
        context, page = open_page(browser, stack.base_url + path, viewport=viewport, color_scheme=color_scheme)
        try:
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], path
            # axe-core runs as the test's own script (the page itself allows none: its CSP has no script-src).
            context_with_js = browser.new_context(viewport=viewport, color_scheme=color_scheme, bypass_csp=True)
            checked = context_with_js.new_page()
            checked.goto(stack.base_url + path)
            checked.add_script_tag(path=str(AXE))
            results = checked.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            serious = [
                f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
                for v in results["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert not serious, f"{path}: {serious}"
            context_with_js.close()
        finally:
            context.close()


def test_the_page_runs_no_script_and_loads_nothing_else(stack, browser):
    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        page.goto(f"{stack.base_url}/status/demo")
        # The page and nothing else (a browser may ask for /favicon.ico by itself: not the page's doing).
        assert [url for url in requests if not url.endswith("/favicon.ico")] == [f"{stack.base_url}/status/demo"]
        assert not errors, errors  # the CSP allowed the inline style: nothing was refused
    finally:
        context.close()
