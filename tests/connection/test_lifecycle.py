"""Lifecycle rules: disconnect keeps routes, reconnect restores them, refused integrations fall back, tests resume."""

import pytest
import requests

from tests.conftest import DEFAULT_KEY, PD_TOKEN, VDP_KEY
from webapp.connection import lifecycle, services
from webapp.health.badge import status_badge
from webapp.models import Delivery, Incident, JobRun, NamespaceRoute, Service, WebhookSecret
from webapp.pagerduty.accounts import mark_auth_failure
from webapp.routing import assignments, inventory
from webapp.routing import services as routing
from webapp.routing.resolve import route_for_incident, route_for_vdp
from webapp.routing.services import start_test
from webapp.routing.sync import run_sync
from webapp.webhooks.credentials import add_signing_secret

PAY_KEY = "c" * 31 + "3"


@pytest.fixture()
def routed(db, connected, pd_account):
    """Platform is the default, Payments takes namespace prod/payments."""
    pd_account.state.add_service(pd_account.state.accounts[PD_TOKEN], "Payments", "PPAY001", PAY_KEY)
    run_sync(connected.id)
    by_pd = {s.pd_id: s for s in db.session.scalars(db.select(Service))}
    platform = routing.configure_service(connected.id, by_pd["PPLAT01"].id)
    payments = routing.configure_service(connected.id, by_pd["PPAY001"].id)
    routing.set_default(connected.id, platform.id)
    namespace = inventory.ensure_namespace(connected.id, "prod", "payments")
    assignments.assign_namespace(connected.id, namespace.id, payments.id)
    return connected


def k8s(org_id, namespace="payments"):
    return Incident(org_id=org_id, kind="kubernetes", title="t", severity="high", cluster="prod", namespace=namespace)


def run_latest(db, kind, job):
    run = db.session.scalar(db.select(JobRun).filter_by(kind=kind).order_by(JobRun.id.desc()))
    job(run.org_id, run.id)
    db.session.refresh(run)
    return run


def test_disconnect_sends_nothing_and_keeps_services_default_and_routes(db, routed):
    services.disconnect(routed.id)
    route = route_for_incident(k8s(routed.id))
    assert route.routing_key is None and route.reason == "PagerDuty is disconnected"
    assert route_for_vdp(routed.id).routing_key is None
    kept = {s.pd_id: s for s in db.session.scalars(db.select(Service).filter_by(enabled=True))}
    assert set(kept) == {"PPLAT01", "PPAY001"} and kept["PPLAT01"].is_default
    assert all(s.integration_key is None for s in kept.values())
    assert db.session.scalar(db.select(db.func.count()).select_from(NamespaceRoute)) == 1


def test_reconnect_with_the_token_restores_every_route_in_a_job(db, routed):
    services.disconnect(routed.id)
    connection = services.connect_api_token(routed.id, PD_TOKEN)
    assert connection.restore_run is not None and connection.restore_run.total == 2
    assert status_badge(routed.id)["state"] == "attention"  # keys not back yet: not green
    run = run_latest(db, "restore_routes", lifecycle.restore_routes)
    assert run.status == "done" and "Routes restored for 2 services" in run.message
    assert route_for_incident(k8s(routed.id)).routing_key == PAY_KEY
    assert route_for_incident(k8s(routed.id, "web")).routing_key == DEFAULT_KEY
    assert status_badge(routed.id)["state"] == "connected"


def test_reconnect_to_another_account_names_the_services_whose_routes_no_longer_resolve(db, routed, pd):
    services.disconnect(routed.id)
    pd.state.seed({"accounts": [{"api_token": "other-account-token", "services": [{"name": "Elsewhere"}]}]})
    services.connect_api_token(routed.id, "other-account-token", restore_now=True)
    warnings = [line for line in services.status_lines(routed.model) if line.startswith("warning:")]
    assert any("route to Payments does not resolve" in w and "gone from PagerDuty" in w for w in warnings), warnings
    assert any("Platform" in w for w in warnings)
    assert route_for_incident(k8s(routed.id)).routing_key is None
    assert status_badge(routed.id)["state"] == "attention"


