"""Runtime incidents: created (idempotently by external id), moved and resolved; pages and the API call these."""

from webapp.alerts import events
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.incidents import creating
from webapp.incidents.shape import incident_fields
from webapp.models import Incident
from webapp.models.incident import INCIDENT_KINDS, INCIDENT_SEVERITIES, INCIDENT_STATUSES
from webapp.models.types import utcnow
from webapp.tenancy import contains_any, get_in_org
from webapp.timeline import add_entry, as_json, entries_for

UPDATABLE = ("status", "severity", "root_cause", "affected_resources", "remediation_steps")


def get_incident(org_id, incident_id):
    """The org's incident, or NotFound."""
    return get_in_org(Incident, org_id, incident_id, "incident")


def by_external_id(org_id, external_id):
    """The incident a detector already sent with this external id, if any."""
    if not external_id:
        return None
    return db.session.scalar(db.select(Incident).filter_by(org_id=org_id, external_id=external_id))


def create_incident(org_id, fields, actor=None):
    """Record an incident (or return the existing one for a repeated external_id); returns (incident, created)."""
    incident_id, answer = create_answer(org_id, fields, actor)
    if answer is None:
        return by_external_id(org_id, fields.get("external_id")), False
    return db.session.get_one(Incident, incident_id), True


def create_answer(org_id, fields, actor=None, read=None):
    """Record an incident and commit; returns (its id, the API's answer), or (None, None) for a repeated external_id."""
    incident_id, answer = creating.create(org_id, fields, actor, read)
    if answer is None:  # a detector sent this external_id before (or is sending it right now)
        return None, None
    db.session.commit()
    return incident_id, answer


def update_incident(org_id, incident_id, changes, actor=None):
    """Apply changes; each shows on the timeline, progress reaches PagerDuty, resolving resolves it there."""
    incident = get_incident(org_id, incident_id)
    if changes.get("status") and changes["status"] not in INCIDENT_STATUSES:
        raise DomainError("Unknown status.", fields={"status": f"one of {', '.join(INCIDENT_STATUSES)}"})
    if changes.get("severity") and changes["severity"] not in INCIDENT_SEVERITIES:
        raise DomainError("Unknown severity.", fields={"severity": f"one of {', '.join(INCIDENT_SEVERITIES)}"})
    changed = [name for name in UPDATABLE if name in changes and changes[name] != getattr(incident, name)]
    for name in changed:
        setattr(incident, name, changes[name])
        add_entry(incident, f"incident.{name}", _describe(name, changes[name]), actor)
    if not changed:
        return incident
    if "status" in changed and incident.status == "resolved":
        incident.resolved_at = utcnow()
        events.on_incident_resolved(incident)
    else:
        events.on_incident_updated(incident, changed)
    db.session.commit()
    return incident


def _describe(name, value):
    if name == "status":
        return f"Status changed to {value}."
    if name == "severity":
        return f"Severity changed to {value}."
    text = "; ".join(value) if isinstance(value, list) else str(value)
    return f"{name.replace('_', ' ').capitalize()} updated: {text[:500]}"


def search(org_id, q=None, kind=None, status=None, severity=None):
    """A filtered query of the org's incidents, newest first."""
    query = db.select(Incident).filter_by(org_id=org_id)
    if q:
        query = query.where(contains_any(q, Incident.title, Incident.cluster, Incident.namespace, Incident.resource_id))
    if kind in INCIDENT_KINDS:
        query = query.filter_by(kind=kind)
    if status == "open":
        query = query.where(Incident.status != "resolved")
    elif status in INCIDENT_STATUSES:
        query = query.filter_by(status=status)
    if severity in INCIDENT_SEVERITIES:
        query = query.filter_by(severity=severity)
    return query.order_by(Incident.id.desc())


def incident_json(incident, timeline=True):
    """The contract's incident shape (without reading the timeline when `timeline` is false)."""
    body = incident_fields(incident)
    if timeline:
        body["timeline"] = as_json(entries_for(incident))
    return body
