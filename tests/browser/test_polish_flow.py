"""Screens a new admin trips over: phones don't scroll sideways, the console stays clean on swaps, toggles save,
and confirmations use the app's own dialog."""

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_every_page import SIGNED_IN_PAGES, sample  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _watch(page, problems):
    """Collect console errors and CSP violations (reported in the page, so a swap's violation is caught too)."""
    page.on("console", lambda m: m.type == "error" and problems.append(f"{page.url}: {m.text}"))
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error('CSP ' + e.violatedDirective))"
    )


def test_no_page_scrolls_sideways_on_a_phone(chromium, live_server, db, connected, sample):  # noqa: F811
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    wide = []
    try:
        sign_in(page, live_server, connected.admin_email)
        for path in (path.format(**sample) for path in SIGNED_IN_PAGES):
            page.goto(live_server + path)
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                culprits = page.evaluate(
                    """() => [...document.querySelectorAll('body *')]
                        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
                                     && !e.closest('.table-responsive, .ops-chart, .overflow-auto'))
                        .slice(0, 4).map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)"""
                )
                wide.append(f"{path}: {overflow}px {culprits}")
    finally:
        context.close()
    assert wide == [], "\n".join(wide)