def test_a_new_token_without_a_secret_keeps_the_active_secrets(db, connected):
    add_signing_secret(connected.id, "whsec-kept-1234", "manual")
    db.session.commit()
    services.connect_api_token(connected.id, PD_TOKEN, VDP_KEY)
    assert db.session.scalars(db.select(WebhookSecret.secret).filter_by(retired_at=None)).all() == ["whsec-kept-1234"]


def test_the_routing_key_method_ignores_stored_routes_and_says_so(db, routed):
    services.connect_routing_key(routed.id, VDP_KEY, "Security alerts")
    for route in (route_for_incident(k8s(routed.id)), route_for_vdp(routed.id)):
        assert route.routing_key == VDP_KEY and route.reason.startswith("Routing-key method")
    notes = [line for line in services.status_lines(routed.model) if line.startswith("note:")]
    assert notes == [
        "note: routing-key method: every alert goes to Security alerts; "
        "1 stored routes are kept for an API-token connection and not used"
    ]
    assert status_badge(routed.id)["state"] == "connected"
    services.connect_api_token(routed.id, PD_TOKEN, VDP_KEY, restore_now=True)
    assert route_for_incident(k8s(routed.id)).routing_key == PAY_KEY


def test_disconnect_deletes_pagerbridges_own_subscription_in_a_job(db, connected, pd):
    from webapp.webhooks.setup import create_subscription

    subscription = create_subscription(connected.id)
    cancelled, run = services.disconnect(connected.id)
    assert run is not None and run.kind == "disconnect"
    assert pd.state.accounts[PD_TOKEN].subscriptions  # nothing was called inside the request
    run = run_latest(db, "disconnect", lifecycle.teardown)
    assert run.status == "done" and subscription["id"] in run.message
    assert pd.state.accounts[PD_TOKEN].subscriptions == []
    assert db.session.scalar(db.select(WebhookSecret).filter_by(retired_at=None)) is None
    assert services.connection_for(connected.id).api_token is None


def test_disconnect_leaves_a_subscription_it_did_not_create(db, connected, pd):
    spec = {"type": "http_delivery_method", "url": "http://elsewhere.test/hook"}
    requests.post(
        f"{pd.url}/webhook_subscriptions",
        json={"webhook_subscription": {"delivery_method": spec, "events": ["incident.resolved"]}},
        headers={"Authorization": f"Token token={PD_TOKEN}"},
    ).raise_for_status()
    add_signing_secret(connected.id, "whsec-pasted-1234", "manual")
    db.session.commit()
    assert services.disconnect(connected.id)[1] is None
    assert len(pd.state.accounts[PD_TOKEN].subscriptions) == 1
    assert db.session.scalar(db.select(WebhookSecret.secret).filter_by(retired_at=None)) == "whsec-pasted-1234"


def queue_trigger(db, org_id, route):
    from webapp.alerts.outbox import queue_event

    delivery = queue_event(
        org_id, action="trigger", event_type="incident", dedup_key="incident-99", payload={}, route=route
    )
    delivery.payload = {"payload": {"summary": "s", "source": "x", "severity": "error"}}
    db.session.commit()
    return delivery


def test_one_refused_integration_reroutes_to_the_default_and_names_the_service(db, routed, pd):
    from tests.sending import send_now

    delivery = queue_trigger(db, routed.id, route_for_incident(k8s(routed.id)))
    pd.state.key_to_service.pop(PAY_KEY)  # the integration is gone: the Events API answers "Invalid routing key"
    assert send_now(delivery.id) == "rerouted"
    db.session.refresh(delivery)
    assert delivery.routing_key == DEFAULT_KEY and delivery.target_label == "Platform"
    assert "Payments refused its integration key" in delivery.route_reason
    assert send_now(delivery.id) == "delivered"
    assert services.connection_for(routed.id).state == "connected"
    assert status_badge(routed.id)["state"] == "attention"
    assert any("route to Payments does not resolve" in line for line in services.status_lines(routed.model))
    assert route_for_incident(k8s(routed.id)).routing_key == DEFAULT_KEY  # the next alert goes there at once


