"""The page chrome follows what happens without a reload: the badge and banner after Test Connection and a reconnect."""

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import PD_TOKEN, VDP_KEY

pytestmark = pytest.mark.browser


def test_badge_and_banner_follow_test_connection_and_reconnect(page, live_server, connected, pd, worker, db):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in(page, live_server, connected.admin_email)
    page.goto(live_server + "/settings/pagerduty/")
    page.locator('#pagerduty-badge[data-state="connected"]').wait_for()
    page.evaluate("window.stillTheSamePage = true")
    pd.state.add_fault("401", count=1, scope="events")  # PagerDuty refuses the routing key once
    page.get_by_role("button", name="Test Connection").click()
    page.locator('[data-test-status="failed"]').wait_for(timeout=20_000)
    page.locator('#pagerduty-badge[data-state="error"]').wait_for()
    page.locator('#banners [data-banner="connection"]').wait_for()
    page.get_by_text("Reconnect with new credentials").click()
    page.get_by_label("PagerDuty API Token").fill(PD_TOKEN)
    page.get_by_label("Integration Key for VDP alerts (optional)").fill(VDP_KEY)
    page.get_by_role("button", name="Connect PagerDuty").click()
    page.locator('#pagerduty-badge[data-state="connected"]').wait_for()
    page.locator('#banners [data-banner="connection"]').wait_for(state="detached")
    page.get_by_text("PagerDuty is connected.").wait_for()
    assert page.evaluate("window.stillTheSamePage") is True  # no reload: the badge and banner were swapped in place
    page.get_by_role("button", name="Test Connection").click()
    page.locator('[data-test-status="done"]').wait_for(timeout=20_000)
    assert page.locator('#pagerduty-badge[data-state="connected"]').is_visible()
    assert errors == []  # every out-of-band swap found its target
