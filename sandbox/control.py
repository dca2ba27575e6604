"""The sandbox's own page (incidents with Acknowledge and Resolve) and its JSON test controls under /_sandbox."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from sandbox import incidents as inc
from sandbox import sending
from sandbox.asgi import ANSWERED_LATE
from sandbox.demo import DEMO_SEED

ui = Blueprint("ui", __name__, template_folder="templates")
control = Blueprint("control", __name__, url_prefix="/_sandbox")


def state():
    return current_app.config["SANDBOX_STATE"]


def base_url():
    return request.host_url.rstrip("/")


@ui.get("/")
def home():
    """Incidents, newest first, with buttons; and the latest events and webhooks."""
    with state().lock:
        incidents = [
            inc.incident_object(state(), i, base_url())
            | {"alert_total": len(i["alerts"]), "users": _users(i), "escalation_level": i.get("escalation_level", 1)}
            for i in reversed(list(state().incidents.values()))
        ][:200]
        events = list(reversed(state().events[-30:]))
        webhooks = list(reversed(state().webhook_deliveries[-30:]))
    return render_template("sandbox.html", incidents=incidents, events=events, webhooks=webhooks)


def _users(incident):
    account = state().account_for_service(incident["service_id"])
    return list(account.users) if account else []


@ui.post("/ui/incidents/<incident_id>/<action>")
def act(incident_id, action):
    """The Acknowledge and Resolve buttons: change the incident and send signed v3 webhooks."""
    apply_action(incident_id, action, sync=False)
    return redirect(url_for("ui.home"))


def apply_action(incident_id, action, sync, agent_id=None, notify=True):
    incident = state().incidents.get(incident_id)
    if incident is None or action not in ("acknowledge", "resolve"):
        return None
    account = state().account_for_service(incident["service_id"])
    agent = next((u for u in (account.users if account else []) if u["id"] == agent_id), None)
    status = "acknowledged" if action == "acknowledge" else "resolved"
    return inc.change_status(state(), incident, status, base_url(), agent=agent, sync=sync, notify=notify)


@control.post("/incidents/<incident_id>/<action>")
def control_act(incident_id, action):
    """Acknowledge or resolve by API (?sync=1 waits for the webhooks; ?webhook=0 sends none, as when PagerDuty gave
    up on a webhook); returns the webhook outcomes."""
    records = apply_action(
        incident_id,
        action,
        request.args.get("sync") == "1",
        (request.get_json(silent=True) or {}).get("user_id"),
        notify=request.args.get("webhook") != "0",
    )
    if records is None:
        return jsonify(error="no such incident or action"), 404
    return jsonify(webhooks=[sending.outcome(r) for r in records])


@control.post("/reset")
def reset():
    state().reset(request.get_json(silent=True, force=True).get("events_per_minute") if request.data else None)
    return jsonify(ok=True)


@control.post("/seed")
def seed():
    document = request.get_json(silent=True) or DEMO_SEED
    accounts = state().seed(document)
    return jsonify(
        accounts=[
            {
                "api_token": a.api_token,
                "services": [
                    {
                        "id": s["id"],
                        "name": s["name"],
                        "integration_keys": [i["integration_key"] for i in s["integrations"]],
                    }
                    for s in a.services.values()
                ],
            }
            for a in accounts
        ]
    )


@control.get("/events")
def events():
    found = state().received_events(request.args.get("routing_key"), request.args.get("dedup_key"))
    fields = ("received_at", "routing_key", "dedup_key", "event_action") + (
        () if request.args.get("brief") else ("body",)
    )
    return jsonify(
        events=[{k: e[k] for k in fields} for e in found],
        throttled=state().throttled,
        most_waiting=state().most_waiting,
        hung=state().hung,
    )


@control.get("/incidents")
def incidents():
    with state().lock:
        return jsonify(incidents=[inc.incident_object(state(), i, base_url()) for i in state().incidents.values()])


@control.get("/notes")
def notes():
    with state().lock:
        return jsonify(notes=list(state().notes))


@control.get("/webhook_deliveries")
def webhook_deliveries():
    with state().lock:
        return jsonify(webhook_deliveries=[sending.outcome(r) for r in state().webhook_deliveries])


@control.route("/faults", methods=["POST", "DELETE"])
def faults():
    if request.method == "DELETE":
        state().clear_faults()
        return jsonify(ok=True)
    spec = request.get_json(silent=True) or {}
    state().add_fault(
        str(spec.get("mode", "500")),
        spec.get("count"),
        spec.get("retry_after", 1),
        spec.get("delay", 0.0),
        spec.get("scope", "all"),
    )
    return jsonify(ok=True)


@control.post("/config")
def config():
    """Set the per-key events limit (None: unlimited) and the answer time of every call, in ms; either or both."""
    spec = request.get_json(silent=True) or {}
    with state().lock:
        if "events_per_minute" in spec:
            state().events_per_minute = spec["events_per_minute"]
        if "latency_ms" in spec:
            state().latency_ms = float(spec["latency_ms"] or 0)
    return jsonify(events_per_minute=state().events_per_minute, latency_ms=state().latency_ms)


@control.before_app_request
def answer_late():
    """PagerDuty's calls (not the sandbox's own page and controls) answer after the injected latency (once: an event
    the ASGI front has held for it already is not held again)."""
    own = request.blueprint in ("control", "ui", "story", "story_ui") or request.path.startswith("/static")
    if own or request.environ.get("asgi.scope", {}).get(ANSWERED_LATE):
        return
    state().answer_late()
