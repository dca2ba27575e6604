"""Incidents in the sandbox: opened, merged, acknowledged and resolved by Events API events, with v3 webhooks."""

import time
import uuid

from sandbox import v3
from sandbox.sending import send_to_subscribers, subscribers
from sandbox.state import new_id

SEVERITIES = ("critical", "error", "warning", "info")
ACTIONS = ("trigger", "acknowledge", "resolve")
_STATUS_AFTER = {"acknowledge": "acknowledged", "resolve": "resolved"}


iso = v3.iso


def validate_event(body, known_key):
    """PagerDuty's checks on an Events API v2 event: a list of error strings (empty when valid)."""
    if not isinstance(body, dict):
        return ["Event object is invalid"]
    errors = []
    key, action = body.get("routing_key"), body.get("event_action")
    if not isinstance(key, str) or len(key) != 32:
        errors.append("'routing_key' must be a 32 character string" if key else "'routing_key' is missing or blank")
    elif not known_key(key):
        errors.append("Invalid routing key")
    if action not in ACTIONS:
        errors.append("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')")
    dedup = body.get("dedup_key")
    if dedup is not None and (not isinstance(dedup, str) or len(dedup) > 255):
        errors.append("'dedup_key' must be a string of at most 255 characters")
    if action in ("acknowledge", "resolve") and not dedup:
        errors.append("'dedup_key' is missing or blank")
    if action == "trigger":
        errors.extend(_payload_errors(body.get("payload")))
    return errors


def _payload_errors(payload):
    if not isinstance(payload, dict):
        return ["'payload' is missing or invalid"]
    errors = []
    summary = payload.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        errors.append("'payload.summary' is missing or blank")
    elif len(summary) > 1024:
        errors.append("'payload.summary' must be at most 1024 characters")
    if not isinstance(payload.get("source"), str) or not payload["source"].strip():
        errors.append("'payload.source' is missing or blank")
    if payload.get("severity") not in SEVERITIES:
        errors.append(
            "'payload.severity' is invalid (must be one of the following: 'critical', 'error', 'warning' or 'info')"
        )
    return errors


def ingest(state, body, base_url):
    """Apply a valid event: open or merge an incident, or acknowledge/resolve it. Returns the dedup key.

    As PagerDuty does, a new incident sends incident.triggered and a status change incident.acknowledged or
    incident.resolved to the account's subscriptions (the service is the agent), built under the lock so each body
    is the incident as the event left it, and sent on threads of their own, off the request's.
    """
    with state.lock:
        key, action = body["routing_key"], body["event_action"]
        dedup = body.get("dedup_key") or uuid.uuid4().hex
        state.events.append(
            {"received_at": time.time(), "routing_key": key, "dedup_key": dedup, "event_action": action, "body": body}
        )
        incident = _open_incident(state, key, dedup)
        if action == "trigger":
            event = None if incident else "incident.triggered"
            incident = incident or _create_incident(state, key, dedup, body, base_url)
            incident["alerts"].append(
                {
                    "id": new_id(),
                    "alert_key": dedup,
                    "summary": body["payload"]["summary"],
                    "severity": body["payload"]["severity"],
                    "body": body,
                    "created_at": time.time(),
                    "status": "triggered",
                }
            )
            webhook = event and service_webhook(state, incident, event, base_url, incident["created_at"])
        elif incident and set_status(state, incident, _STATUS_AFTER[action], base_url, None):
            changed = f"incident.{incident['status']}"
            webhook = service_webhook(state, incident, changed, base_url, incident["status_changed_at"])
        else:
            webhook = None
    if webhook:
        send_to_subscribers(state, incident, webhook)
    return dedup


def _open_incident(state, routing_key, dedup):
    """The newest unresolved incident of this routing key and alert key (looked up by the two, not by a walk over
    every incident, which cost each event more the longer a run went)."""
    for incident in reversed(state.incidents_by_alert_key.get((routing_key, dedup), ())):
        if incident["status"] != "resolved":
            return incident
    return None


def _create_incident(state, routing_key, dedup, body, base_url):
    state.incident_numbers += 1
    service_id = state.key_to_service[routing_key]
    incident = {
        "id": new_id(),
        "number": state.incident_numbers,
        "title": body["payload"]["summary"],
        "status": "triggered",
        "incident_key": dedup,
        "alert_key": dedup,
        "routing_key": routing_key,
        "service_id": service_id,
        "urgency": "high" if body["payload"]["severity"] in ("critical", "error") else "low",
        "created_at": time.time(),
        "updated_at": time.time(),
        "alerts": [],
        "notes": [],
        "log": [],
        "acknowledgements": [],
        "status_changed_at": None,
        "status_changed_by": None,
        "priority": None,
        "escalation_level": 1,
    }
    account = state.account_for_service(service_id)
    incident["assignees"] = [account.users[0]["id"]] if account and account.users else []
    incident["html_url"] = f"{base_url}/incidents/{incident['id']}"
    state.incidents[incident["id"]] = incident
    state.incidents_by_alert_key.setdefault((routing_key, dedup), []).append(incident)
    return incident


