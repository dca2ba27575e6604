"""Screens never contradict themselves (F49): a finished run gives way to the live state, and bad news is never
styled as success."""

import json

from tests.conftest import PD_TOKEN
from webapp.connection import probe
from webapp.health.services import check_org, start_check
from webapp.models import Delivery, HealthFinding, JobRun
from webapp.pagerduty.accounts import connection_for, mark_auth_failure
from webapp.routing.services import start_test
from webapp.webhooks import setup


def page(client, path="/settings/pagerduty/"):
    return client.get(path).get_data(as_text=True)


def toast(response):
    return json.loads(response.headers["HX-Trigger"])["toast"]


def finished_check(db, org_id):
    run = start_check(org_id)
    check_org(org_id, run.id)
    db.session.refresh(run)
    return run


def test_a_check_that_finds_a_disabled_subscription_is_a_warning_not_success(htmx_client, db, pd, connected):
    subscription = setup.create_subscription(connected.id)["id"]
    pd.state.accounts[PD_TOKEN].subscriptions[0]["temporarily_disabled"] = True
    run = finished_check(db, connected.id)
    response = htmx_client.get(f"/settings/pagerduty/runs/{run.id}")
    assert response.status_code == 286 and toast(response)["level"] == "warning"
    assert 'data-level="warning"' in response.get_data(as_text=True) and subscription in run.message
    assert "alert-success" not in response.get_data(as_text=True)


def test_a_check_that_finds_a_refused_token_is_an_error(htmx_client, db, pd, connected):
    pd.state.add_fault("401", scope="rest")
    run = finished_check(db, connected.id)
    response = htmx_client.get(f"/settings/pagerduty/runs/{run.id}")
    assert toast(response)["level"] == "danger" and 'data-level="danger"' in response.get_data(as_text=True)


def test_a_clean_check_is_success_and_its_result_gives_way_to_the_panel(htmx_client, db, connected):
    run = finished_check(db, connected.id)
    assert toast(htmx_client.get(f"/settings/pagerduty/runs/{run.id}"))["level"] == "success"
    panel = page(htmx_client, "/settings/pagerduty/health")
    assert 'data-health="ok"' in panel and "data-run-status" not in panel  # the live state, no old result box


def test_an_old_refusal_result_never_stands_above_every_check_passes(admin_client, db, pd, connected):
    pd.state.add_fault("401", scope="rest", count=3)
    finished_check(db, connected.id)
    pd.state.faults.clear()
    connection_for(connected.id).state = "connected"
    db.session.commit()
    finished_check(db, connected.id)
    body = page(admin_client)
    assert 'data-health="ok"' in body and "refused the API token" not in body and "data-run-status" not in body


def test_a_test_that_resumes_paused_alerts_reloads_the_health_panel(htmx_client, db, pd, connected):
    mark_auth_failure(connected.id, "PagerDuty refused the credentials (HTTP 401)")
    assert "Alerts are paused" in page(htmx_client, "/settings/pagerduty/health")
    run = start_test(connected.id)
    probe.run_test(connected.id, run.id)
    response = htmx_client.get(f"/settings/pagerduty/test/{run.id}")
    assert response.status_code == 286 and "connectionChanged" in json.loads(response.headers["HX-Trigger"])
    assert "Alerts are paused" not in page(htmx_client, "/settings/pagerduty/health")
    assert db.session.scalar(db.select(db.func.count()).where(Delivery.status == "paused")) == 0


