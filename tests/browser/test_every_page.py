"""Every page, in the light and the dark colour scheme, loads without a console error (CSP, favicon, scripts).

Set SCREENSHOT_DIR to keep a full-page screenshot of each page and scheme there (for a person to look at).
"""

import os
import re

import pytest

from tests.browser.conftest import load_side_by_side, sign_in

pytestmark = pytest.mark.browser

PUBLIC_PAGES = ("/login", "/vdp/{slug}", "/no-such-page")
SIGNED_IN_PAGES = (
    "/",
    "/reports/",
    "/reports/{report}",
    "/incidents/",
    "/incidents/{incident}",
    "/oncall/",
    "/account",
    "/settings/pagerduty/",
    "/settings/alerts/",
    "/settings/routing/services",
    "/settings/routing/namespaces",
    "/settings/routing/resources",
    "/settings/routing/preview?kind=kubernetes&cluster=prod&namespace=payments",
    "/settings/sla/",
    "/oncall/settings",
    "/webhooks/settings",
    "/settings/deliveries/",
    "/settings/users/",
    "/settings/audit/",
    "/settings/operations/",
    "/settings/tokens/",
    "/settings/transfer/",
)


@pytest.fixture()
def sample(connected, api):
    """One report and one incident (so detail pages, badges and the delivery log have something to show)."""
    report = api.post("/reports", json={"title": "Stored XSS in comments"}).json
    incident = api.post(
        "/incidents",
        json={
            "kind": "kubernetes",
            "title": "Crash loop",
            "severity": "critical",
            "cluster": "prod",
            "namespace": "web",
        },
    ).json
    return {"slug": connected.slug, "report": report["id"], "incident": incident["id"]}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_without_console_errors(chromium, live_server, db, connected, sample, scheme):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    problems = []

    def watch(page):
        def on_console(message):
            expected = page.url.endswith("/no-such-page") and "404" in message.text  # the browser reports the 404
            if message.type == "error" and not expected:
                problems.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))

    try:
        public = [live_server + path.format(**sample) for path in PUBLIC_PAGES]
        for url, page, response in load_side_by_side(context, public, watch):
            _check(page, url, response, scheme, expect_missing=url.endswith("/no-such-page"))
        page = context.new_page()
        watch(page)
        sign_in(page, live_server, connected.admin_email)  # the context's other tabs share its session
        signed_in = [live_server + path.format(**sample) for path in SIGNED_IN_PAGES]
        for url, page, response in load_side_by_side(context, signed_in, watch):
            _check(page, url, response, scheme)
    finally:
        context.close()
    assert problems == []


def _check(page, url, response, scheme, expect_missing=False):
    assert response.status == (404 if expect_missing else 200), url
    assert page.evaluate("document.documentElement.dataset.bsTheme") == scheme
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        name = re.sub(r"[^a-z0-9]+", "-", url.split("//", 1)[1].split("/", 1)[1].lower()).strip("-") or "dashboard"
        page.screenshot(path=os.path.join(folder, f"{name}-{scheme}.png"), full_page=True)
