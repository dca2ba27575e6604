"""`flask --app wsgi demo` loads a connected demo org against the sandbox."""

from sandbox.demo import seed_demo
from webapp.models import Delivery, Incident, Org, Report, Service


def test_demo_loads_once(runner, db, pd, monkeypatch):
    seed_demo(pd.state)
    monkeypatch.setenv("PAGERDUTY_API_URL", pd.url)
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "skipped" not in result.output, result.output
    org = db.session.scalar(db.select(Org).filter_by(slug="acme"))
    assert db.session.scalar(db.select(Service).filter_by(org_id=org.id, is_default=True)).name == "Platform On-Call"
    assert db.session.scalar(db.select(db.func.count()).select_from(Report)) == 3
    at_risk = db.session.scalar(db.select(Report).filter_by(severity="critical"))
    assert at_risk.sla_state == "at_risk"
    submitted = next(entry for entry in at_risk.timeline if entry.kind == "report.submitted")
    assert submitted.at == at_risk.submitted_at  # the header's "Submitted" and the timeline say the same time
    assert db.session.scalar(db.select(Delivery).filter_by(dedup_key=f"report-{at_risk.id}", event_type="sla_at_risk"))
    assert db.session.scalar(db.select(db.func.count()).select_from(Incident)) == 2
    cloud = db.session.scalar(db.select(Delivery).filter_by(dedup_key="incident-2"))
    assert cloud.target_label == "Cloud Security"
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "exists already" in again.output
