"""Timelines say what was sent to PagerDuty and where, or why nothing was: "Paged X" only once PagerDuty accepted it."""

from datetime import timedelta

import pytest
import time_machine

from tests import factories
from tests.api.test_incidents import K8S
from tests.conftest import DEFAULT_KEY
from tests.sending import send_now
from webapp.models import Delivery
from webapp.orgs import alert_rules as rules


def messages(api, path):
    return [entry["message"] for entry in api.get(path).json["timeline"]]


def send_all(db, expected="delivered"):
    """Send every open delivery the way a worker does (its pacing slot already taken)."""
    ids = db.session.scalars(db.select(Delivery.id).where(Delivery.status == "pending").order_by(Delivery.id)).all()
    assert [send_now(delivery_id) for delivery_id in ids] == [expected] * len(ids)
    db.session.expire_all()


@pytest.fixture()
def platform(db, connected):
    return factories.default_service(connected.id, DEFAULT_KEY)


def test_paged_only_once_pagerduty_accepted_it(api, db, connected, pd):
    report_id = api.post("/reports", json={"title": "IDOR"}).json["id"]
    assert "Paging VDP integration key (New report submitted, info): waiting to be sent" in messages(
        api, f"/reports/{report_id}"
    )
    assert not any(m.startswith("Paged") for m in messages(api, f"/reports/{report_id}"))
    api.post(f"/reports/{report_id}/assessment", json={"severity": "critical"})
    send_all(db)
    lines = messages(api, f"/reports/{report_id}")
    assert "Paged VDP integration key (New report submitted, info)" in lines
    assert "Paged VDP integration key (Critical severity assessed, critical)" in lines
    assert not any("waiting" in line for line in lines)


def test_incidents_name_the_service_and_closing_says_resolved(api, db, platform, pd):
    incident_id = api.post("/incidents", json=K8S).json["id"]
    send_all(db)
    api.patch(f"/incidents/{incident_id}", json={"status": "resolved"})
    assert "Resolving in PagerDuty (incident resolved): waiting to be sent" in messages(
        api, f"/incidents/{incident_id}"
    )
    send_all(db)
    lines = messages(api, f"/incidents/{incident_id}")
    assert (
        "Paged Platform (Kubernetes incident, error)" in lines and "Resolved in PagerDuty (incident resolved)" in lines
    )


def test_report_closed_resolves_or_says_auto_resolve_is_off(api, db, connected, pd):
    first = api.post("/reports", json={"title": "A"}).json["id"]
    second = api.post("/reports", json={"title": "B"}).json["id"]
    send_all(db)
    api.post(f"/reports/{first}/status", json={"status": "resolved"})
    send_all(db)
    assert "Resolved in PagerDuty (report closed)" in messages(api, f"/reports/{first}")
    rules.save_auto_resolve(connected.id, False)
    db.session.commit()
    api.post(f"/reports/{second}/status", json={"status": "dismissed"})
    assert "Not resolved in PagerDuty: auto-resolve of closed reports is off." in messages(api, f"/reports/{second}")


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("500", "Paging Platform (Kubernetes incident, error): PagerDuty has not accepted it yet, retrying (1 attempt"),
        ("400", "Not paged: paging Platform (Kubernetes incident, error) failed after 1 attempt"),
        # The Events API refuses a key with a 400: that service's route breaks and the alert goes to the next key.
        ("401", "Platform refused the alert (Event object is invalid: Invalid routing key (HTTP 400)); sent to VDP"),
    ],
)
def test_unaccepted_pages_say_where_they_stand(api, db, platform, pd, mode, words):
    pd.state.add_fault(mode, count=1, scope="events")
    incident_id = api.post("/incidents", json=K8S).json["id"]
    delivery_id = db.session.scalar(db.select(Delivery.id))
    send_now(delivery_id)
    db.session.expire_all()
    lines = messages(api, f"/incidents/{incident_id}")
    assert any(line.startswith(words) for line in lines), lines
    assert not any(line.startswith("Paged") for line in lines)


def test_cancelled_by_a_disconnect(api, db, connected, pd):
    from webapp.connection.services import disconnect

    report_id = api.post("/reports", json={"title": "Never sent"}).json["id"]
    disconnect(connected.id)
    lines = messages(api, f"/reports/{report_id}")
    assert "Not paged: paging VDP integration key (New report submitted, info) was cancelled " in lines[-1]
    assert lines[-1].endswith("(PagerDuty was disconnected)")
    created = api.post("/reports", json={"title": "After"}).json
    assert (
        created["timeline"][-1]["message"] == "Not paged: PagerDuty is disconnected: connect it in Settings → PagerDuty"
    )


