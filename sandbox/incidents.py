"""Incidents in the sandbox: opened, merged, acknowledged and resolved by Events API events, with v3 webhooks."""

import hashlib
import hmac
import json
import threading
import time
import uuid

import requests

from sandbox import v3
from sandbox.state import new_id

SEVERITIES = ("critical", "error", "warning", "info")
ACTIONS = ("trigger", "acknowledge", "resolve")


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
    """Apply a valid event: open or merge an incident, or acknowledge/resolve it. Returns the dedup key."""
    with state.lock:
        key, action = body["routing_key"], body["event_action"]
        dedup = body.get("dedup_key") or uuid.uuid4().hex
        state.events.append(
            {"received_at": time.time(), "routing_key": key, "dedup_key": dedup, "event_action": action, "body": body}
        )
        incident = _open_incident(state, key, dedup)
        if action == "trigger":
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
        elif incident:
            change_status(
                state,
                incident,
                "acknowledged" if action == "acknowledge" else "resolved",
                base_url,
                notify=False,
                via_events_api=True,
            )
        return dedup


def _open_incident(state, routing_key, dedup):
    for incident in reversed(list(state.incidents.values())):
        if (
            incident["routing_key"] == routing_key
            and incident["alert_key"] == dedup
            and incident["status"] != "resolved"
        ):
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
    return incident


def change_status(state, incident, status, base_url, agent=None, notify=True, sync=False, via_events_api=False):
    """Acknowledge or resolve an incident, by `agent` (a user, else the account's first) or through the Events API
    (the service is the agent then); with notify, send incident.<status> webhooks to its account."""
    with state.lock:
        if incident["status"] == "resolved" or incident["status"] == status:
            return []
        account = state.account_for_service(incident["service_id"])
        now = time.time()
        agent = None if via_events_api else agent or (_first_user(account) if account else None)
        by = _user_reference(agent, base_url) if agent else _service_reference(state, incident, base_url)
        incident["status"], incident["updated_at"] = status, now
        incident["status_changed_at"], incident["status_changed_by"] = now, by
        incident["acknowledgements"] = [{"at": now, "acknowledger": by}] if status == "acknowledged" else []
        if not (notify and account):
            return []
        event = webhook_event(state, incident, f"incident.{status}", base_url, agent or _first_user(account))
    return send_to_subscribers(state, incident, event, sync)


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


def send_to_subscribers(state, incident, event, sync=False):
    """Send a webhook body to every active subscription of the incident's account that lists its event type."""
    with state.lock:
        account = state.account_for_service(incident["service_id"])
        event_type = event["event"]["event_type"]
        targets = [
            s
            for s in (account.subscriptions if account else [])
            if event_type in s["events"] and s["active"] and not s.get("temporarily_disabled")
        ]
    return [send_webhook(state, sub, event, sync) for sub in targets]


def outcome(record):
    """A sent webhook as the control endpoints report it: where, how it went, and PagerDuty's time and agent."""
    event = record["body"]["event"]
    brief = {k: record[k] for k in ("url", "status", "webhook_id", "event_type")}
    return brief | {"occurred_at": event["occurred_at"], "agent": (event.get("agent") or {}).get("summary")}


def sign(secret, raw_body):
    """The X-PagerDuty-Signature value for a body."""
    return "v1=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def send_webhook(state, subscription, event, sync=False):
    """POST a signed webhook to a subscription (in a thread unless sync); the outcome is recorded."""
    raw = json.dumps(event).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "PagerDuty-Webhook/V3.0",
        "X-Webhook-Id": str(uuid.uuid4()),
        "X-Webhook-Subscription": subscription["id"],
        "X-PagerDuty-Signature": sign(subscription["secret"], raw),
    }
    record = {
        "subscription_id": subscription["id"],
        "url": subscription["url"],
        "webhook_id": headers["X-Webhook-Id"],
        "event_type": event["event"]["event_type"],
        "status": None,
        "sent_at": time.time(),
        "body": event,
    }

    def deliver():
        try:
            record["status"] = requests.post(subscription["url"], data=raw, headers=headers, timeout=5).status_code
        except requests.RequestException as exc:
            record["status"] = f"error: {type(exc).__name__}"
        _count_outcome(state, subscription, record["status"])

    with state.lock:
        state.webhook_deliveries.append(record)
    if sync:
        deliver()
    else:
        threading.Thread(target=deliver, daemon=True).start()
    return record


def _count_outcome(state, subscription, status):
    """PagerDuty disables a subscription after 3 dropped deliveries in a row (it does not retry here)."""
    with state.lock:
        ok = isinstance(status, int) and 200 <= status < 300
        subscription["failures"] = 0 if ok else subscription.get("failures", 0) + 1
        if subscription["failures"] >= 3:
            subscription["temporarily_disabled"] = True
