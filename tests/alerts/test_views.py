"""The Alert rules tab: toggles and severities saved with htmx, notification settings, audit."""

from webapp.models import AuditEntry
from webapp.orgs import alert_rules as rules


def test_rules_page_lists_the_five_events_with_seed_defaults(admin_client, member_client):
    body = admin_client.get("/settings/alerts/").get_data(as_text=True)
    for label in (
        "New report submitted",
        "SLA at risk",
        "SLA breached",
        "Critical severity assessed",
        "War room activated",
    ):
        assert label in body
    assert member_client.get("/settings/alerts/").status_code == 403


def test_toggle_a_rule(htmx_client, db, org):
    response = htmx_client.post("/settings/alerts/rules/new_report", data={"new_report-severity": "warning"})
    assert response.status_code == 200 and "New report submitted: off, warning" in response.headers["HX-Trigger"]
    assert rules.rule_for(org.id, "new_report") == {"enabled": False, "severity": "warning"}
    assert db.session.scalar(db.select(AuditEntry.action).filter_by(action="alert_rules.updated"))
    bad = htmx_client.post("/settings/alerts/rules/new_report", data={"new_report-severity": "loud"})
    assert bad.status_code == 422


def test_notifications_and_mapping(htmx_client, org):
    data = {
        "kubernetes": "y",
        "skip_transient": "y",
        "min_severity": "high",
        "map_low": "info",
        "map_medium": "warning",
        "map_high": "critical",
        "map_critical": "critical",
    }
    assert htmx_client.post("/settings/alerts/notifications", data=data).status_code == 200
    assert rules.incident_notifications(org.id) == {
        "kubernetes": True,
        "cloud": False,
        "skip_transient": True,
        "min_severity": "high",
    }
    assert rules.severity_mapping(org.id)["high"] == "critical" and rules.auto_resolve_reports(org.id) is False


def test_filtered_incidents_are_not_sent_and_say_why(api, db, connected):
    rules.save_notifications(connected.id, {"min_severity": "critical"})
    db.session.commit()
    incident = api.post(
        "/incidents", json={"kind": "kubernetes", "title": "t", "severity": "low", "cluster": "c", "namespace": "n"}
    ).json
    assert "Below the minimum severity" in incident["timeline"][-1]["message"]
