"""Event content within PagerDuty's limits."""

import json

from webapp.alerts import content
from webapp.models import Incident, Report


def test_summary_is_cut_to_1024(app, db):
    assert len(content.summary("x" * 5000)) == 1024


def test_huge_details_are_trimmed_not_failed(app, db, org):
    incident = Incident(
        id=1,
        org_id=org.id,
        kind="cloud",
        title="t",
        severity="high",
        status="open",
        provider="aws",
        resource_id="b",
        root_cause="r" * 900_000,
        remediation_steps=["s" * 300_000],
    )
    event = content.incident_payload(incident, "error")
    assert len(json.dumps(event).encode()) <= content.MAX_EVENT_BYTES
    assert "trimmed" in json.dumps(event["payload"]["custom_details"])


def test_sensitive_report_details_only_when_allowed(app, db, org):
    report = Report(
        id=7,
        org_id=org.id,
        title="XSS",
        description="PoC here",
        researcher_email="r@example.com",
        severity="high",
        status="new",
        sla_state="ok",
    )
    hidden = content.report_payload(report, "new_report", "info", include_sensitive=False)
    shown = content.report_payload(report, "new_report", "info", include_sensitive=True)
    assert "PoC here" not in json.dumps(hidden) and "r@example.com" not in json.dumps(hidden)
    assert shown["payload"]["custom_details"]["description"] == "PoC here"
    assert hidden["links"][0]["href"] == "http://pagerbridge.test/reports/7"


def test_secrets_are_redacted_from_responses():
    from webapp.alerts.sender import redact

    text = redact(
        '{"errors": ["Invalid routing key abcdefabcdefabcdefabcdefabcdef12"], "dedup_key": "report-1"}',
        ["abcdefabcdefabcdefabcdefabcdef12"],
    )
    assert "abcdef" not in text and "report-1" in text
