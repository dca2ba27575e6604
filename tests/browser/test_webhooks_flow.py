"""The full loop: an alert triggers, the sandbox's Acknowledge button sends a signed webhook, the timeline shows it."""

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import wait_for

pytestmark = pytest.mark.browser


def test_acknowledge_in_the_sandbox_shows_on_the_timeline(page, live_server, connected, pd_account, worker, api, db):
    from webapp.webhooks.setup import create_subscription

    create_subscription(connected.id, url=f"{live_server}/webhooks/pagerduty/{connected.model.webhook_token}")
    report_id = api.post("/reports", json={"title": "Webhook loop"}).json["id"]
    wait_for(lambda: pd_account.state.incident_by_key(f"report-{report_id}"))
    page.goto(pd_account.url + "/")
    page.locator(f'tr[data-incident-key="report-{report_id}"]').get_by_role("button", name="Acknowledge").click()
    sign_in(page, live_server, connected.admin_email)
    for _ in range(40):
        page.goto(f"{live_server}/reports/{report_id}")
        if page.get_by_text("Acknowledged via PagerDuty").count():
            break
        page.wait_for_timeout(250)
    assert page.get_by_text("Acknowledged via PagerDuty by Responder.").is_visible()
    assert page.locator('[data-pd-status="acknowledged"]').is_visible()
    assert page.locator('[data-status="new"]').is_visible()
