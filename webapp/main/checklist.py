"""The setup checklist on a new org's dashboard: each step's state, read from what the org has actually done."""

from dataclasses import dataclass

from sqlalchemy import func

from webapp.extensions import db
from webapp.formatting import humanize_delta as ago
from webapp.models import Delivery, OnCallSettings, Service, Shift, WebhookReceipt
from webapp.pagerduty.accounts import connection_for


@dataclass(frozen=True)
class Step:
    """One step: done or not, its state in words, and the page where it is done."""

    key: str
    label: str
    done: bool
    state: str
    endpoint: str


def setup_checklist(org_id):
    """The six steps from a new org to alerts that reach someone and acknowledgements that come back."""
    connection = connection_for(org_id)
    connected = connection is not None and connection.state == "connected"
    legacy = connected and connection.method == "routing_key"
    return [
        _connect(connection, connected),
        _sync(org_id, legacy),
        _default(org_id, legacy),
        _webhook(org_id),
        _oncall(org_id),
        _test(org_id),
    ]


def _connect(connection, connected):
    if connected:
        how = "an API token" if connection.method == "api_token" else f"the routing key of {connection.service_name}"
        return Step("connect", "Connect PagerDuty", True, f"Connected with {how}", "connection.overview")
    state = "PagerDuty refused the credentials: connect again" if connection and connection.state == "error" else ""
    return Step("connect", "Connect PagerDuty", False, state or "Not connected yet", "connection.overview")


def _sync(org_id, legacy):
    if legacy:
        return Step("sync", "Sync services", True, "Not needed with a routing key", "routing.services")
    count = db.session.scalar(
        db.select(func.count()).select_from(Service).where(Service.org_id == org_id, Service.removed_at.is_(None))
    )
    state = f"{count} service{'s' if count != 1 else ''} imported" if count else "No services imported yet"
    return Step("sync", "Sync services", bool(count), state, "routing.services")


def _default(org_id, legacy):
    if legacy:
        return Step(
            "default", "Configure a default service", True, "Every alert goes to the routing key", "routing.services"
        )
    service = db.session.scalar(
        db.select(Service).where(Service.org_id == org_id, Service.is_default.is_(True), Service.removed_at.is_(None))
    )
    if service is None:
        return Step("default", "Configure a default service", False, "No default service yet", "routing.services")
    if not (service.enabled and service.integration_key):
        state = f"{service.name} is the default but not configured (no Events API key)"
        return Step("default", "Configure a default service", False, state, "routing.services")
    return Step("default", "Configure a default service", True, f"{service.name}", "routing.services")


def _webhook(org_id):
    last = db.session.scalar(db.select(func.max(WebhookReceipt.received_at)).where(WebhookReceipt.org_id == org_id))
    label = "Webhook subscription verified"
    if last is None:
        return Step("webhook", label, False, "No signed webhook received yet", "webhooks.settings")
    return Step("webhook", label, True, f"Last signed webhook verified {ago(last)}", "webhooks.settings")


def _oncall(org_id):
    """Done once someone can be on call: PagerDuty mode with a schedule, or a person picked in manual mode."""
    settings = db.session.get(OnCallSettings, org_id)
    in_pagerduty_mode = settings is not None and settings.mode == "pagerduty"
    if not in_pagerduty_mode and not db.session.scalar(
        db.select(db.select(Shift.id).where(Shift.org_id == org_id).exists())
    ):
        return Step("oncall", "Choose who is on call", False, "Nobody is on call yet", "oncall.settings")
    if in_pagerduty_mode:
        state = f"PagerDuty schedule {settings.schedule_name or settings.schedule_id}"
    else:
        state = "Manual: an admin picks who is on call"
    return Step("oncall", "Choose who is on call", True, state, "oncall.settings")


def _test(org_id):
    sent = db.session.scalar(
        db.select(func.max(Delivery.delivered_at)).where(
            Delivery.org_id == org_id, Delivery.action == "test", Delivery.status == "delivered"
        )
    )
    if sent is None:
        return Step("test", "Send a test alert", False, "No test sent yet: Test Connection", "connection.overview")
    return Step("test", "Send a test alert", True, f"Test delivered {ago(sent)}", "connection.overview")
