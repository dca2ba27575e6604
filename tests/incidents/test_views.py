"""Incident pages."""

from webapp.incidents.services import create_incident
from webapp.models import Incident

FIELDS = {
    "kind": "cloud",
    "title": "Public bucket",
    "severity": "critical",
    "provider": "aws",
    "resource_id": "arn:aws:s3:::exports",
    "root_cause": "Policy allows *",
    "remediation_steps": ["Restore the policy"],
    "affected_resources": "arn:aws:s3:::exports",
}


def test_list_search_and_detail(admin_client, htmx_client, db, org):
    incident, _ = create_incident(org.id, FIELDS)
    assert "Public bucket" in admin_client.get("/incidents/").get_data(as_text=True)
    rows = htmx_client.get("/incidents/?q=nothing-like-it", headers={"HX-Target": "incident-rows"})
    assert "Public bucket" not in rows.get_data(as_text=True)
    detail = admin_client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Policy allows *" in detail and "Restore the policy" in detail


def test_admin_moves_and_resolves(admin_client, member_client, db, org):
    incident, _ = create_incident(org.id, FIELDS)
    data = {"status": "resolved", "severity": "high", "root_cause": "Fixed policy"}
    assert member_client.post(f"/incidents/{incident.id}", data=data).status_code == 403
    admin_client.post(f"/incidents/{incident.id}", data=data)
    db.session.expire_all()
    saved = db.session.get(Incident, incident.id)
    assert saved.status == "resolved" and saved.resolved_at is not None and saved.severity == "high"
