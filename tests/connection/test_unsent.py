"""Alerts raised while PagerDuty was disconnected are recorded as not sent (never "No route"), and after a reconnect
the ones still open are paged on one explicit request."""

from tests.conftest import PD_TOKEN
from webapp.alerts.unsent import unsent_open
from webapp.connection import services
from webapp.incidents.services import create_incident
from webapp.models import Delivery, Service
from webapp.routing import services as routing
from webapp.routing.sync import run_sync

K8S = {"kind": "kubernetes", "title": "Crash loop", "severity": "high", "cluster": "prod", "namespace": "web"}


def test_not_sent_while_disconnected_then_paged_on_request(admin_client, htmx_client, db, connected):
    from webapp.connection.lifecycle import restore_routes

    run_sync(connected.id)
    platform = db.session.scalar(db.select(Service).filter_by(pd_id="PPLAT01"))
    routing.set_default(connected.id, routing.configure_service(connected.id, platform.id).id)
    db.session.commit()
    services.disconnect(connected.id, foreground=True)
    incident, _ = create_incident(connected.id, K8S)
    closed, _ = create_incident(connected.id, {**K8S, "title": "Gone", "external_id": "gone"})
    closed.status = "resolved"
    db.session.commit()

    log = admin_client.get("/settings/deliveries/").get_data(as_text=True)
    assert 'data-not-sent="disconnected"' in log and "Not sent: PagerDuty was disconnected" in log
    assert 'data-delivery-status="no_route">No route' not in log
    dashboard = admin_client.get("/").get_data(as_text=True)
    assert (
        'data-delivery-count="not_sent_disconnected"' in dashboard and 'data-delivery-count="no_route"' not in dashboard
    )

    services.connect_api_token(connected.id, PD_TOKEN)
    restore_routes(connected.id)
    assert [d.subject_id for d in unsent_open(connected.id)] == [incident.id]
    panel = htmx_client.get("/settings/pagerduty/health").get_data(as_text=True)
    assert "Page 1 open alert now" in panel

    response = htmx_client.post("/settings/pagerduty/unsent/page")
    assert response.status_code == 200 and "1 open alerts queued" in response.headers["HX-Trigger"]
    sent = db.session.scalars(db.select(Delivery).filter_by(dedup_key=f"incident-{incident.id}").order_by(Delivery.id))
    assert [d.status for d in sent][-1] in ("pending", "delivered") and unsent_open(connected.id) == []
    assert "Page 1 open alert" not in htmx_client.get("/settings/pagerduty/health").get_data(as_text=True)


def test_paging_unsent_alerts_needs_a_connection(htmx_client, db, connected):
    services.disconnect(connected.id, foreground=True)
    response = htmx_client.post("/settings/pagerduty/unsent/page")
    assert (
        '"warning"' in response.headers["HX-Trigger"] and "Reconnect PagerDuty first" in response.headers["HX-Trigger"]
    )
