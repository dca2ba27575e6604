"""The full loop: an alert triggers, the sandbox's Acknowledge button sends a signed webhook, the timeline shows it."""

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import wait_for

pytestmark = pytest.mark.browser


def acknowledged(db, report_id):
    """The timeline line the webhook adds, once the worker has applied it."""
    from webapp.models import TimelineEntry

    return db.session.scalar(
        db.select(TimelineEntry.id).filter_by(report_id=report_id, kind="pagerduty.acknowledged").limit(1)
    )


def test_acknowledge_in_the_sandbox_shows_on_the_timeline(page, live_server, connected, pd_account, worker, api, db):
    from webapp.webhooks.setup import create_subscription

    create_subscription(connected.id, url=f"{live_server}/webhooks/pagerduty/{connected.model.webhook_token}")
    report_id = api.post("/reports", json={"title": "Webhook loop"}).json["id"]
    wait_for(lambda: pd_account.state.incident_by_key(f"report-{report_id}"), timeout=60)
    page.goto(pd_account.url + "/")
    page.locator(f'tr[data-incident-key="report-{report_id}"]').get_by_role("button", name="Acknowledge").click()
    sign_in(page, live_server, connected.admin_email)
    # Wait on the database, with room for a busy machine (the worker drains the inbox when it gets to it), then look.
    wait_for(lambda: acknowledged(db, report_id), timeout=90, interval=0.25)
    page.goto(f"{live_server}/reports/{report_id}")
    assert page.get_by_text("Acknowledged via PagerDuty by Responder.").is_visible()
    assert page.locator('[data-pd-status="acknowledged"]').is_visible()
    assert page.locator('[data-status="new"]').is_visible()
