"""Screens a new admin trips over: phones don't scroll sideways, the console stays clean on swaps, toggles save,
and confirmations use the app's own dialog."""

import os
import re

import pytest

from tests.browser.conftest import load_side_by_side, sign_in
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


MEMBER_PAGES = ("/", "/reports/", "/incidents/", "/oncall/", "/account", "/settings/alerts/")


def test_no_page_scrolls_sideways_on_a_phone(chromium, live_server, db, connected, sample):  # noqa: F811
    wide = []
    for email, paths in ((connected.admin_email, SIGNED_IN_PAGES), (connected.member_email, MEMBER_PAGES)):
        context = chromium.new_context(viewport=PHONE)
        try:
            page = context.new_page()
            page.set_default_timeout(10_000)
            sign_in(page, live_server, email)  # the context's other tabs share its session
            by_url = {live_server + path.format(**sample): path.format(**sample) for path in paths}
            for url, page, _response in load_side_by_side(context, list(by_url)):
                path = by_url[url]
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 0:
                    wide.append(f"{email} {path}: {overflow}px {page.evaluate(CULPRITS)}")
                _screenshot(page, path, "phone-" + email.split("@")[0])
                wide += [f"{path}: {problem}" for problem in page.evaluate(LAYOUT_CHECKS.get(path, "() => []"))]
        finally:
            context.close()
    assert wide == [], "\n".join(wide)


# Page-specific checks: each returns what is wrong, in words.
LAYOUT_CHECKS = {
    # the dashboard truncates an incident's title, never its status
    "/": """() => document.querySelectorAll('li [data-status]').length === 0 ? ['no incident row to check'] :
        [...document.querySelectorAll('li [data-status]')]
        .filter(e => e.parentElement.scrollWidth > e.parentElement.clientWidth + 1
                     || e.getBoundingClientRect().width < 5)
        .map(e => 'status truncated: ' + e.textContent)""",
    # the schedule search sits inside its card
    "/oncall/settings": """() => {
        const box = document.getElementById('schedule-q').getBoundingClientRect();
        const card = document.getElementById('schedule-q').closest('.card').getBoundingClientRect();
        return box.bottom <= card.bottom && box.top >= card.top ? [] : ['search outside its card'];
    }""",
}

CULPRITS = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5 && !e.closest('.table-responsive'))
    .slice(0, 4).map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)"""


def _screenshot(page, path, prefix):
    """With SCREENSHOT_DIR set, keep a full-page screenshot for a person to look at."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "dashboard"
        page.screenshot(path=os.path.join(folder, f"{prefix}-{name}.png"), full_page=True)


def test_a_rule_toggle_saves_as_it_changes(page, live_server, connected, db):
    from webapp.orgs.alert_rules import rule_for

    problems = []
    _watch(page, problems)
    sign_in(page, live_server, connected.admin_email)
    page.goto(live_server + "/settings/alerts/")
    was_on = rule_for(connected.id, "war_room")["enabled"]
    page.locator("#rule-war_room").get_by_role("switch").click()
    page.get_by_text(f"War room activated: {'off' if was_on else 'on'},").wait_for()
    toast = page.locator("#toasts .toast").bounding_box()
    for chrome in ("nav.navbar", "#pagerduty-badge"):  # a toast never covers the navigation or the status badge
        box = page.locator(chrome).bounding_box()
        assert toast["y"] >= box["y"] + box["height"] or toast["x"] >= box["x"] + box["width"], chrome
    page.locator("#notifications").get_by_label("Skip transient incidents").click()
    page.get_by_text("Severity filtering saved.").wait_for()
    page.reload()
    assert page.locator("#rule-war_room").get_by_role("switch").is_checked() is not was_on
    db.session.expire_all()
    assert rule_for(connected.id, "war_room")["enabled"] is not was_on
    assert problems == []


