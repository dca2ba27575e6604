"""Creating an incident, the detectors' hot path: plain rows in, the API's answer out, in as few statements as can be.

One statement reads the route (the assignment with its inventory row and the default service; on PostgreSQL the
new incident's id too: see route_sql; the API reads it with the token), and one writes the incident, its timeline
and its delivery (on PostgreSQL, with data-modifying CTEs; on SQLite one INSERT per table). The rows and the answer
are those the ORM path wrote before (tests/incidents/test_creating.py compares them).
"""

from types import SimpleNamespace
from typing import Any

from webapp.alerts import content
from webapp.alerts.events import explained_route, incident_key
from webapp.alerts.outbox import new_trigger_values
from webapp.incidents import create_sql
from webapp.incidents.route_sql import RouteRows, probe_of, read_route
from webapp.incidents.shape import incident_fields
from webapp.models.types import utcnow
from webapp.orgs import alert_rules as rules
from webapp.queues import wake_senders_after_commit
from webapp.routing.inventory import ensure_namespace, ensure_resource
from webapp.routing.resolve import Route, assigned_route, direct_route
from webapp.timeline import as_json, delivery_line

# What a new incident holds beyond what the detector sent.
NEW_INCIDENT = {
    "id": None,
    "status": "open",
    "transient": False,
    "cluster": None,
    "namespace": None,
    "provider": None,
    "resource_id": None,
    "resource_type": None,
    "root_cause": None,
    "affected_resources": None,
    "remediation_steps": None,
    "external_id": None,
    "resolved_at": None,
    "pd_paged_exact": False,
}
MIRROR = {"pd_status": None, "pd_incident_url": None, "pd_priority": None, "pd_urgency": None, "pd_assignees": None}


def create(
    org_id: int, fields: dict[str, Any], actor: str | None, read: RouteRows | None = None
) -> tuple[int | None, dict[str, Any] | None]:
    """Write a new incident with its timeline and delivery; returns (its id, the API's answer), or (None, None) when
    the org already has an incident with this external_id. The caller commits. `read`: the route's rows, when the
    API token's lookup read them along (used only when read for this very incident)."""
    now = utcnow()
    incident = SimpleNamespace(**{**NEW_INCIDENT, **fields, **MIRROR, "org_id": org_id, "created_at": now})
    incident.updated_at = now
    probe = probe_of(incident)
    found = read if read is not None and read.probe == probe else read_route(org_id, probe)
    entries = [_entry("incident.created", _created_message(incident), actor)]
    wanted, why_not = rules.incident_wanted(org_id, incident)
    if not wanted:
        entries.append(_entry("pagerduty.not_paged", f"Not paged: {why_not}.", None))
    delivery = _delivery(incident, found) if wanted else None
    incident.id = create_sql.write(incident, entries, delivery, found.next_id, _payload)
    if incident.id is None:
        return None, None
    _record_inventory(incident, found)
    if delivery is not None and delivery["status"] == "pending":
        wake_senders_after_commit()
    return incident.id, _answer(incident, entries, delivery)


def _created_message(incident: SimpleNamespace) -> str:
    where = (
        f"{incident.cluster}/{incident.namespace}"
        if incident.kind == "kubernetes"
        else f"{incident.provider} {incident.resource_type or 'resource'} {incident.resource_id}"
    )
    return f"{incident.kind.capitalize()} incident detected in {where} (severity {incident.severity})."


def _entry(kind: str, message: str, actor: str | None) -> SimpleNamespace:
    return SimpleNamespace(kind=kind, message=message, actor=actor, at=utcnow())


def _route(incident: SimpleNamespace, found: RouteRows) -> Route | None:
    direct = direct_route(incident.org_id)
    if direct is not None:
        return direct
    return assigned_route(incident.org_id, found.assigned, found.why, default=found.default)


def _delivery(incident: SimpleNamespace, found: RouteRows) -> dict[str, Any]:
    """The trigger's columns, less what needs the incident's id (its dedup key, subject and payload)."""
    severity = rules.severity_mapping(incident.org_id)[incident.severity]
    route = explained_route(incident.org_id, _route(incident, found))
    return new_trigger_values(incident.org_id, "incident", severity, route)


def _payload(incident: SimpleNamespace, delivery: dict[str, Any]) -> None:
    """Complete the delivery once the incident's id is known."""
    delivery["dedup_key"] = incident_key(incident)  # type: ignore[arg-type]
    delivery["subject_type"], delivery["subject_id"] = "incident", incident.id
    delivery["payload"] = content.incident_payload(incident, delivery["severity"])  # type: ignore[arg-type]


def _record_inventory(incident: SimpleNamespace, found: RouteRows) -> None:
    """An incident naming an unknown cluster, namespace or resource adds it (as `record_from_incident` does)."""
    org_id = incident.org_id
    if incident.kind == "kubernetes" and incident.cluster and incident.namespace:
        if found.inventory_id is None:
            ensure_namespace(org_id, incident.cluster, incident.namespace)
    elif incident.kind == "cloud" and incident.provider and incident.resource_id:
        known = found.inventory_id is not None and (incident.resource_type or found.resource_type or "") == (
            found.resource_type
        )
        if not known:  # new, or its type changes
            ensure_resource(org_id, incident.provider, incident.resource_id, incident.resource_type)


def _answer(incident: SimpleNamespace, entries: list[SimpleNamespace], delivery: dict[str, Any] | None) -> dict:
    """The contract's incident, from what was written (as `incident_json` shows it)."""
    lines = list(entries)
    if delivery is not None:
        written = SimpleNamespace(**delivery, attempts=0, delivered_at=None, last_response=None)
        line = delivery_line(written, f"{incident.kind.capitalize()} incident")
        if line is not None:
            lines.append(line)
    return {**incident_fields(incident), "timeline": as_json(sorted(lines, key=lambda entry: entry.at))}
