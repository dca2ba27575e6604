"""Alerts raised while PagerDuty was disconnected: recorded as not sent (never "no route"), and after a reconnect
the ones still open are paged on one explicit request."""

from webapp.audit.services import record
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.models import Delivery, Incident, Report
from webapp.models.work import CLOSED_REPORT_STATUSES
from webapp.pagerduty.accounts import connection_for
from webapp.routing.resolve import DISCONNECTED_LABEL


def was_disconnected(delivery: Delivery) -> bool:
    """The delivery was not sent because PagerDuty was disconnected (not for want of a route)."""
    return delivery.status == "no_route" and delivery.target_label == DISCONNECTED_LABEL


def _still_open(delivery: Delivery) -> bool:
    if delivery.subject_type == "incident":
        subject = db.session.get(Incident, delivery.subject_id)
        return subject is not None and subject.status != "resolved"
    if delivery.subject_type == "report":
        subject = db.session.get(Report, delivery.subject_id)
        return subject is not None and subject.status not in CLOSED_REPORT_STATUSES
    return False


def unsent_open(org_id: int) -> list[Delivery]:
    """Triggers not sent while disconnected whose report or incident is still open and was not paged since."""
    candidates = db.session.scalars(
        db.select(Delivery)
        .where(
            Delivery.org_id == org_id,
            Delivery.action == "trigger",
            Delivery.status == "no_route",
            Delivery.target_label == DISCONNECTED_LABEL,
        )
        .order_by(Delivery.id)
    ).all()
    latest = {}
    for delivery in candidates:
        latest[delivery.dedup_key] = delivery  # one page per alert, the newest content
    return [d for d in latest.values() if _still_open(d) and not _paged_since(d)]


def _paged_since(delivery: Delivery) -> bool:
    return bool(
        db.session.scalar(
            db.select(Delivery.id)
            .where(
                Delivery.org_id == delivery.org_id,
                Delivery.dedup_key == delivery.dedup_key,
                Delivery.action == "trigger",
                Delivery.id > delivery.id,
                Delivery.status.not_in(("no_route", "cancelled")),
            )
            .limit(1)
        )
    )


def page_unsent(org_id: int) -> int:
    """The "Page N open alerts now" button: each unsent open alert is queued again through today's routes."""
    from webapp.alerts.outbox import queue_event
    from webapp.routing.resolve import route_for_incident, route_for_vdp

    connection = connection_for(org_id)
    if connection is None or connection.state != "connected":
        raise DomainError("Reconnect PagerDuty first: nothing can be paged while it is disconnected or refused.")
    paged = 0
    for old in unsent_open(org_id):
        subject = db.session.get(Incident if old.subject_type == "incident" else Report, old.subject_id)
        route = route_for_incident(subject) if old.subject_type == "incident" else route_for_vdp(org_id)
        fields = {"action": "trigger", "event_type": old.event_type, "dedup_key": old.dedup_key}
        queue_event(org_id, subject=subject, severity=old.severity, payload=old.payload, route=route, **fields)
        paged += 1
    record(org_id, "pagerduty.unsent_paged", {"count": paged})
    db.session.commit()
    return paged
