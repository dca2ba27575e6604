"""The rest of an incident's story in the sandbox: unacknowledge (an acknowledgement timing out), reopen, notes,
reassign, escalate, priority and urgency, each sending the v3 webhook PagerDuty sends (urgency sends none)."""

import contextlib
import time

from flask import Blueprint, current_app, jsonify, redirect, request, url_for

from sandbox import incidents as inc
from sandbox import sending, v3
from sandbox.state import new_id

story = Blueprint("story", __name__, url_prefix="/_sandbox")
story_ui = Blueprint("story_ui", __name__)
ACTIONS = ("unacknowledge", "reopen", "note", "reassign", "escalate", "priority", "urgency")


class Refused(ValueError):
    """The action does not apply to the incident as it stands."""


def _user(account, user_id):
    users = account.users if account else []
    return next((u for u in users if u["id"] == user_id), None)


def act(state, incident, action, spec, base_url, sync=False, notify=True):
    """Apply one story action to an incident; the webhook records sent. Raises Refused when it does not apply."""
    with state.lock:
        account = state.account_for_service(incident["service_id"])
        agent = _user(account, spec.get("user_id")) or (inc._first_user(account) if account else None)
        event = _change(state, incident, action, spec, account, agent, base_url)
        incident["updated_at"] = time.time()
    if event is None or not notify:
        return []
    return sending.send_to_subscribers(state, incident, event, sync)


def _change(state, incident, action, spec, account, agent, base_url):
    status = incident["status"]
    if action == "unacknowledge":
        _require(status == "acknowledged", "only an acknowledged incident can be unacknowledged")
        _set_status(incident, "triggered", None)
        # An acknowledgement timing out is PagerDuty's doing: no user is the agent, unless one is named.
        chosen = _user(account, spec.get("user_id"))
        return _event(state, incident, "incident.unacknowledged", chosen, base_url)
    if action == "reopen":
        _require(status == "resolved", "only a resolved incident can be reopened")
        _set_status(incident, "triggered", v3.user_reference(agent, base_url) if agent else None)
        incident["escalation_level"] = 1
        incident["assignees"] = [account.users[0]["id"]] if account and account.users else []
        return _event(state, incident, "incident.reopened", agent, base_url)
    if action == "note":
        content = spec.get("content")
        _require(isinstance(content, str) and content.strip(), "a note needs content")
        return annotate(state, incident, content, v3.user_reference(agent, base_url) if agent else None, base_url)
    _require(status != "resolved", "a resolved incident cannot be changed")
    if action == "reassign":
        ids = [u["id"] for u in (account.users if account else []) if u["id"] in (spec.get("user_ids") or [])]
        _require(ids, "name at least one user of the account to assign")
        incident["assignees"] = ids
        return _event(state, incident, "incident.reassigned", agent, base_url)
    if action == "escalate":
        users = account.users if account else []
        incident["escalation_level"] = incident.get("escalation_level", 1) + 1
        if users:
            incident["assignees"] = [users[(incident["escalation_level"] - 1) % len(users)]["id"]]
        return _event(state, incident, "incident.escalated", None, base_url)
    if action == "priority":
        priority = spec.get("priority") or None
        _require(priority in (None, *v3.PRIORITIES), f"priority is one of {', '.join(v3.PRIORITIES)} or null")
        incident["priority"] = priority
        return _event(state, incident, "incident.priority_updated", agent, base_url)
    if action == "urgency":
        _require(spec.get("urgency") in ("high", "low"), "urgency is high or low")
        incident["urgency"] = spec["urgency"]
        return None  # PagerDuty sends no webhook of its own for this: the next event, or a read, shows it
    raise Refused(f"no such action: {action}")


def _require(condition, message):
    if not condition:
        raise Refused(message)


def _set_status(incident, status, by):
    now = time.time()
    incident["status"], incident["status_changed_at"], incident["status_changed_by"] = status, now, by
    incident["acknowledgements"] = []


def _event(state, incident, event_type, agent, base_url):
    return inc.webhook_event(state, incident, event_type, base_url, agent)


def annotate(state, incident, content, user_reference, base_url):
    """Store a note on the incident and return its incident.annotated webhook body."""
    note = {"id": new_id(), "incident_id": incident["id"], "content": content, "created_at": time.time()}
    note["user"] = user_reference or {"id": "PSANDBX", "type": "user_reference", "summary": "Sandbox Responder"}
    with state.lock:
        incident["notes"].append(note)
        state.notes.append(note)
    return v3.envelope("incident.annotated", v3.note_data(incident, note, base_url), user_reference)


def _state():
    return current_app.config["SANDBOX_STATE"]


@story.post("/incidents/<incident_id>/story/<action>")
def control_act(incident_id, action):
    """A story action by API: JSON {user_id?, content?, user_ids?, priority?, urgency?}; ?sync=1 waits for the
    webhooks, ?webhook=0 sends none (a lost webhook). Returns the webhook outcomes, or 404/409 with the reason."""
    incident = _state().incidents.get(incident_id)
    if incident is None or action not in ACTIONS:
        return jsonify(error="no such incident or action"), 404
    try:
        records = act(
            _state(),
            incident,
            action,
            request.get_json(silent=True) or {},
            request.host_url.rstrip("/"),
            sync=request.args.get("sync") == "1",
            notify=request.args.get("webhook") != "0",
        )
    except Refused as refused:
        return jsonify(error=str(refused)), 409
    return jsonify(webhooks=[sending.outcome(r) for r in records])


@story_ui.post("/ui/incidents/<incident_id>/story/<action>")
def ui_act(incident_id, action):
    """The sandbox page's buttons for the same actions (form fields as the JSON above)."""
    incident = _state().incidents.get(incident_id)
    if incident is not None and action in ACTIONS:
        spec = {key: request.form.get(key) for key in ("content", "priority", "urgency", "user_id")}
        spec["user_ids"] = request.form.getlist("user_ids")
        with contextlib.suppress(Refused):
            act(_state(), incident, action, spec, request.host_url.rstrip("/"))
    return redirect(url_for("ui.home"))
