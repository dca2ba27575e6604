"""The sandbox's REST incident endpoints: list, read, alerts, notes."""

import time

from flask import jsonify, request

from sandbox import incidents as inc
from sandbox import sending, v3
from sandbox.api import account, base_url, bp, page, rest_error, state
from sandbox.oncall import parse_time
from sandbox.state import new_id

MONTH = 30 * 24 * 3600


def account_incidents():
    """The incidents on this account's services, oldest first."""
    services = account().services
    return [i for i in state().incidents.values() if i["service_id"] in services]


@bp.get("/incidents")
def list_incidents():
    key = request.args.get("incident_key")
    statuses = request.args.getlist("statuses[]")
    service_ids = request.args.getlist("service_ids[]")
    since, until = created_window(request.args)
    found = [
        i
        for i in account_incidents()
        if (not key or key in keys_of(i))
        and (not statuses or i["status"] in statuses)
        and (not service_ids or i["service_id"] in service_ids)
        and since <= i["created_at"] <= until
    ]
    if "created_at:desc" in ",".join(request.args.getlist("sort_by")):
        found.reverse()
    return page([inc.incident_object(state(), i, base_url()) for i in found], "incidents")


def keys_of(incident):
    """Querying by incident key also finds incidents whose alerts carry that alert key (grouped incidents)."""
    return {incident["incident_key"], *(a["alert_key"] for a in incident["alerts"])}


def created_window(args):
    """PagerDuty lists the last month's incidents unless `since`/`until` say otherwise or `date_range=all`."""
    now = time.time()
    if args.get("date_range") == "all":
        return 0, float("inf")
    since = parse_time(args.get("since"), now - MONTH)
    until = parse_time(args.get("until"), now)
    return (since if since is not None else now - MONTH), (until if until is not None else now)


def find_incident(incident_id):
    incident = state().incidents.get(incident_id)
    return incident if incident and incident["service_id"] in account().services else None


@bp.get("/incidents/<incident_id>")
def get_incident(incident_id):
    incident = find_incident(incident_id)
    if incident is None:
        return rest_error(404, "Not Found", 2100)
    return jsonify(incident=inc.incident_object(state(), incident, base_url()))


@bp.get("/incidents/<incident_id>/alerts")
def list_alerts(incident_id):
    incident = find_incident(incident_id)
    if incident is None:
        return rest_error(404, "Not Found", 2100)
    alerts = [
        {
            "id": a["id"],
            "type": "alert",
            "summary": a["summary"],
            "alert_key": a["alert_key"],
            "status": incident["status"] if incident["status"] == "resolved" else "triggered",
            "severity": a["severity"],
            "created_at": inc.iso(a["created_at"]),
            "self": f"{base_url()}/incidents/{incident_id}/alerts/{a['id']}",
            "html_url": f"{base_url()}/alerts/{a['id']}",
            "body": {"details": a["body"].get("payload", {})},
            "incident": {"id": incident_id, "type": "incident_reference"},
        }
        for a in incident["alerts"]
    ]
    return page(alerts, "alerts")


@bp.post("/incidents/<incident_id>/notes")
def create_note(incident_id):
    incident = find_incident(incident_id)
    if incident is None:
        return rest_error(404, "Not Found", 2100)
    sender = (request.headers.get("From") or "").lower()
    user = next((u for u in account().users if u["email"].lower() == sender), None)
    if not sender or (user is None and sender != account().user_email.lower()):
        return rest_error(400, "Invalid Input Provided", 2001, ["A valid 'From' header is required"])
    content = ((request.get_json(silent=True) or {}).get("note") or {}).get("content")
    if not isinstance(content, str) or not content.strip():
        return rest_error(400, "Invalid Input Provided", 2001, ["Note content is required"])
    note = {
        "id": new_id(),
        "incident_id": incident_id,
        "content": content,
        "created_at": time.time(),
        "user": {"id": (user or {}).get("id", "PME0001"), "type": "user_reference", "summary": sender},
    }
    with state().lock:
        incident["notes"].append(note)
        state().notes.append(note)
    # PagerDuty tells every subscription about the note, the API caller's own included (PagerBridge sees its echo).
    reference = v3.user_reference(user, base_url()) if user else note["user"]
    sending.send_to_subscribers(
        state(), incident, v3.envelope("incident.annotated", v3.note_data(incident, note, base_url()), reference)
    )
    return jsonify(note=note_object(note))  # 200, as PagerDuty documents (not 201)


@bp.get("/incidents/<incident_id>/notes")
def list_notes(incident_id):
    incident = find_incident(incident_id)
    if incident is None:
        return rest_error(404, "Not Found", 2100)
    return jsonify(notes=[note_object(n) for n in incident["notes"]])


def note_object(note):
    return {
        "id": note["id"],
        "content": note["content"],
        "created_at": inc.iso(note["created_at"]),
        "user": note["user"],
        "channel": {"summary": "The PagerDuty API"},
    }