def test_the_webhook_tab_shows_the_secret_and_subscription_once_create_finishes(htmx_client, db, pd, connected):
    assert "Create subscription in PagerDuty" in page(htmx_client, "/webhooks/settings")
    started = htmx_client.post("/settings/pagerduty/health/subscribe")
    assert 'data-run-kind="webhook_subscribe"' in started.get_data(as_text=True)
    run = db.session.scalar(db.select(JobRun).filter_by(kind="webhook_subscribe"))
    setup.run(connected.id, run.id, "subscribe")
    final = htmx_client.get(f"/settings/pagerduty/runs/{run.id}")
    assert "connectionChanged" in json.loads(final.headers["HX-Trigger"])
    state = page(htmx_client, "/webhooks/settings/state")
    assert 'data-subscription="active"' in state and "No secret yet" not in state and 'class="secret"' in state
    assert "Re-create subscription" in state and "data-run-status" not in state  # the result gave way
    full = page(htmx_client, "/webhooks/settings")
    assert "has no webhook subscription" not in full and "is active in PagerDuty" not in full


def test_a_finding_and_a_green_result_never_share_the_webhook_tab(admin_client, db, connected):
    setup.create_subscription(connected.id)
    run = JobRun(org_id=connected.id, kind="webhook_subscribe", status="done", message="Subscription X is active.")
    db.session.add(run)
    db.session.add(
        HealthFinding(
            org_id=connected.id,
            code="subscription_missing",
            message="PagerDuty has no webhook subscription to this org's URL",
        )
    )
    db.session.commit()
    body = page(admin_client, "/webhooks/settings")
    assert "Subscription X is active." not in body and "Repair subscription" in body


def test_a_run_the_worker_finished_before_its_start_was_answered_still_brings_its_toast_and_the_live_panel(
    htmx_client, db, pd, connected, monkeypatch
):
    from webapp.connection import views

    def finished_at_once(org_id):  # a busy web process answers after the worker is already done
        run = start_check(org_id)
        check_org(org_id, run.id)
        return run

    monkeypatch.setattr(views, "start_check", finished_at_once)
    response = htmx_client.post("/settings/pagerduty/health/check", headers={"HX-Current-URL": "/settings/pagerduty/"})
    assert response.status_code == views.STOP_POLLING and toast(response)["level"] == "success"
    assert "connectionChanged" in json.loads(response.headers["HX-Trigger"])
    assert 'id="health-panel"' in response.get_data(as_text=True)  # the live panel, out of band


def test_a_sync_the_worker_finished_before_its_start_was_answered_still_refreshes_the_list(
    htmx_client, db, pd, connected, monkeypatch
):
    from webapp.routing import sync

    def finished_at_once(org_id):
        run = sync.start_sync(org_id)
        sync.run_sync(org_id, run.id)
        return run

    monkeypatch.setattr("webapp.routing.views.start_sync", finished_at_once)
    response = htmx_client.post("/settings/routing/services/sync")
    assert response.status_code == 286 and "servicesChanged" in response.headers["HX-Trigger"]
    assert toast(response)["message"].startswith("Synced")


def test_a_reconnect_answers_with_its_restore_run_polling_even_when_it_is_already_done(
    htmx_client, db, connected, pd, monkeypatch
):
    from tests import factories
    from tests.conftest import DEFAULT_KEY
    from webapp.connection import lifecycle
    from webapp.connection.services import disconnect

    factories.default_service(connected.id, DEFAULT_KEY)
    disconnect(connected.id)
    restore_after_connect = lifecycle.restore_after_connect

    def done_at_once(org_id, foreground=False):  # the worker restores before the web process has answered
        run = restore_after_connect(org_id, foreground)
        lifecycle.restore_routes(org_id, run.id)
        return run

    monkeypatch.setattr(lifecycle, "restore_after_connect", done_at_once)
    response = htmx_client.post(
        "/settings/pagerduty/connect",
        data={"use_api_token": "y", "api_token": PD_TOKEN, "region": "us"},
        headers={"HX-Target": "connect-form"},
    )
    run = db.session.scalar(db.select(JobRun).filter_by(kind="restore_routes"))
    assert run.status == "done"
    body = response.get_data(as_text=True)
    # The panel comes with the run polling: its first poll brings the outcome as a toast, never lost.
    assert 'id="health-panel"' in body and f"/settings/pagerduty/runs/{run.id}" in body
