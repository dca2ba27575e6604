"""What acknowledgements and resolutions do."""

from tests.webhooks.test_views import SECRET, event_body, post, sign
from webapp.models import Report, TimelineEntry, WebhookReceipt, WebhookSecret
from webapp.reports.services import create_report
from webapp.webhooks import services


def deliver(client, org, db, body, webhook_id):
    post(client, org, body, sign(body, SECRET), webhook_id)
    receipt_id = db.session.scalar(db.select(WebhookReceipt.id).filter_by(webhook_id=webhook_id))
    return services.apply_receipt(receipt_id)


def setup_org(db, org):
    db.session.add(WebhookSecret(org_id=org.id, secret=SECRET))
    db.session.commit()
    return create_report(org.id, "SQLi", severity="high")


def test_acknowledged_then_resolved_show_on_the_timeline(client, db, org):
    report = setup_org(db, org)
    deliver(client, org, db, event_body("incident.acknowledged", f"report-{report.id}", agent="Ada"), "1")
    deliver(client, org, db, event_body("incident.resolved", f"report-{report.id}", agent="Bob"), "2")
    messages = db.session.scalars(db.select(TimelineEntry.message).filter_by(report_id=report.id)).all()
    assert "Acknowledged via PagerDuty by Ada." in messages and "Resolved via PagerDuty by Bob." in messages
    report = db.session.get(Report, report.id)
    assert report.pd_status == "resolved" and report.status == "new"
    assert report.pd_incident_url == "https://acme.pagerduty.com/incidents/PINC001"


def test_late_acknowledgement_does_not_reopen(client, db, org):
    report = setup_org(db, org)
    deliver(client, org, db, event_body("incident.resolved", f"report-{report.id}"), "1")
    deliver(client, org, db, event_body("incident.acknowledged", f"report-{report.id}"), "2")
    assert db.session.get(Report, report.id).pd_status == "resolved"


def test_other_events_and_unknown_incidents_are_ignored(client, db, org):
    report = setup_org(db, org)
    assert deliver(client, org, db, event_body("incident.responder.added", f"report-{report.id}"), "1").startswith(
        "ignored"
    )
    assert deliver(client, org, db, event_body("incident.resolved", "report-999999"), "2").startswith("ignored")
    assert deliver(client, org, db, event_body("incident.resolved", "war-room-x-1"), "3").startswith("ignored")


def test_another_orgs_key_is_not_matched(client, db, org):
    from tests.factories import org_with_users

    other = org_with_users()
    theirs = create_report(other.id, "theirs")
    setup_org(db, org)
    assert deliver(client, org, db, event_body("incident.resolved", f"report-{theirs.id}"), "1").startswith("ignored")


def test_grouped_incident_is_found_through_its_alerts(client, db, connected, pd_account):
    import requests

    from tests.conftest import VDP_KEY

    report = setup_org(db, connected)
    requests.post(
        pd_account.url + "/v2/enqueue",
        json={
            "routing_key": VDP_KEY,
            "event_action": "trigger",
            "dedup_key": f"report-{report.id}",
            "payload": {"summary": "s", "source": "s", "severity": "info"},
        },
    )
    incident = pd_account.state.incident_by_key(f"report-{report.id}")
    incident["incident_key"] = ""
    body = event_body("incident.acknowledged", "", pd_id=incident["id"])
    assert deliver(client, connected, db, body, "g1").startswith("acknowledged via pagerduty on report")
