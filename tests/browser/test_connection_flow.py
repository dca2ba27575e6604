"""Connect with an API token against the sandbox, test, toggle a rule, see an alert in the log, disconnect."""

import pytest

from tests.browser.conftest import follow, sign_in
from tests.conftest import PD_TOKEN, VDP_KEY

pytestmark = pytest.mark.browser


def test_connect_test_rule_delivery_disconnect(page, live_server, org, pd_account, worker, api):
    sign_in(page, live_server, org.admin_email)
    page.goto(live_server + "/settings/pagerduty/")
    page.get_by_label("PagerDuty API Token").fill("wrong-token")
    page.get_by_role("button", name="Connect PagerDuty").click()
    page.get_by_text("Connection failed").first.wait_for()
    page.get_by_label("PagerDuty API Token").fill(PD_TOKEN)
    page.get_by_label("Integration Key for VDP alerts (optional)").fill(VDP_KEY)
    page.get_by_role("button", name="Connect PagerDuty").click()
    page.locator('#pagerduty-badge[data-state="connected"]').wait_for()
    page.get_by_role("button", name="Test Connection").click()
    page.locator('[data-test-status="done"]').wait_for(timeout=20_000)
    follow(page, "Alert rules")
    page.locator("#rule-critical_assessed select").select_option("error")
    page.get_by_text("Critical severity assessed: on, error.").wait_for()
    api.post("/reports", json={"title": "Browser-born report"})
    follow(page, "Delivery log")
    page.locator('tr[data-status="delivered"]', has_text="report-1").wait_for(timeout=15_000)
    follow(page, "Overview")
    page.get_by_role("button", name="Disconnect").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Disconnect").click()
    page.locator('#pagerduty-badge[data-state="disconnected"]').wait_for()


def test_method_switch_shows_routing_key_fields(page, live_server, org):
    sign_in(page, live_server, org.admin_email)
    page.goto(live_server + "/settings/pagerduty/")
    page.get_by_label("Use API Token").uncheck()
    page.get_by_label("Integration/Routing Key").wait_for()
    assert page.get_by_label("Service Name").is_visible()
