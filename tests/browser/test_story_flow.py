"""The lifecycle story clicked through in the browser, each step showing the truth and no stale result: connect with
a token; sync, configure, set a default, add a namespace route; alert; disconnect; reconnect (page what was not
sent); legacy key; back to the token; a deleted integration; a subscription disabled in PagerDuty (Re-enable: a
green toast beside the amber badge of the route still broken); repair routes; regenerate URL. The route preview says
where an alert goes at each step."""

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import BUSY, sign_in
from tests.conftest import PD_TOKEN, wait_for

pytestmark = pytest.mark.browser
PAY_KEY, LEGACY_KEY = "c" * 31 + "3", "d" * 31 + "4"


def badge(page):
    return page.locator("#pagerduty-badge")


def toast(page, level, text):
    """The toast that says `text` shows, styled `level` (success, warning, danger, info)."""
    expect(page.locator("#toasts .toast", has_text=text)).to_have_class(re.compile(rf"\btext-bg-{level}\b"))


def open_connect_form(page):
    """Connected, the form sits under "Reconnect with new credentials": open it as a person does."""
    details = page.locator("#connection-card details")
    if details.count() and details.get_attribute("open") is None:
        details.locator("summary").click()


def connect_token(page, base):
    """Connect with the token; switching from the routing key asks first (the form says what stops)."""
    page.goto(base + "/settings/pagerduty/")
    open_connect_form(page)
    if not page.get_by_label("Use API Token").is_checked():
        page.get_by_label("Use API Token").check()
        expect(page.locator("[data-switch-warning]")).to_be_visible()
    page.get_by_label("PagerDuty API Token").fill(PD_TOKEN)
    asks = page.locator("#connect-form[hx-confirm]").count() > 0
    page.get_by_role("button", name="Connect PagerDuty").click()
    if asks:
        confirm(page)


def row(page, name):
    return page.locator(f'#services-list tr[data-service="{name}"]')


def incident(api, namespace, n):
    body = {"kind": "kubernetes", "title": f"Crash {n}", "severity": "high", "cluster": "prod"}
    return api.post("/incidents", json={**body, "namespace": namespace, "external_id": f"browser-{n}"}).json["id"]


def arrives(pd, incident_id, key):
    return wait_for(lambda: pd.state.received_events(routing_key=key, dedup_key=f"incident-{incident_id}"), 30)


def check_now(page, base, level):
    page.goto(base + "/settings/pagerduty/")
    page.get_by_role("button", name="Check now").click()
    toast(page, level, "Checked")
    expect(page.locator("#health-run [data-run-status]")).to_have_count(0)  # the result gave way to the panel
    page.reload()  # and a reload shows the same live state, with no stale result above it
    expect(page.locator("#health-run [data-run-status]")).to_have_count(0)


def route_preview(page, base):
    """Where a payments incident would go now, as the routing preview says."""
    page.goto(base + "/settings/routing/preview?kind=kubernetes&cluster=prod&namespace=payments")
    return page.locator("#preview-result")


def confirm(page):
    """Answer the app's own "asks first" dialog, which the click just opened, with its confirm button."""
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#confirm-ok").click()
    expect(dialog).to_be_hidden()


