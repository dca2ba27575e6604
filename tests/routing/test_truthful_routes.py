"""'Alerts go to' says when alerts are paused or filtered out, and why (the sender's own rules and state); the legacy
method disables routing actions with the reason; switching methods asks first and says what stops."""

from tests.conftest import DEFAULT_KEY
from webapp.connection.services import connect_routing_key
from webapp.incidents.services import create_incident
from webapp.models import Service
from webapp.orgs import alert_rules as rules
from webapp.pagerduty.accounts import mark_auth_failure
from webapp.routing import services as routing
from webapp.routing.sync import run_sync

K8S = {"kind": "kubernetes", "title": "Crash loop", "severity": "high", "cluster": "prod", "namespace": "payments"}
LEGACY_KEY = "d" * 31 + "4"


def defaulted(db, org_id):
    run_sync(org_id)
    platform = db.session.scalar(db.select(Service).filter_by(pd_id="PPLAT01"))
    routing.set_default(org_id, routing.configure_service(org_id, platform.id).id)
    db.session.commit()


def body(client, path):
    return client.get(path).get_data(as_text=True)


def test_switched_off_kubernetes_alerts_are_named_not_routed(admin_client, htmx_client, db, connected):
    defaulted(db, connected.id)
    incident, _ = create_incident(connected.id, K8S)
    page = body(admin_client, f"/incidents/{incident.id}")
    assert 'data-route="routed"' in page and "Platform" in page
    rules.save_notifications(connected.id, {"kubernetes": False})
    db.session.commit()
    page = body(admin_client, f"/incidents/{incident.id}")
    assert 'data-route="filtered"' in page and 'data-route="routed"' not in page
    assert "Not paged: Kubernetes incidents are switched off in the notification settings" in page
    preview = body(htmx_client, "/settings/routing/preview?kind=kubernetes&cluster=prod&namespace=payments")
    assert 'data-route="filtered"' in preview and "Goes to" not in preview and "alert-success" not in preview


def test_paused_alerts_are_named_on_item_pages_and_the_preview(admin_client, htmx_client, db, connected):
    defaulted(db, connected.id)
    incident, _ = create_incident(connected.id, K8S)
    mark_auth_failure(connected.id, "PagerDuty refused the credentials (HTTP 401)")
    page = body(admin_client, f"/incidents/{incident.id}")
    assert 'data-route="paused"' in page and "Paused: alerts are paused while PagerDuty refuses" in page
    preview = body(htmx_client, "/settings/routing/preview?kind=kubernetes&cluster=prod&namespace=payments")
    assert 'data-route="paused"' in preview and "alert-success" not in preview


def test_report_pages_say_when_every_report_rule_is_off(admin_client, db, connected):
    from webapp.reports.services import create_report

    report = create_report(connected.id, "XSS in search")
    db.session.commit()
    assert 'data-route="routed"' in body(admin_client, f"/reports/{report.id}")
    rules.save_alert_rules(connected.id, {"new_report": {"enabled": False}, "critical_assessed": {"enabled": False}})
    db.session.commit()
    page = body(admin_client, f"/reports/{report.id}")
    assert 'data-route="filtered"' in page and "alert rules are off" in page


def test_legacy_method_disables_sync_configure_and_default_with_the_reason(admin_client, db, connected):
    run_sync(connected.id)
    db.session.commit()
    connect_routing_key(connected.id, LEGACY_KEY, "Legacy")
    page = body(admin_client, "/settings/routing/services")
    assert 'data-sync-status="locked"' in page and "Not available with the legacy routing-key method" in page
    assert "disabled title=" in page
    assert 'hx-post="/settings/routing/services/sync"' not in page


def test_switching_methods_asks_first_and_says_what_stops(admin_client, htmx_client, db, connected):
    form = body(htmx_client, "/settings/pagerduty/connect-form?use_api_token=")
    assert "hx-confirm=" in form and "Every alert then goes to that one key" in form
    assert "hx-confirm=" not in body(htmx_client, "/settings/pagerduty/connect-form?use_api_token=y")
    connect_routing_key(connected.id, DEFAULT_KEY, "Legacy")
    form = body(htmx_client, "/settings/pagerduty/connect-form?use_api_token=y")
    assert "hx-confirm=" in form and "Alerts stop going to the routing key of Legacy" in form
