"""The Overview's health panel, its buttons (each a job with progress), the amber badge and the banners."""

from tests.conftest import DEFAULT_KEY, PD_TOKEN, wait_for
from webapp.models import HealthFinding, JobRun, Service


def page(client, path="/settings/pagerduty/"):
    return client.get(path).get_data(as_text=True)


def test_a_standing_finding_turns_the_badge_amber_with_a_banner_and_a_remedy(admin_client, db, connected):
    db.session.add(
        HealthFinding(
            org_id=connected.id,
            code="subscription_disabled",
            message="the webhook subscription PSUB is disabled by PagerDuty after failed deliveries",
            action="Click Re-enable.",
        )
    )
    db.session.commit()
    body = page(admin_client)
    assert 'data-state="attention"' in body and "Connected, needs attention" in body
    assert 'data-finding="subscription_disabled"' in body and "What to do: Click Re-enable." in body
    assert "Re-enable</button>" in body
    reports = page(admin_client, "/reports/")
    assert 'data-banner="health"' in reports and "PagerDuty needs attention: the webhook subscription PSUB" in reports


def test_a_healthy_connection_is_green_and_says_so_once_checked(admin_client, db, connected):
    from webapp.health.services import check_org

    unchecked = page(admin_client)
    assert 'data-health="unchecked"' in unchecked and "Last check: not yet" in unchecked
    check_org(connected.id)
    body = page(admin_client)
    assert 'data-state="connected"' in body and 'data-health="ok"' in body and 'data-banner="health"' not in body
    assert "Last check: not yet" not in body


def test_check_now_is_a_job_with_progress(worker, htmx_client, db, connected):
    response = htmx_client.post("/settings/pagerduty/health/check")
    assert response.status_code == 200 and "every 1s" in response.get_data(as_text=True)
    run = wait_for(lambda: db.session.scalar(db.select(JobRun).filter_by(kind="health_check", status="done")), 30)
    final = htmx_client.get(f"/settings/pagerduty/runs/{run.id}")
    assert final.status_code == 286 and "connectionChanged" in final.headers["HX-Trigger"]
    assert "Checked: everything checked delivers." in final.get_data(as_text=True)
    panel = page(htmx_client, "/settings/pagerduty/health")
    assert "Last check:" in panel and 'id="pagerduty-badge"' in panel and 'hx-swap-oob="true"' in panel


def test_repair_routes_restores_a_broken_route(htmx_client, db, connected, pd_account):
    from jobs.connection import restore_routes

    service = Service(
        org_id=connected.id, pd_id="PPLAT01", name="Platform", enabled=True, is_default=True, integration_key=None
    )
    db.session.add(service)
    db.session.commit()
    assert "Repair routes</button>" in page(htmx_client)
    response = htmx_client.post("/settings/pagerduty/health/repair")
    assert 'data-run-kind="restore_routes"' in response.get_data(as_text=True)
    run = db.session.scalar(db.select(JobRun).filter_by(kind="restore_routes"))
    restore_routes(connected.id, run.id)
    db.session.refresh(service)
    assert service.integration_key == DEFAULT_KEY
    assert 'data-state="connected"' in page(htmx_client)


def test_the_subscription_button_queues_a_job_and_unknown_actions_404(admin_client, htmx_client, db, connected):
    assert admin_client.post("/webhooks/settings/subscription").status_code == 302
    assert db.session.scalar(db.select(JobRun.kind)) == "webhook_subscribe"
    assert 'data-run-kind="webhook_subscribe"' in page(admin_client, "/webhooks/settings")
    assert htmx_client.post("/settings/pagerduty/health/nope").status_code == 404


def test_re_enable_without_a_subscription_says_what_to_do(htmx_client, connected):
    response = htmx_client.post("/settings/pagerduty/health/enable")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-run-status="refused"' in body
    assert "create one on the Webhook tab" in body


def test_disconnect_shows_the_teardown_and_keeps_routes(admin_client, db, connected, pd):
    from webapp.webhooks.setup import create_subscription

    create_subscription(connected.id)
    assert admin_client.post("/settings/pagerduty/disconnect").status_code == 302
    body = page(admin_client)
    assert 'data-run-kind="disconnect"' in body and 'data-state="disconnected"' in body
    assert pd.state.accounts[PD_TOKEN].subscriptions  # the call is the job's, not the request's


def test_the_routing_key_method_banner(admin_client, db, org):
    from webapp.connection.services import connect_routing_key

    connect_routing_key(org.id, DEFAULT_KEY, "Security alerts")
    body = page(admin_client, "/reports/")
    assert 'data-banner="routing-key"' in body and "Routing-key method: every alert goes to Security alerts" in body


def test_members_cannot_start_checks(member_client, connected):
    assert member_client.post("/settings/pagerduty/health/check").status_code == 403


def test_the_webhook_tab_says_what_the_last_check_found(admin_client, db, connected):
    from webapp.pagerduty.accounts import connection_for
    from webapp.webhooks.credentials import add_signing_secret

    connection_for(connected.id).webhook_subscription_id = "PSUB001"
    db.session.commit()
    body = page(admin_client, "/webhooks/settings")
    assert 'data-subscription="unchecked"' in body and "no signing secret is stored" in body
    assert "Repair subscription" in body
    add_signing_secret(connected.id, "whsec-tab-secret", "pagerduty")
    db.session.commit()
    body = page(admin_client, "/webhooks/settings")
    assert 'data-subscription="active"' in body and "Re-create subscription" in body
    db.session.add(
        HealthFinding(
            org_id=connected.id,
            code="subscription_disabled",
            message="the webhook subscription PSUB001 is disabled by PagerDuty after failed deliveries",
            action="Click Re-enable.",
        )
    )
    db.session.commit()
    body = page(admin_client, "/webhooks/settings")
    assert "The webhook subscription PSUB001 is disabled by PagerDuty" in body
    assert 'data-subscription="active"' not in body and "Repair subscription" in body