def test_the_lifecycle_story_in_the_browser(page, live_server, org, pd_account, worker, api, db):
    from webapp.models import JobRun

    pd = pd_account
    pd.state.add_service(pd.state.accounts[PD_TOKEN], "Payments", "PPAY001", PAY_KEY)
    pd.state.add_service(pd.state.accounts[PD_TOKEN], "Legacy", "PLEG001", LEGACY_KEY)
    page.set_default_timeout(BUSY)
    page.on("dialog", lambda dialog: dialog.accept())  # a native dialog would be a bug; answered so it shows
    api.put("/inventory", json={"clusters": [{"name": "prod", "namespaces": ["payments", "web"]}]})
    sign_in(page, live_server, org.admin_email)
    base = live_server

    # Connect with a token: amber until something can be paged.
    connect_token(page, base)
    expect(badge(page)).to_have_attribute("data-state", "attention")
    expect(page.locator('[data-finding="no_default"]')).to_be_visible()

    # Sync, configure, set a default, add a namespace route: all clicks.
    page.goto(base + "/settings/routing/services")
    page.get_by_role("button", name="Sync Services").click()
    expect(row(page, "Payments")).to_be_visible()  # the list follows the sync, however fast the worker was
    row(page, "Platform").get_by_role("button", name="Configure").click()
    row(page, "Platform").get_by_role("button", name="Set as default").click()
    expect(row(page, "Platform").locator(".badge").get_by_text("Default", exact=True)).to_be_visible()
    row(page, "Payments").get_by_role("button", name="Configure").click()
    expect(row(page, "Payments").locator(".badge").get_by_text("Configured", exact=True)).to_be_visible()
    page.goto(base + "/settings/routing/namespaces")
    page.wait_for_load_state("load")
    page.locator("#cluster_id").select_option(label="prod")
    expect(page.locator("#namespace_id option", has_text="payments")).to_be_attached()
    page.locator("#namespace_id").select_option(label="payments")
    page.locator("#service_id").select_option(label="Payments")
    page.get_by_role("button", name="Create Assignment").click()
    expect(page.locator("#namespace-routes")).to_contain_text("payments")
    page.goto(base + "/settings/pagerduty/")
    expect(badge(page)).to_have_attribute("data-state", "connected")
    expect(page.locator('[data-health="ok"]')).to_be_visible()
    expect(route_preview(page, base)).to_contain_text("Goes to Payments")

    # Alert: the incident page says where it went, and it arrives there.
    first = incident(api, "payments", 1)
    arrives(pd, first, PAY_KEY)
    page.goto(f"{base}/incidents/{first}")
    expect(page.locator('#route [data-route="routed"]')).to_have_text("Payments")

    # Disconnect: asked first; what is raised meanwhile is "Not sent: PagerDuty was disconnected".
    page.goto(base + "/settings/pagerduty/")
    page.get_by_role("button", name="Disconnect").click()
    confirm(page)
    expect(badge(page)).to_have_attribute("data-state", "disconnected")
    expect(route_preview(page, base)).to_contain_text("PagerDuty is disconnected")
    quiet = incident(api, "payments", 2)
    page.goto(base + "/settings/deliveries/")
    expect(page.locator('[data-not-sent="disconnected"]').first).to_be_visible()
    page.goto(base + "/")
    expect(page.locator('[data-delivery-count="not_sent_disconnected"]')).to_contain_text(
        "Not sent: PagerDuty was disconnected"
    )

    # Reconnect: routes restored (a success toast), then one explicit click pages the alert that was not sent.
    connect_token(page, base)
    toast(page, "success", "Routes restored for 2 services")
    page.get_by_role("button", name="Page 1 open alert now").click()
    confirm(page)
    arrives(pd, quiet, PAY_KEY)
    expect(page.get_by_role("button", name=re.compile("Page . open alert"))).to_have_count(0)
    expect(route_preview(page, base)).to_contain_text("Goes to Payments")

    # Legacy key: switching asks and says what stops; routing actions are disabled with the reason.
    page.goto(base + "/settings/pagerduty/")
    open_connect_form(page)
    page.get_by_label("Use API Token").uncheck()
    expect(page.locator("[data-switch-warning]")).to_contain_text("Every alert then goes to that one key")
    page.get_by_label("Integration/Routing Key").fill(LEGACY_KEY)
    page.get_by_label("Service Name").fill("Legacy")
    page.get_by_role("button", name="Connect PagerDuty").click()
    confirm(page)
    expect(page.locator('[data-banner="routing-key"]')).to_be_visible()
    expect(badge(page)).to_have_attribute("data-state", "connected")
    page.goto(base + "/settings/routing/services")
    expect(page.get_by_role("button", name="Sync Services")).to_be_disabled()
    expect(row(page, "Payments").get_by_role("button", name="Use for VDP")).to_be_disabled()
    expect(page.locator("[data-locked]")).to_contain_text("legacy routing-key method")
    legacy = incident(api, "payments", 3)
    arrives(pd, legacy, LEGACY_KEY)

    # Back to the token: asked first; routes again.
    connect_token(page, base)
    toast(page, "success", "Routes restored for 2 services")
    arrives(pd, incident(api, "payments", 4), PAY_KEY)

    # A deleted integration: Check now is a warning, never green; the route falls back, and says so.
    remote = pd.state.accounts[PD_TOKEN].services["PPAY001"]
    requests.delete(f"{pd.url}/_sandbox/services/PPAY001/integrations/{remote['integrations'][0]['id']}")
    check_now(page, base, "warning")
    expect(badge(page)).to_have_attribute("data-state", "attention")
    expect(badge(page)).to_contain_text("Connected, needs attention")
    expect(page.locator('[data-banner="health"]')).to_contain_text("the route to Payments does not resolve")
    expect(page.locator('[data-finding="route_unresolved"]')).to_be_visible()
    expect(page.get_by_role("button", name="Repair routes")).to_be_visible()
    preview = route_preview(page, base)
    expect(preview).to_contain_text("Goes to Platform")
    expect(preview).to_contain_text("Payments")

    # Create subscription: the tab shows the secret and the subscription at once, and the button says Re-create.
    page.goto(base + "/webhooks/settings")
    page.get_by_role("button", name="Create subscription in PagerDuty").click()
    expect(page.locator('[data-subscription="active"]')).to_be_visible()
    expect(page.get_by_role("button", name="Re-create subscription")).to_be_visible()
    expect(page.locator("#secrets")).not_to_contain_text("No secret yet")

    # A subscription disabled in PagerDuty: a warning, then Re-enable clears it, live. Its toast says its own outcome
    # (green) while the badge beside it stays amber for the route still broken: each tells its own truth.
    subscription = pd.state.accounts[PD_TOKEN].subscriptions[0]
    requests.post(f"{pd.url}/_sandbox/webhook_subscriptions/{subscription['id']}/disable")
    check_now(page, base, "warning")
    page.locator('[data-finding="subscription_disabled"]').get_by_role("button", name="Re-enable").click()
    toast(page, "success", "is active in PagerDuty")
    expect(page.locator('[data-finding="subscription_disabled"]')).to_have_count(0)
    expect(page.locator("#health-panel")).not_to_contain_text("is active in PagerDuty")  # no old result stays
    expect(badge(page)).to_have_attribute("data-state", "attention")
    page.reload()
    expect(page.locator('[data-finding="subscription_disabled"]')).to_have_count(0)
    assert not subscription["temporarily_disabled"]
    assert db.session.scalar(db.select(db.func.count()).select_from(JobRun).filter_by(kind="webhook_enable")) == 1

    # Repair routes: the route resolves again, and the badge is green.
    page.get_by_role("button", name="Repair routes").click()
    toast(page, "success", "Routes restored")
    expect(page.locator('[data-finding="route_unresolved"]')).to_have_count(0)
    expect(badge(page)).to_have_attribute("data-state", "connected")

    # Regenerate URL: asked first (acknowledgements stop), then PagerDuty's subscription moves with it.
    page.goto(base + "/webhooks/settings")
    expect(page.locator("#regenerate-help")).to_contain_text("acknowledgements until its subscription uses the new URL")
    old_url = page.locator("#webhook-url").input_value()
    page.get_by_role("button", name="Regenerate URL").click()
    confirm(page)
    expect(page.locator("#webhook-url")).not_to_have_value(old_url)  # the new page, not the old one still on screen
    expect(page.locator('[data-subscription="active"]')).to_be_visible()  # after "moving", once the job has moved it
    new_url = page.locator("#webhook-url").input_value()
    wait_for(lambda: [s["url"] for s in pd.state.accounts[PD_TOKEN].subscriptions] == [new_url], 30)
    expect(page.locator("#secrets li")).to_have_count(1)
    check_now(page, base, "success")
    expect(badge(page)).to_have_attribute("data-state", "connected")