def test_not_connected_and_no_route_say_why(api, db, org, connected):
    incident = api.post("/incidents", json=K8S).json
    assert incident["timeline"][-1]["message"] == (
        "Not paged: no assignment matches, no default service and no routing key"
    )
    from tests.factories import ApiClient, org_with_users

    other = org_with_users()
    lonely = ApiClient(api.client, other.api_token).post("/reports", json={"title": "x"}).json
    assert (
        lonely["timeline"][-1]["message"] == "Not paged: PagerDuty is not connected: connect it in Settings → PagerDuty"
    )


@pytest.mark.parametrize(
    ("settings", "body", "reason"),
    [
        ({"kubernetes": False}, K8S, "Not paged: Kubernetes incidents are switched off in the notification settings."),
        ({"skip_transient": True}, {**K8S, "transient": True}, "Not paged: Transient incidents are skipped."),
        ({"min_severity": "critical"}, K8S, "Not paged: Below the minimum severity (critical)."),
    ],
)
def test_filtered_incidents_say_the_rule(api, db, platform, settings, body, reason):
    rules.save_notifications(platform.org_id, settings)
    db.session.commit()
    incident = api.post("/incidents", json=body).json
    assert incident["timeline"][-1]["message"] == reason
    assert db.session.scalar(db.select(Delivery.id)) is None


def test_a_rule_switched_off_says_so(api, db, connected):
    rules.save_alert_rules(connected.id, {"new_report": {"enabled": False, "severity": "info"}})
    db.session.commit()
    report = api.post("/reports", json={"title": "Quiet"}).json
    assert report["timeline"][-1]["message"] == "Not paged: the “New report submitted” alert rule is off."


def test_sla_rule_off_is_said_for_each_report_of_a_pass(db, connected):
    from webapp.models import TimelineEntry
    from webapp.models.types import utcnow
    from webapp.reports.services import create_report
    from webapp.sla.evaluator import evaluate

    rules.save_alert_rules(connected.id, {"sla_breached": {"enabled": False, "severity": "warning"}})
    db.session.commit()
    reports = [create_report(connected.id, f"R{n}", severity="critical") for n in range(3)]
    with time_machine.travel(utcnow() + timedelta(days=30), tick=False):
        assert sorted(evaluate()["breached"]) == sorted(r.id for r in reports)
    said = db.session.scalars(
        db.select(TimelineEntry.report_id).filter_by(
            kind="pagerduty.not_paged", message="Not paged: the “SLA breached” alert rule is off."
        )
    ).all()
    assert sorted(said) == sorted(r.id for r in reports)


def test_detail_pages_show_where_alerts_go_and_why(admin_client, api, db, platform, pd):
    incident_id = api.post("/incidents", json=K8S).json["id"]
    send_all(db)
    page = admin_client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert 'data-route="routed"' in page and "Platform" in page and "sent to the default service" in page
    assert "Paged Platform (Kubernetes incident, error)" in page
    report_id = api.post("/reports", json={"title": "Where"}).json["id"]
    page = admin_client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert "VDP integration key" in page and "The integration key given at connect" in page


def test_a_list_reads_every_timeline_and_its_deliveries_in_two_queries(api, db, connected, pd):
    from tests.sql import recorded
    from webapp.models import Report
    from webapp.timeline import entries_for, preload_timelines

    ids = [api.post("/reports", json={"title": f"R{n}"}).json["id"] for n in range(5)]
    send_all(db)
    db.session.expire_all()
    reports = db.session.scalars(db.select(Report).where(Report.id.in_(ids)).order_by(Report.id)).all()
    with recorded(db.engine) as sql:
        preload_timelines(reports)
        timelines = [[entry.message for entry in entries_for(report)] for report in reports]
    assert len([s for s in sql if s.lstrip().upper().startswith("SELECT")]) == 2, sql
    assert all(lines[-1] == "Paged VDP integration key (New report submitted, info)" for lines in timelines)
    assert [api.get(f"/reports/{i}").json["timeline"][-1]["message"] for i in ids] == [t[-1] for t in timelines]
