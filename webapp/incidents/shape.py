"""The contract's incident, as the API answers it: one field list for a stored incident and for one just written."""

from typing import Any

from webapp.webhooks.mirror import as_json as mirror_json


def incident_fields(incident: Any) -> dict[str, Any]:
    """Every field of the contract's incident but its timeline (`incident` an ORM row or the values just written)."""
    return {
        "id": incident.id,
        "kind": incident.kind,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "transient": incident.transient,
        "cluster": incident.cluster,
        "namespace": incident.namespace,
        "provider": incident.provider,
        "resource_id": incident.resource_id,
        "resource_type": incident.resource_type,
        "root_cause": incident.root_cause,
        "affected_resources": incident.affected_resources,
        "remediation_steps": incident.remediation_steps,
        "external_id": incident.external_id,
        "created_at": incident.created_at.isoformat(),
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "pagerduty": mirror_json(incident),
    }
