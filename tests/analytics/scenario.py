"""A day of responses driven through the real paths, on a controlled clock: reports and incidents created through the
API, their triggers sent to the sandbox, acknowledgements and resolutions arriving as signed webhooks (some late)."""

import json
from datetime import UTC, datetime, timedelta

import time_machine

from tests.sending import send_now
from tests.webhooks.test_views import SECRET, post, sign
from webapp.analytics import record
from webapp.models import Delivery, Incident, WebhookReceipt, WebhookSecret
from webapp.webhooks import services as webhooks

DAY = datetime(2026, 11, 2, tzinfo=UTC)
WINDOW = {"since": "2026-11-02T00:00:00Z", "until": "2026-11-03T00:00:00Z"}
_ids = iter(range(1, 10_000))


def at(hours, minutes=0, seconds=0):
    """A time on the scenario's day (hours past 24 fall on the next)."""
    return DAY + timedelta(hours=hours, minutes=minutes, seconds=seconds)


def send_pending(db, when):
    """Send every pending trigger at `when`, as a worker would."""
    with time_machine.travel(when, tick=False):
        ids = db.session.scalars(
            db.select(Delivery.id).filter_by(status="pending", action="trigger").order_by(Delivery.id)
        )
        for delivery_id in ids.all():
            assert send_now(delivery_id) == "delivered"
    db.session.expire_all()


def webhook(client, org, db, event_type, key, occurred, agent, service="Platform"):
    """A signed v3 webhook about the PagerDuty incident of `key`, applied as the worker applies it."""
    event = {
        "id": f"EVT{next(_ids)}",
        "event_type": event_type,
        "resource_type": "incident",
        "occurred_at": occurred.isoformat().replace("+00:00", "Z"),
        "agent": {"id": "PUSR", "summary": agent, "type": "user_reference"},
        "data": {
            "id": f"P{key.upper().replace('-', '')}",
            "type": "incident",
            "incident_key": key,
            "html_url": "https://acme.pagerduty.com/incidents/X",
            "service": {"id": "PSVC", "summary": service, "type": "service_reference"},
        },
    }
    body = json.dumps({"event": event}).encode()
    webhook_id = event["id"]
    assert post(client, org, body, sign(body, SECRET), webhook_id).status_code == 202
    receipt_id = db.session.scalar(db.select(WebhookReceipt.id).filter_by(webhook_id=webhook_id))
    outcome = webhooks.apply_receipt(receipt_id)
    db.session.expire_all()
    return outcome


def create(api, path, body, when):
    with time_machine.travel(when, tick=False):
        response = api.post(path, json=body)
    assert response.status_code == 201, response.json
    return response.json["id"]


def build(api, client, db, org, other_api):
    """The scenario; returns the ids. Expected figures are in test_figures.py, worked out by hand."""
    db.session.add(WebhookSecret(org_id=org.id, secret=SECRET))
    db.session.commit()
    ids = {}
    # Paged the evening before the window, acknowledged inside it: not counted.
    ids["r0"] = create(api, "/reports", {"title": "Before the window"}, at(-1))
    send_pending(db, at(-1, 30))
    webhook(client, org, db, "incident.acknowledged", f"report-{ids['r0']}", at(0, 10), "Ada", "Security VDP")
    # R1: paged after 2 min, acknowledged by Ada 8 min later, resolved after 58 min; closed in time (SLA met).
    ids["r1"] = create(api, "/reports", {"title": "IDOR"}, at(9))
    send_pending(db, at(9, 2))
    webhook(client, org, db, "incident.acknowledged", f"report-{ids['r1']}", at(9, 10), "Ada", "Security VDP")
    webhook(client, org, db, "incident.resolved", f"report-{ids['r1']}", at(10), "Ada", "Security VDP")
    with time_machine.travel(at(10, 5), tick=False):
        assert api.post(f"/reports/{ids['r1']}/status", json={"status": "resolved"}).status_code == 200
    # R2: paged after 1 min, never acknowledged (no webhook: the service is our route's label).
    ids["r2"] = create(api, "/reports", {"title": "XSS"}, at(9, 5))
    send_pending(db, at(9, 6))
    # I1: paged after 30 s, acknowledged by Bob, resolved, then reopened: not resolved now.
    ids["i1"] = create(api, "/incidents", {**KUBERNETES, "external_id": "i1"}, at(9, 10))
    send_pending(db, at(9, 10, 30))
    webhook(client, org, db, "incident.acknowledged", f"incident-{ids['i1']}", at(9, 12), "Bob")
    webhook(client, org, db, "incident.resolved", f"incident-{ids['i1']}", at(9, 40), "Bob")
    incident = db.session.get(Incident, ids["i1"])
    record.note_status(incident, "reopened", at(9, 50))  # what the incident.reopened webhook records
    db.session.commit()
    webhook(client, org, db, "incident.resolved", f"incident-{ids['i1']}", at(9, 45), "Bob")  # late, before it
    # I2: Ada's acknowledgement arrives first, Bob's earlier one late, Carol's later one last: Bob's counts.
    ids["i2"] = create(api, "/incidents", CLOUD, at(9, 20))
    send_pending(db, at(9, 21))
    webhook(client, org, db, "incident.acknowledged", f"incident-{ids['i2']}", at(9, 30), "Ada")
    webhook(client, org, db, "incident.acknowledged", f"incident-{ids['i2']}", at(9, 25), "Bob")
    webhook(client, org, db, "incident.acknowledged", f"incident-{ids['i2']}", at(9, 40), "Carol")
    webhook(client, org, db, "incident.resolved", f"incident-{ids['i2']}", at(11, 21), "Ada")
    # I3: paged 5 min before the window ends, acknowledged by Carol after it: paged and acknowledged in it.
    ids["i3"] = create(api, "/incidents", {**KUBERNETES, "external_id": "i3", "severity": "critical"}, at(23, 50))
    send_pending(db, at(23, 55))
    webhook(client, org, db, "incident.acknowledged", f"incident-{ids['i3']}", at(24, 5), "Carol")
    # Another org's report, paged and acknowledged the same day: never counted here.
    ids["other"] = create(other_api, "/reports", {"title": "Theirs"}, at(9))
    send_pending(db, at(9, 1))
    return ids


KUBERNETES = {"kind": "kubernetes", "title": "Crash loop", "severity": "high", "cluster": "prod", "namespace": "api"}
CLOUD = {
    "kind": "cloud",
    "title": "Bucket public",
    "severity": "medium",
    "provider": "aws",
    "resource_id": "arn:aws:s3:::b",
    "resource_type": "s3",
}
