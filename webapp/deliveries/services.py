"""The delivery log: filtered lists and redelivery."""

from webapp.alerts.outbox import make_due
from webapp.errors import Conflict, DomainError
from webapp.extensions import db
from webapp.models import Delivery
from webapp.models.delivery import DELIVERY_ACTIONS, DELIVERY_STATUSES
from webapp.models.vocabularies import WAITING_DELIVERY_STATUSES
from webapp.tenancy import get_in_org

PAGE_SIZE = 50
IN_FLIGHT_STATUSES = WAITING_DELIVERY_STATUSES


def filtered(org_id, status=None, action=None, search=None):
    """The org's deliveries, newest first, filtered by status, action and dedup key or target."""
    query = db.select(Delivery).filter_by(org_id=org_id)
    if status:
        if status not in DELIVERY_STATUSES:
            raise DomainError(
                "Unknown status.",
                fields={"status": f"one of {', '.join(DELIVERY_STATUSES)}"},
                status=400,
                code="bad_request",
            )
        query = query.filter_by(status=status)
    if action:
        if action not in DELIVERY_ACTIONS:
            raise DomainError(
                "Unknown action.",
                fields={"action": f"one of {', '.join(DELIVERY_ACTIONS)}"},
                status=400,
                code="bad_request",
            )
        query = query.filter_by(action=action)
    if search:
        like = f"%{search.strip()}%"
        query = query.where(Delivery.dedup_key.ilike(like) | Delivery.target_label.ilike(like))
    return query.order_by(Delivery.id.desc())


def page_of(org_id, page=1, **filters):
    """One page of the delivery log."""
    return db.paginate(filtered(org_id, **filters), page=page, per_page=PAGE_SIZE, error_out=False)


def any_in_flight(org_id):
    """Whether any of the org's deliveries is still on its way (the log polls only while one is)."""
    query = db.select(Delivery.id).where(Delivery.org_id == org_id, Delivery.status.in_(IN_FLIGHT_STATUSES))
    return db.session.scalar(query.limit(1)) is not None


def redeliver(org_id, delivery_id):
    """Send a failed delivery again from scratch."""
    delivery = get_in_org(Delivery, org_id, delivery_id, "delivery")
    if delivery.status != "failed" or delivery.action == "test":
        raise Conflict("Only failed deliveries can be redelivered.")
    if not delivery.routing_key:
        raise Conflict("This delivery has no target any more; reconnect PagerDuty first.")
    delivery.attempts = 0
    make_due(delivery)  # the senders claim it like any other due delivery
    db.session.commit()
    return delivery


def as_json(delivery):
    """A delivery for the API (no routing key, response already redacted)."""
    return {
        "id": delivery.id,
        "action": delivery.action,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "dedup_key": delivery.dedup_key,
        "target": delivery.target_label,
        "route_reason": delivery.route_reason,
        "severity": delivery.severity,
        "subject": {"type": delivery.subject_type, "id": delivery.subject_id} if delivery.subject_type else None,
        "next_attempt_at": delivery.next_attempt_at.isoformat()
        if delivery.next_attempt_at and delivery.status in WAITING_DELIVERY_STATUSES
        else None,
        "last_status_code": delivery.last_status_code,
        "last_response": delivery.last_response,
        "created_at": delivery.created_at.isoformat(),
        "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
    }