def test_the_confirmation_dialog_asks_in_the_page(page, live_server, connected, db):
    problems = []
    _watch(page, problems)
    sign_in(page, live_server, connected.admin_email)
    page.goto(live_server + "/settings/tokens/")
    page.get_by_label("Name").fill("ci scanner")
    page.get_by_role("button", name="Create token").click()
    row = page.locator("tr", has_text="ci scanner")
    native = []
    page.on("dialog", lambda dialog: native.append(dialog.message) or dialog.dismiss())

    row.get_by_role("button", name="Revoke").click()
    dialog = page.get_by_role("dialog", name="Revoke API token")
    dialog.wait_for()
    assert "gets 401" in dialog.inner_text() and "What is kept" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    assert not dialog.is_visible() and row.get_by_text("active").is_visible()

    row.get_by_role("button", name="Revoke").click()
    page.keyboard.press("Escape")  # Escape cancels, as in any dialog
    assert not dialog.is_visible() and row.get_by_text("active").is_visible()

    row.get_by_role("button", name="Revoke").click()
    dialog.get_by_role("button", name="Revoke").click()
    page.locator("tr", has_text="ci scanner").get_by_text("revoked").wait_for()

    page.goto(live_server + "/settings/pagerduty/")
    page.get_by_role("button", name="Disconnect").click()
    dialog = page.get_by_role("dialog", name="Disconnect PagerDuty")
    assert "Services, the default service and every route" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    assert page.locator('#pagerduty-badge[data-state="disconnected"]').count() == 0
    assert native == [] and problems == []


def test_swaps_leave_the_console_clean(page, live_server, connected, db):
    problems = []
    _watch(page, problems)
    sign_in(page, live_server, connected.admin_email)
    page.goto(live_server + "/settings/tokens/")
    page.get_by_label("Name").fill("swap check")
    page.get_by_role("button", name="Create token").click()
    page.locator("#new-token-value").wait_for()
    page.goto(live_server + "/settings/alerts/")
    page.locator("#rule-war_room select").select_option("error")
    page.get_by_text("War room activated:").wait_for()
    page.goto(live_server + "/settings/pagerduty/")
    page.get_by_role("button", name="Test Connection").click()
    page.locator("[data-test-status]").first.wait_for()
    page.goto(live_server + "/settings/routing/services")
    page.wait_for_load_state("networkidle")
    page.goto(live_server + "/settings/operations/")
    page.wait_for_load_state("networkidle")
    assert problems == []


def test_operations_charts_read_on_a_24_hour_clock_with_little_data(page, live_server, org, db):
    from datetime import timedelta

    from webapp.models import Delivery
    from webapp.models.types import utcnow

    now = utcnow()
    db.session.add_all(
        Delivery(
            org_id=org.id,
            action="trigger",
            event_type="t",
            status=status,
            created_at=now - timedelta(seconds=2),
            delivered_at=now if status == "delivered" else None,
        )
        for status in ("delivered", "delivered", "failed")
    )
    db.session.commit()
    problems = []
    _watch(page, problems)
    sign_in(page, live_server, org.admin_email)
    page.goto(live_server + "/settings/operations/")
    volume = page.locator('.ops-chart[data-chart="volume"][data-drawn]')
    volume.locator("canvas").wait_for()
    box = volume.locator(".u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] / 2)  # the latest hour
    legend = volume.locator(".u-legend").inner_text()
    assert "AM" not in legend and "PM" not in legend and ":" in legend
    assert "Delivered" in legend and "Failed" in legend
    assert page.locator(".ops-chart-note:visible").count() == 0  # there is data: no "nothing to show" note
    assert problems == []


def test_route_preview_shows_only_the_fields_of_the_kind(page, live_server, org):
    sign_in(page, live_server, org.admin_email)
    page.set_viewport_size(PHONE)
    page.goto(live_server + "/settings/routing/preview")
    assert page.get_by_label("Cluster").is_visible() and not page.get_by_label("Provider").is_visible()
    page.get_by_label("Kind").select_option("cloud")
    assert page.get_by_label("Provider").is_visible() and not page.get_by_label("Cluster").is_visible()
    button = page.get_by_role("button", name="Preview").bounding_box()
    assert button["x"] + button["width"] <= PHONE["width"]
