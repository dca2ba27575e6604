"""PagerDuty's whole story on the report page: a person clicks the sandbox's buttons (acknowledge, let it time out,
set a priority, add a note, resolve, reopen) and the report page mirrors each, with its timeline lines."""

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import wait_for

pytestmark = pytest.mark.browser


def click_in_sandbox(page, sandbox_url, report_id, button, fill=None, select=None):
    page.goto(sandbox_url + "/")
    row = page.locator(f'tr[data-incident-key="report-{report_id}"]')
    if fill:
        row.get_by_placeholder("Note").fill(fill)
    if select:
        row.get_by_label("Priority").select_option(select)
    row.get_by_role("button", name=button).click()


def shows(page, url, text, timeout=15, pd=None, badge=None, mirror=None):
    """Reload until the line shows; the same load must show the PagerDuty badge `badge` and each `mirror` field's
    value (the page reads one snapshot: a webhook's line never shows beside the state before it)."""
    seen = {}

    def look():
        page.goto(url)
        if page.get_by_text(text).count() == 0:
            return False
        seen["badge"] = badge is None or page.locator(f'[data-pd-status="{badge}"]').count() > 0
        seen["mirror"] = {name: page.locator(f'[data-mirror="{name}"]').inner_text() for name in mirror or {}}
        return True

    try:
        wait_for(look, timeout=timeout, interval=0.3)
    except BaseException:  # noqa: BLE001 (wait_for fails the test with pytest.fail: add what was received)
        from webapp.extensions import db
        from webapp.models import WebhookReceipt

        db.session.expire_all()
        columns = (WebhookReceipt.event_type, WebhookReceipt.outcome, WebhookReceipt.last_error)
        rows = db.session.execute(db.select(*columns).order_by(WebhookReceipt.id)).all()
        sent = [(d["event_type"], d["status"]) for d in pd.state.webhook_deliveries] if pd else None
        raise AssertionError(f"{text!r} not shown; webhooks: {rows}; sent {sent}") from None
    assert seen["badge"] and seen["mirror"] == (mirror or {}), f"the page contradicts {text!r}: {seen}"


def test_the_report_page_mirrors_what_happens_in_pagerduty(page, live_server, connected, pd_account, worker, api):
    from webapp.webhooks.setup import create_subscription

    create_subscription(connected.id, url=f"{live_server}/webhooks/pagerduty/{connected.model.webhook_token}")
    report_id = api.post("/reports", json={"title": "Mirror loop", "severity": "high"}).json["id"]
    wait_for(lambda: pd_account.state.incident_by_key(f"report-{report_id}"))
    report_url = f"{live_server}/reports/{report_id}"
    sandbox_page = page.context.new_page()
    sign_in(page, live_server, connected.admin_email)

    click_in_sandbox(sandbox_page, pd_account.url, report_id, "Acknowledge")
    shows(page, report_url, "Acknowledged via PagerDuty by Responder.", badge="acknowledged")

    click_in_sandbox(sandbox_page, pd_account.url, report_id, "Unacknowledge (time out)")
    shows(page, report_url, "Acknowledgement timed out in PagerDuty.", pd=pd_account, badge="triggered")

    click_in_sandbox(sandbox_page, pd_account.url, report_id, "Set priority", select="P1")
    shows(
        page,
        report_url,
        "Priority set to P1 in PagerDuty by Responder.",
        pd=pd_account,
        mirror={"priority": "P1", "assignees": "Responder"},
    )

    click_in_sandbox(sandbox_page, pd_account.url, report_id, "Add note", fill="Rolled back the login service.")
    shows(page, report_url, "Note in PagerDuty by Responder: Rolled back the login service.")

    click_in_sandbox(sandbox_page, pd_account.url, report_id, "Resolve")
    shows(page, report_url, "Resolved via PagerDuty by Responder.")
    click_in_sandbox(sandbox_page, pd_account.url, report_id, "Reopen")
    shows(page, report_url, "Reopened in PagerDuty by Responder.", badge="triggered")
    assert page.locator('[data-status="new"]').is_visible()  # triage stays a human decision
    assert page.get_by_text("Note in PagerDuty by Responder: Rolled back the login service.").count() == 1
