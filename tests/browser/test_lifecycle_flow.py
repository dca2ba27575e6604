"""Connect, disconnect, reconnect, a deleted integration, a disabled subscription: the badge, banner and preview."""

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import PD_TOKEN

pytestmark = pytest.mark.browser
PAY_KEY = "c" * 31 + "3"


def route_preview(page, base):
    page.goto(base + "/settings/routing/preview?kind=kubernetes&cluster=prod&namespace=payments")
    return page.locator("#preview-result").inner_text()


def badge(page):
    return page.locator("#pagerduty-badge").get_attribute("data-state")


def check_now(page):
    page.get_by_role("button", name="Check now").click()
    page.locator("#toasts .toast", has_text="Checked").wait_for(timeout=30_000)  # the result, as a toast
    page.reload()  # the panel shows the live state only


def test_lifecycle_in_the_browser(page, live_server, org, pd_account, worker, db):
    from webapp.models import JobRun, Service
    from webapp.routing import assignments, inventory
    from webapp.routing import services as routing
    from webapp.routing.sync import run_sync

    pd_account.state.add_service(pd_account.state.accounts[PD_TOKEN], "Payments", "PPAY001", PAY_KEY)
    page.set_default_timeout(30_000)  # several jobs run on one worker of a shared, busy machine
    sign_in(page, live_server, org.admin_email)
    overview = live_server + "/settings/pagerduty/"
    page.goto(overview)
    page.get_by_label("PagerDuty API Token").fill(PD_TOKEN)
    page.get_by_role("button", name="Connect PagerDuty").click()
    page.locator('#pagerduty-badge[data-state="attention"]').wait_for()  # nothing to page yet: not green
    page.locator('[data-finding="no_default"]').wait_for()

    run_sync(org.id)
    by_pd = {s.pd_id: s for s in db.session.scalars(db.select(Service))}
    routing.set_default(org.id, routing.configure_service(org.id, by_pd["PPLAT01"].id).id)
    namespace = inventory.ensure_namespace(org.id, "prod", "payments")
    assignments.assign_namespace(org.id, namespace.id, routing.configure_service(org.id, by_pd["PPAY001"].id).id)
    page.reload()
    assert badge(page) == "connected" and page.locator('[data-health="ok"]').is_visible()
    assert "Goes to Payments" in route_preview(page, live_server)

    page.goto(overview)
    page.get_by_role("button", name="Disconnect").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Disconnect").click()
    page.locator('#pagerduty-badge[data-state="disconnected"]').wait_for()
    assert "PagerDuty is disconnected" in route_preview(page, live_server)

    page.goto(overview)
    page.get_by_label("PagerDuty API Token").fill(PD_TOKEN)
    page.get_by_role("button", name="Connect PagerDuty").click()
    page.locator("#toasts .toast.text-bg-success", has_text="Routes restored for 2 services").wait_for(timeout=30_000)
    page.reload()
    assert badge(page) == "connected"
    assert "Goes to Payments" in route_preview(page, live_server)

    remote = pd_account.state.accounts[PD_TOKEN].services["PPAY001"]
    requests.delete(f"{pd_account.url}/_sandbox/services/PPAY001/integrations/{remote['integrations'][0]['id']}")
    page.goto(overview)
    check_now(page)
    page.locator('#pagerduty-badge[data-state="attention"]').wait_for()
    assert "Connected, needs attention" in page.locator("#pagerduty-badge").inner_text()
    banner = page.locator('[data-banner="health"]').inner_text()
    assert "the route to Payments does not resolve" in banner
    assert page.get_by_role("button", name="Repair routes").is_visible()
    preview = route_preview(page, live_server)
    assert "Goes to Platform" in preview and "Payments" in preview

    page.get_by_role("link", name="Webhook").click()
    page.get_by_role("button", name="Create subscription in PagerDuty").click()
    page.locator('[data-subscription="active"]').wait_for(timeout=30_000)
    subscription = pd_account.state.accounts[PD_TOKEN].subscriptions[0]
    requests.post(f"{pd_account.url}/_sandbox/webhook_subscriptions/{subscription['id']}/disable")
    page.goto(overview)
    check_now(page)
    page.locator('[data-finding="subscription_disabled"]').wait_for()
    page.get_by_role("button", name="Re-enable").click()
    # The toast says Re-enable's own outcome (green; the badge beside it stays amber for the broken route), and the
    # finding leaves the panel live.
    expect(page.locator("#toasts .toast", has_text="is active in PagerDuty")).to_have_class(
        re.compile(r"\btext-bg-success\b")
    )
    expect(page.locator('[data-finding="subscription_disabled"]')).to_have_count(0)
    assert badge(page) == "attention"
    page.reload()
    assert page.locator('[data-finding="subscription_disabled"]').count() == 0
    assert not subscription["temporarily_disabled"]
    assert db.session.scalar(db.select(db.func.count()).select_from(JobRun).filter_by(kind="webhook_enable")) == 1