def test_the_only_key_refused_pauses_as_before(db, org, pd_account):
    from tests import factories
    from tests.sending import send_now

    services.connect_api_token(org.id, PD_TOKEN)
    factories.default_service(org.id, DEFAULT_KEY)
    delivery = queue_trigger(db, org.id, route_for_incident(k8s(org.id)))
    pd_account.state.key_to_service.pop(DEFAULT_KEY)
    assert send_now(delivery.id) == "paused"
    assert services.connection_for(org.id).state == "error"
    assert any(line.startswith("warning: alerts are paused") for line in services.status_lines(org.model))


def test_test_connection_that_works_while_paused_resumes_in_order(db, connected):
    from webapp.connection import probe

    for n in (1, 2):
        db.session.add(
            Delivery(
                org_id=connected.id, action="trigger", event_type="x", dedup_key=f"report-{n}", routing_key=VDP_KEY
            )
        )
    db.session.commit()
    mark_auth_failure(connected.id, "PagerDuty refused the credentials (HTTP 401)")
    run = start_test(connected.id)
    message = probe.run_test(connected.id, run.id)
    assert "2 paused alerts resume in order" in message
    assert services.connection_for(connected.id).state == "connected"
    statuses = db.session.scalars(db.select(Delivery.status).where(Delivery.action == "trigger")).all()
    assert statuses == ["pending", "pending"]


def test_after_deleting_its_subscription_a_reconnect_warns_until_it_is_created_again(db, connected, pd):
    from webapp.health.services import check_org
    from webapp.webhooks.setup import create_subscription

    create_subscription(connected.id)
    services.disconnect(connected.id, foreground=True)
    services.connect_api_token(connected.id, PD_TOKEN, VDP_KEY)
    check_org(connected.id)
    warnings = [line for line in services.status_lines(connected.model) if line.startswith("warning:")]
    assert len(warnings) == 1 and "acknowledgements do not reach PagerBridge" in warnings[0]
    create_subscription(connected.id)
    assert services.status_lines(connected.model)[-1] == "warnings: none"


def test_new_credentials_drop_the_old_checks_findings(db, connected):
    from webapp.findings.services import record

    record(connected.id, "token_refused", "PagerDuty refused the API token")
    db.session.commit()
    assert status_badge(connected.id)["state"] == "attention"
    services.connect_api_token(connected.id, PD_TOKEN, VDP_KEY)
    assert status_badge(connected.id)["state"] == "connected"


def test_the_preview_is_not_green_while_alerts_are_paused(htmx_client, db, routed):
    url = "/settings/routing/preview?kind=kubernetes&cluster=prod&namespace=payments"
    assert "alert-success" in htmx_client.get(url).get_data(as_text=True)
    mark_auth_failure(routed.id, "PagerDuty refused the credentials (HTTP 401)")
    body = htmx_client.get(url).get_data(as_text=True)
    assert "Paused, then to Payments" in body and "alert-warning" in body and "Alerts are paused" in body
    services.disconnect(routed.id)
    assert "PagerDuty is disconnected" in htmx_client.get(url).get_data(as_text=True)


def test_the_health_check_runs_every_five_minutes_once_per_org(app, db, connected, redis):
    from rq import Queue

    from jobs.health import check_all
    from jobs.schedule import periodic_jobs

    assert ("health-check", "jobs.health.check_all", 300, "default") in periodic_jobs(app.config)
    assert check_all() == 1 and check_all() == 1
    assert Queue("default", connection=redis).job_ids.count(f"health-check-{connected.id}") == 1


def test_a_route_to_a_service_disabled_on_purpose_is_a_note_not_a_warning(db, routed):
    payments = db.session.scalar(db.select(Service).filter_by(pd_id="PPAY001"))
    routing.disable_service(routed.id, payments.id)
    lines = services.status_lines(routed.model)
    assert "note: the route to Payments does not resolve: it is not configured; its alerts go to Platform" in lines
    assert lines[-1] == "warnings: none" and status_badge(routed.id)["state"] == "connected"
