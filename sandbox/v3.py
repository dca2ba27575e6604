"""PagerDuty's v3 webhook bodies as the sandbox sends them: the incident shape, a note's shape, the envelope."""

import time
from datetime import UTC, datetime

from sandbox.state import new_id

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")


def iso(epoch):
    """Seconds since the epoch as PagerDuty's ISO 8601 UTC timestamp."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def user_reference(user, base_url):
    """A user as PagerDuty references one."""
    return {
        "id": user["id"],
        "type": "user_reference",
        "summary": user["name"],
        "self": f"{base_url}/users/{user['id']}",
        "html_url": f"{base_url}/users/{user['id']}",
    }


def priority_reference(name, base_url):
    """A priority as PagerDuty references one (its name is the summary), or None."""
    if not name:
        return None
    return {
        "id": f"PPRIO{name[-1]}",
        "type": "priority_reference",
        "summary": name,
        "self": f"{base_url}/priorities/PPRIO{name[-1]}",
        "html_url": f"{base_url}/account/incident_priorities",
    }


def assigned_users(state, incident):
    """The account's users assigned to the incident now (nobody once it is resolved)."""
    if incident["status"] == "resolved":
        return []
    account = state.account_for_service(incident["service_id"])
    users = {user["id"]: user for user in (account.users if account else [])}
    return [users[user_id] for user_id in incident.get("assignees", []) if user_id in users]


def incident_data(state, incident, base_url):
    """The incident in a v3 webhook's `data`: assignees (not assignments), priority, urgency."""
    account = state.account_for_service(incident["service_id"])
    service = (account.services if account else {}).get(incident["service_id"], {"name": "Deleted"})
    return {
        "id": incident["id"],
        "type": "incident",
        "self": f"{base_url}/incidents/{incident['id']}",
        "html_url": incident["html_url"],
        "number": incident["number"],
        "status": incident["status"],
        "incident_key": incident["incident_key"],
        "created_at": iso(incident["created_at"]),
        "title": incident["title"],
        "service": {
            "id": incident["service_id"],
            "type": "service_reference",
            "summary": service.get("name"),
            "self": f"{base_url}/services/{incident['service_id']}",
            "html_url": f"{base_url}/service-directory/{incident['service_id']}",
        },
        "assignees": [user_reference(user, base_url) for user in assigned_users(state, incident)],
        "escalation_policy": {"id": "PESCPOL", "type": "escalation_policy_reference", "summary": "Default"},
        "teams": [],
        "priority": priority_reference(incident.get("priority"), base_url),
        "urgency": incident["urgency"],
        "conference_bridge": None,
        "resolve_reason": None,
    }


def note_data(incident, note, base_url):
    """A note in an incident.annotated webhook's `data`: the note, naming its incident by reference."""
    return {
        "incident": {
            "id": incident["id"],
            "type": "incident_reference",
            "summary": incident["title"],
            "self": f"{base_url}/incidents/{incident['id']}",
            "html_url": incident["html_url"],
        },
        "id": note["id"],
        "content": note["content"],
        "trimmed": False,
        "type": "incident_note",
    }


def envelope(event_type, data, agent, occurred_at=None):
    """The v3 webhook body: one event, with who did it (a reference, or None) and when."""
    moment = datetime.fromtimestamp(occurred_at or time.time(), UTC)
    return {
        "event": {
            "id": new_id(),
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "agent": agent,
            "client": None,
            "data": data,
        }
    }
