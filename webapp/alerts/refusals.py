"""One integration refused: mark that service's route broken and send its alerts on to the fallback, not pause."""

import logging
from typing import Any

from webapp.alerts.outbox import make_due
from webapp.extensions import db
from webapp.models import Delivery, Incident, Report, Service
from webapp.models.types import utcnow
from webapp.pagerduty.client import PagerDutyError
from webapp.routing.resolve import Route, fallback_route
from webapp.timeline import add_entry

log = logging.getLogger(__name__)


def refuses_integration(error: PagerDutyError) -> bool:
    """The Events API's 400 for a key it does not know, or a 404 for the integration."""
    body = (error.body or "").lower()
    return error.status == 404 or (error.status == 400 and ("invalid routing key" in body or "'routing_key'" in body))


def reroute_refused(delivery: Delivery, error: PagerDutyError, connection: Any) -> str | None:
    """Called by the sender when PagerDuty refuses a delivery's key. When the key is one service's and another
    target remains, the service is marked broken and the delivery goes there at once: returns "rerouted".
    None means pause the org as before (the API token was refused, or the key was the only one in use)."""
    if error.is_auth_failure or not refuses_integration(error) or delivery.action == "note":
        return None
    service = db.session.get(Service, delivery.service_id) if delivery.service_id else None
    if service is None or service.integration_key != delivery.routing_key:
        return None
    fallback = _fallback(service, error)
    if not fallback.routing_key or fallback.routing_key == delivery.routing_key:
        return None
    mark_broken(service, f"PagerDuty refused its key: {error.message}")
    delivery.target_label, delivery.service_id = fallback.label, fallback.service_id
    delivery.route_reason = fallback.reason
    make_due(delivery, fallback.routing_key)  # due now on the new key, in that key's pace group
    _note_on_timeline(delivery, f"{service.name} refused the alert ({error.message}); sent to {fallback.label}.")
    db.session.commit()
    log.warning("service %s refused delivery %s; rerouted to %s", service.pd_id, delivery.id, fallback.label)
    return "rerouted"


def _fallback(service: Service, error: PagerDutyError) -> Route:
    return fallback_route(
        service.org_id, f"{service.name} refused its integration key ({error.message})", skip_service_id=service.id
    )


def mark_broken(service: Service, reason: str) -> None:
    """The service's route is broken until a check or a repair finds its integration again (the caller commits);
    the health model names it while it is."""
    if service.broken_at is None:
        service.broken_at = utcnow()
    service.broken_reason = reason[:500]


def mark_sound(service: Service) -> None:
    """A check found the service's integration again: its route works (the caller commits)."""
    service.broken_at = service.broken_reason = None


def _note_on_timeline(delivery: Delivery, message: str) -> None:
    model = {"report": Report, "incident": Incident}.get(delivery.subject_type or "")
    subject = db.session.get(model, delivery.subject_id) if model and delivery.subject_id else None
    if subject is not None:
        add_entry(subject, "pagerduty.rerouted", message)
