"""Sync, configure, default, namespace and resource assignments, preview, then an incident reaches that service."""

import pytest

from tests.browser.conftest import follow, sign_in
from tests.conftest import wait_for

pytestmark = pytest.mark.browser


def test_routing_end_to_end(page, live_server, connected, pd_account, worker, api, db):
    api.put(
        "/inventory",
        json={
            "clusters": [{"name": "prod", "namespaces": ["payments", "web"]}],
            "cloud_resources": [
                {
                    "provider": "aws",
                    "resource_id": "arn:aws:s3:::exports",
                    "resource_type": "s3_bucket",
                    "name": "exports",
                }
            ],
        },
    )
    sign_in(page, live_server, connected.admin_email)
    page.goto(live_server + "/settings/routing/services")
    page.get_by_role("button", name="Sync Services").click()
    page.locator('[data-sync-status="done"]').wait_for(timeout=20_000)
    page.locator('tr[data-service="Platform"]').get_by_role("button", name="Configure").click()
    page.locator('tr[data-service="Platform"]').get_by_role("button", name="Set as default").click()
    page.locator('tr[data-service="Platform"]').get_by_text("Default", exact=True).wait_for()
    page.locator('tr[data-service="Security VDP"]').get_by_role("button", name="Configure").click()
    page.locator('tr[data-service="Security VDP"]').get_by_text("Configured", exact=True).wait_for()
    follow(page, "Namespaces")
    page.get_by_label("Cluster").select_option(label="prod")
    page.locator("#namespace_id option", has_text="payments").wait_for(state="attached")
    page.get_by_label("Namespace").select_option(label="payments")
    page.get_by_label("PagerDuty service").select_option(label="Security VDP")
    page.get_by_role("button", name="Create Assignment").click()
    page.locator('tr[data-route="prod/payments"]').wait_for()
    follow(page, "Cloud resources")
    page.get_by_label("Cloud resource").fill("expo")
    page.get_by_role("radio", name="arn:aws:s3:::exports").check()
    page.locator("#resource-service").select_option(label="Platform")
    page.get_by_role("button", name="Create Assignment").click()
    row = page.locator('tr[data-route="arn:aws:s3:::exports"]')
    service = row.get_by_label("Service")
    service.focus()  # a row's select gets the full service list when first used, as a person opening it sees
    service.locator("option", has_text="Security VDP").wait_for(state="attached")
    service.select_option(label="Security VDP")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/settings/routing/resources")):
        row.get_by_role("button", name="Save").click()
    page.reload()  # the change is stored, not only shown (the create above left a toast with the same words)
    assert row.locator("select option:checked").inner_text() == "Security VDP"
    follow(page, "Route preview")
    page.get_by_label("Cluster").fill("prod")
    page.get_by_label("Namespace").fill("payments")
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("Goes to Security VDP").wait_for()
    incident = api.post(
        "/incidents",
        json={"kind": "kubernetes", "title": "OOM", "severity": "high", "cluster": "prod", "namespace": "payments"},
    ).json
    events = wait_for(lambda: pd_account.state.received_events(dedup_key=f"incident-{incident['id']}"))
    assert pd_account.state.key_to_service[events[0]["routing_key"]] == "PVDP001"


def test_a_chosen_resource_stays_chosen_when_newer_results_arrive(page, live_server, connected, api):
    """Focusing the search lists everything and typing lists again: a person's quick pick must survive the second."""
    resource = {"provider": "aws", "resource_id": "arn:aws:s3:::exports", "resource_type": "s3_bucket"}
    api.put("/inventory", json={"clusters": [], "cloud_resources": [resource]})
    sign_in(page, live_server, connected.admin_email)
    page.goto(live_server + "/settings/routing/resources")
    search = page.get_by_label("Cloud resource")
    search.focus()
    page.get_by_role("radio", name="arn:aws:s3:::exports").check()
    page.locator("#resource-results input[type=radio]").evaluate("radio => { radio.dataset.before = 'yes'; }")
    search.fill("expo")
    page.locator("#resource-results input[type=radio]:not([data-before])").wait_for()
    assert page.get_by_role("radio", name="arn:aws:s3:::exports").is_checked()
