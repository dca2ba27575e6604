"""Browser fixtures: the app served on a local port (CSRF on, as in production) and headless Debian Chromium."""

import os
import shutil
import threading
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# ms: jobs run on one worker of a shared, busy machine; a person waits that long before calling a screen broken.
BUSY = 30_000
expect.set_options(timeout=BUSY)


@pytest.fixture(scope="session")
def live_server(app):
    """The app (a second instance, with CSRF enabled) on a free local port; yields its base URL."""
    from webapp import create_app

    live_app = create_app({"TESTING": True})
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium driven by Playwright (no browser download)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(chromium, db):
    """A fresh browser page (own cookies) at phone-or-desktop width, with a helpful default timeout."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page, base_url, email):
    """Log in through the real form."""
    page.goto(base_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/")


def follow(page, name):
    """Click the link with this name and wait until the new page has loaded, scripts included, as a person waits to
    see it before using it (a select changed before htmx is ready sends nothing)."""
    link = page.get_by_role("link", name=name)
    path = urlsplit(link.get_attribute("href")).path
    link.click()
    page.wait_for_url(lambda url: urlsplit(url).path == path, wait_until="load")


def load_side_by_side(context, urls, watch=lambda page: None, at_once=12):
    """Yield (url, page, response) for each URL, each page in its own tab of `context` (so one sign-in serves all),
    watched by `watch(page)` before it loads and yielded once its network has been idle for half a second, as
    `wait_for_load_state("networkidle")` decides; up to `at_once` tabs load together, so their half-second idle waits
    overlap instead of adding up (they made most of a walk through every page)."""
    for start in range(0, len(urls), at_once):
        tabs = []
        for url in urls[start : start + at_once]:
            page = context.new_page()
            page.set_default_timeout(BUSY)
            watch(page)
            tabs.append((url, page, page.goto(url, wait_until="commit")))
        for url, page, response in tabs:
            page.wait_for_load_state("networkidle")
            yield url, page, response
        for _url, page, _response in tabs:
            page.close()