def change_status(state, incident, status, base_url, agent=None, notify=True, sync=False):
    """Acknowledge or resolve an incident by `agent` (a user, else the account's first); with notify, send
    incident.<status> webhooks to its account."""
    with state.lock:
        account = state.account_for_service(incident["service_id"])
        agent = agent or (_first_user(account) if account else None)
        if not set_status(state, incident, status, base_url, agent) or not (notify and account):
            return []
        event = webhook_event(state, incident, f"incident.{status}", base_url, agent or _first_user(account))
    return send_to_subscribers(state, incident, event, sync)


def set_status(state, incident, status, base_url, agent):
    """Acknowledge or resolve an incident, by `agent` (a user) or, with None, through the Events API (the service is
    the agent then); whether it changed (a resolved incident stays resolved)."""
    with state.lock:
        if incident["status"] == "resolved" or incident["status"] == status:
            return False
        now = time.time()
        by = _user_reference(agent, base_url) if agent else _service_reference(state, incident, base_url)
        incident["status"], incident["updated_at"] = status, now
        incident["status_changed_at"], incident["status_changed_by"] = now, by
        incident["acknowledgements"] = [{"at": now, "acknowledger": by}] if status == "acknowledged" else []
        return True


def service_webhook(state, incident, event_type, base_url, occurred_at):
    """The v3 body of a change made through the Events API (its agent: the service), at PagerDuty's time of it; None
    when no subscription would take it, so an account without one pays nothing for it."""
    if not subscribers(state, incident, event_type):
        return None
    data = v3.incident_data(state, incident, base_url)
    return v3.envelope(event_type, data, _service_reference(state, incident, base_url), occurred_at)


def _first_user(account):
    return (
        account.users[0]
        if account.users
        else {"id": "PSANDBX", "name": "Sandbox Responder", "email": account.user_email}
    )


def _user_reference(user, base_url):
    return v3.user_reference(user, base_url)


def _service_reference(state, incident, base_url):
    account = state.account_for_service(incident["service_id"])
    service = (account.services if account else {}).get(incident["service_id"], {"name": "Deleted"})
    return {
        "id": incident["service_id"],
        "type": "service_reference",
        "summary": service["name"],
        "self": f"{base_url}/services/{incident['service_id']}",
        "html_url": f"{base_url}/service-directory/{incident['service_id']}",
    }


def incident_object(state, incident, base_url):
    """An incident as PagerDuty's REST API and webhooks show it."""
    account = state.account_for_service(incident["service_id"])
    service = (
        account.services.get(incident["service_id"], {"id": incident["service_id"], "name": "Deleted"})
        if account
        else {}
    )
    return (
        {
            "id": incident["id"],
            "type": "incident",
            "summary": f"[#{incident['number']}] {incident['title']}",
            "self": f"{base_url}/incidents/{incident['id']}",
            "html_url": incident["html_url"],
            "incident_number": incident["number"],
            "number": incident["number"],
            "title": incident["title"],
            "status": incident["status"],
            "incident_key": incident["incident_key"],
            "urgency": incident["urgency"],
            "created_at": iso(incident["created_at"]),
            "updated_at": iso(incident["updated_at"]),
            "service": {
                "id": service.get("id"),
                "type": "service_reference",
                "summary": service.get("name"),
                "self": f"{base_url}/services/{service.get('id')}",
                "html_url": f"{base_url}/service-directory/{service.get('id')}",
            },
            "assignments": [
                {"at": iso(incident["created_at"]), "assignee": v3.user_reference(user, base_url)}
                for user in v3.assigned_users(state, incident)
            ],
            "assigned_via": "escalation_policy",
            "last_status_change_at": iso(incident.get("status_changed_at") or incident["updated_at"]),
            "alert_counts": {
                "all": len(incident["alerts"]),
                "triggered": sum(1 for _ in incident["alerts"]) if incident["status"] != "resolved" else 0,
                "resolved": len(incident["alerts"]) if incident["status"] == "resolved" else 0,
            },
            "escalation_policy": {"id": "PESCPOL", "type": "escalation_policy_reference", "summary": "Default"},
            "teams": [],
            "pending_actions": [],
            "acknowledgements": [
                {"at": iso(a["at"]), "acknowledger": a["acknowledger"]} for a in incident.get("acknowledgements", [])
            ],
            "is_mergeable": True,
        }
        | _status_change(incident)
        | _priority(incident, base_url)
    )


def _priority(incident, base_url):
    """PagerDuty's file does not let `priority` be null: an incident without one leaves it out."""
    priority = v3.priority_reference(incident.get("priority"), base_url)
    return {"priority": priority} if priority else {}


def _status_change(incident):
    """Who last changed the status, and when it was resolved: PagerDuty leaves them out until they happen."""
    extra = {"last_status_change_by": incident["status_changed_by"]} if incident.get("status_changed_by") else {}
    if incident["status"] == "resolved" and incident.get("status_changed_at"):
        extra["resolved_at"] = iso(incident["status_changed_at"])
    return extra


def webhook_event(state, incident, event_type, base_url, agent):
    """A v3 webhook body for an incident event, as PagerDuty documents it (agent: a user, or None)."""
    reference = v3.user_reference(agent, base_url) if agent else None
    return v3.envelope(event_type, v3.incident_data(state, incident, base_url), reference)
