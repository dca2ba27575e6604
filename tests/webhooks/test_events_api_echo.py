"""What PagerBridge does through the Events API comes back as PagerDuty's webhooks (the sandbox sends them as PagerDuty
does): a trigger's incident.triggered and a close's incident.resolved are applied once, in PagerDuty's time order,
and add nothing the timeline already says."""

import json
import threading

import pytest
from werkzeug.serving import make_server

from sandbox.sending import sign
from tests.conftest import wait_for
from tests.sending import send_now
from tests.webhooks.test_reconcile_war_rooms import paged_war_room, room
from tests.webhooks.test_views import post
from webapp.alerts.events import on_war_room_ended, war_room_key
from webapp.extensions import db as database
from webapp.models import Delivery, Report, WebhookReceipt
from webapp.reports.services import create_report, set_report_status
from webapp.timeline import entries_for
from webapp.webhooks import services
from webapp.webhooks.setup import create_subscription


@pytest.fixture(scope="module")
def live_url(app):
    """The app on a free local port, so the sandbox's webhooks reach its endpoint as PagerDuty's would."""
    from webapp import create_app

    server = make_server("127.0.0.1", 0, create_app({"TESTING": True}), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture()
def subscribed(db, connected, pd, live_url):
    """The org's PagerDuty subscription sends to the live app (PagerBridge keeps the secret PagerDuty returned)."""
    create_subscription(connected.id, url=f"{live_url}/webhooks/pagerduty/{connected.model.webhook_token}")
    database.session.commit()
    return connected


def send(key, action):
    delivery_id = database.session.scalar(
        database.select(Delivery.id).filter_by(dedup_key=key, action=action).order_by(Delivery.id.desc())
    )
    assert send_now(delivery_id) == "delivered"


def receipts(key, *event_types):
    """The stored webhooks of `key`'s incidents, one of each event type (waits for them), as receipt ids."""

    def stored():
        database.session.rollback()
        found = {
            r.event_type: r.id
            for r in database.session.scalars(database.select(WebhookReceipt).order_by(WebhookReceipt.id))
            if (r.body["event"]["data"].get("incident_key") == key)
        }
        return [found[t] for t in event_types] if set(event_types) <= set(found) else None

    return wait_for(stored, timeout=15)


def apply(*receipt_ids):
    outcomes = [services.apply_receipt(receipt_id) for receipt_id in receipt_ids]
    database.session.expire_all()
    return outcomes


def lines(report_id):
    database.session.expire_all()
    return [entry.message for entry in entries_for(database.session.get(Report, report_id))]


def at_pagerdutys_time(moment, epoch):
    return abs(moment.timestamp() - epoch) < 0.002  # PagerDuty's occurred_at is to the millisecond


def test_a_reports_trigger_and_close_come_back_once_and_say_nothing_twice(client, subscribed, pd):
    report_id = create_report(subscribed.id, "SQLi in login").id
    key = f"report-{report_id}"
    send(key, "trigger")
    (triggered,) = receipts(key, "incident.triggered")
    before = lines(report_id)
    assert apply(triggered) == [f"triggered on report {report_id}"]
    report, incident = database.session.get(Report, report_id), pd.state.incident_by_key(key)
    assert report.pd_paged_exact and at_pagerdutys_time(report.pd_paged_at, incident["created_at"])
    assert (report.pd_service, report.pd_severity, report.pd_incident_id) == ("Security VDP", "info", incident["id"])
    assert lines(report_id) == before  # the "Paged …" line says it

    set_report_status(subscribed.id, report_id, "resolved")
    send(key, "resolve")
    (resolved,) = receipts(key, "incident.resolved")
    assert apply(resolved) == [f"resolved via pagerduty on report {report_id}"]
    report = database.session.get(Report, report_id)
    assert report.pd_status == "resolved" and at_pagerdutys_time(report.pd_status_at, incident["status_changed_at"])
    assert at_pagerdutys_time(report.pd_resolved_at, incident["status_changed_at"])
    shown = lines(report_id)
    assert shown.count("Resolved in PagerDuty (report closed)") == 1
    assert not [line for line in shown if line.startswith("Resolved via PagerDuty")]

    for delivery in pd.state.webhook_deliveries:  # PagerDuty retries under the same X-Webhook-Id: stored once
        raw = json.dumps(delivery["body"]).encode()
        secret = next(iter(pd.state.accounts.values())).subscriptions[0]["secret"]
        response = post(client, subscribed, raw, sign(secret, raw), delivery["webhook_id"])
        assert response.status_code == 202 and response.json["duplicate"]
    assert lines(report_id) == shown


def test_pagerdutys_order_wins_over_arrival(subscribed, pd):
    report_id = create_report(subscribed.id, "IDOR").id
    key = f"report-{report_id}"
    send(key, "trigger")
    set_report_status(subscribed.id, report_id, "dismissed")
    send(key, "resolve")
    triggered, resolved = receipts(key, "incident.triggered", "incident.resolved")
    apply(resolved, triggered)  # the resolution first, then the older trigger
    report, incident = database.session.get(Report, report_id), pd.state.incident_by_key(key)
    assert (report.pd_status, report.pd_reopened_at) == ("resolved", None)
    assert at_pagerdutys_time(report.pd_resolved_at, incident["status_changed_at"])
    assert report.pd_paged_exact and at_pagerdutys_time(report.pd_paged_at, incident["created_at"])
    assert not [line for line in lines(report_id) if "via PagerDuty" in line or "Reopened" in line]


def test_a_resolve_from_elsewhere_through_the_events_api_keeps_its_line(subscribed, pd):
    """An Events API resolve PagerBridge did not send (another tool holding the key) is news: its line is shown."""
    import requests

    from tests.conftest import VDP_KEY

    report_id = create_report(subscribed.id, "XSS").id
    key = f"report-{report_id}"
    send(key, "trigger")
    answer = requests.post(
        f"{pd.url}/v2/enqueue", json={"routing_key": VDP_KEY, "event_action": "resolve", "dedup_key": key}, timeout=10
    )
    assert answer.status_code == 202
    apply(*receipts(key, "incident.triggered", "incident.resolved"))
    assert "Resolved via PagerDuty by Security VDP." in lines(report_id)
    assert database.session.get(Report, report_id).pd_status == "resolved"


def test_a_war_rooms_trigger_and_end_come_back_to_its_response_record(subscribed, pd):
    room_id = paged_war_room(subscribed)
    key = war_room_key(room(room_id))
    incident = pd.state.incident_by_key(key)
    (triggered,) = receipts(key, "incident.triggered")
    assert apply(triggered) == ["triggered on war room 1"]
    paged = room(room_id)
    assert paged.pd_paged_exact and at_pagerdutys_time(paged.pd_paged_at, incident["created_at"])
    assert (paged.pd_service, paged.pd_severity) == ("Security VDP", "error")
    on_war_room_ended(paged)
    database.session.commit()
    send(key, "resolve")
    (resolved,) = receipts(key, "incident.resolved")
    assert apply(resolved, resolved) == ["resolved via pagerduty on war room 1", "already processed"]
    assert at_pagerdutys_time(room(room_id).pd_resolved_at, incident["status_changed_at"])


@pytest.mark.parametrize("kind", ["report", "war room"])
def test_a_trigger_webhook_before_our_own_commit_loses_neither_service_nor_severity(subscribed, pd, kind):
    """PagerDuty's webhook may be applied before the sender commits the delivery: the paging it recorded (PagerDuty's
    time and service name) stands, and the sender's commit fills in the severity."""
    import requests

    from tests.conftest import VDP_KEY

    if kind == "report":
        subject_id = create_report(subscribed.id, "CSRF").id
        key, severity = f"report-{subject_id}", "info"
    else:
        subject_id = paged_war_room(subscribed, send=False)
        key, severity = war_room_key(room(subject_id)), "error"
    body = {"summary": "First", "source": "pagerbridge", "severity": "warning"}
    answer = requests.post(
        f"{pd.url}/v2/enqueue",
        json={"routing_key": VDP_KEY, "event_action": "trigger", "dedup_key": key, "payload": body},
        timeout=10,
    )
    assert answer.status_code == 202
    apply(*receipts(key, "incident.triggered"))
    send(key, "trigger")  # merged into the open incident by PagerDuty: no second webhook
    subject = database.session.get(Report, subject_id) if kind == "report" else room(subject_id)
    incident = pd.state.incident_by_key(key)
    assert subject.pd_paged_exact and at_pagerdutys_time(subject.pd_paged_at, incident["created_at"])
    assert (subject.pd_service, subject.pd_severity) == ("Security VDP", severity)
    assert subject.pd_page_seconds is not None
