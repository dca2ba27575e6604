"""The sandbox's webhook subscription endpoints, and the controls tests use to break things."""

import secrets

from flask import Blueprint, jsonify, request

from sandbox.api import account, bp, page, rest_error, state
from sandbox.state import new_id

controls = Blueprint("subscription_controls", __name__, url_prefix="/_sandbox")


@bp.post("/webhook_subscriptions")
def create_subscription():
    spec = (request.get_json(silent=True) or {}).get("webhook_subscription") or {}
    method = spec.get("delivery_method") or {}
    if method.get("type") != "http_delivery_method" or not method.get("url") or not spec.get("events"):
        return rest_error(400, "Invalid Input Provided", 2001, ["delivery_method.url and events are required"])
    subscription = {
        "id": new_id(),
        "url": method["url"],
        "events": list(spec["events"]),
        "secret": secrets.token_urlsafe(48),
        "active": True,
        "description": spec.get("description", ""),
        "filter": spec.get("filter") or {"type": "account_reference"},
    }
    with state().lock:
        account().subscriptions.append(subscription)
    return jsonify(webhook_subscription=subscription_object(subscription, with_secret=True))  # 200, as documented


@bp.get("/webhook_subscriptions")
def list_subscriptions():
    """All subscriptions, or those whose filter is the given account, service or team."""
    kind, target = request.args.get("filter_type"), request.args.get("filter_id")
    if kind not in (None, "account", "service", "team") or (kind in ("service", "team") and not target):
        return rest_error(400, "Invalid Input Provided", 2001, ["filter_id is required for service and team filters"])
    chosen = [
        s
        for s in account().subscriptions
        if kind is None
        or (s["filter"].get("type") == f"{kind}_reference" and (kind == "account" or s["filter"].get("id") == target))
    ]
    return page([subscription_object(s) for s in chosen], "webhook_subscriptions")


def subscription_object(subscription, with_secret=False):
    return {
        "id": subscription["id"],
        "type": "webhook_subscription",
        "active": subscription["active"],
        "description": subscription["description"],
        "events": subscription["events"],
        "filter": subscription["filter"],
        "delivery_method": {
            "id": subscription["id"] + "D",
            "type": "http_delivery_method",
            "url": subscription["url"],
            "temporarily_disabled": subscription.get("temporarily_disabled", False),
            "custom_headers": [],
            "secret": subscription["secret"] if with_secret else None,
        },
    }


def _subscription(subscription_id):
    return next((s for s in account().subscriptions if s["id"] == subscription_id), None)


@bp.get("/webhook_subscriptions/<subscription_id>")
def get_subscription(subscription_id):
    """One subscription (its secret is never shown again)."""
    subscription = _subscription(subscription_id)
    if subscription is None:
        return rest_error(404, "Not Found", 2100)
    return jsonify(webhook_subscription=subscription_object(subscription))


@bp.put("/webhook_subscriptions/<subscription_id>")
def update_subscription(subscription_id):
    """Change description, events, filter or active."""
    subscription = _subscription(subscription_id)
    if subscription is None:
        return rest_error(404, "Not Found", 2100)
    spec = (request.get_json(silent=True) or {}).get("webhook_subscription")
    if not isinstance(spec, dict):
        return rest_error(400, "Invalid Input Provided", 2001, ["webhook_subscription is required"])
    if "events" in spec and (not isinstance(spec["events"], list) or not spec["events"]):
        return rest_error(400, "Invalid Input Provided", 2001, ["events must list at least one event type"])
    if "active" in spec and not isinstance(spec["active"], bool):
        return rest_error(400, "Invalid Input Provided", 2001, ["active must be a boolean"])
    with state().lock:
        for name in ("description", "events", "filter", "active"):
            if name in spec:
                subscription[name] = spec[name]
    return jsonify(webhook_subscription=subscription_object(subscription))


@bp.delete("/webhook_subscriptions/<subscription_id>")
def delete_subscription(subscription_id):
    """Delete a subscription: 204, no body."""
    subscription = _subscription(subscription_id)
    if subscription is None:
        return rest_error(404, "Not Found", 2100)
    with state().lock:
        account().subscriptions.remove(subscription)
    return "", 204


@bp.post("/webhook_subscriptions/<subscription_id>/enable")
def enable_subscription(subscription_id):
    """Re-enable a subscription PagerDuty disabled after failed deliveries."""
    subscription = _subscription(subscription_id)
    if subscription is None:
        return rest_error(404, "Not Found", 2100)
    with state().lock:
        subscription["temporarily_disabled"], subscription["failures"] = False, 0
    return jsonify(webhook_subscription=subscription_object(subscription))


def _find(subscription_id):
    for each in state().accounts.values():
        for subscription in each.subscriptions:
            if subscription["id"] == subscription_id:
                return subscription
    return None


@controls.post("/webhook_subscriptions/<subscription_id>/disable")
def disable(subscription_id):
    """As PagerDuty does after three dropped deliveries in a row."""
    with state().lock:
        subscription = _find(subscription_id)
        if subscription is None:
            return jsonify(error="no such subscription"), 404
        subscription["temporarily_disabled"] = True
    return jsonify(ok=True)


@controls.get("/webhook_subscriptions")
def all_subscriptions():
    """Every subscription of every account, with its state (tests count them)."""
    with state().lock:
        found = [subscription_object(s) for a in state().accounts.values() for s in a.subscriptions]
    return jsonify(webhook_subscriptions=found)


@controls.delete("/services/<service_id>/integrations/<integration_id>")
def delete_integration(service_id, integration_id):
    """Delete an integration as a PagerDuty user would (the REST API has no such call): its key stops working."""
    with state().lock:
        owner = state().account_for_service(service_id)
        service = owner.services.get(service_id) if owner else None
        integration = next((i for i in (service or {}).get("integrations", []) if i["id"] == integration_id), None)
        if integration is None:
            return jsonify(error="no such integration"), 404
        service["integrations"].remove(integration)
        state().key_to_service.pop(integration["integration_key"], None)
    return jsonify(ok=True)
