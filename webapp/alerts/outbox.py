"""The transactional outbox of PagerDuty calls: written with the change, claimed and sent by the sender processes."""

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import func, or_, update

from webapp.alerts.pacing import pace_group
from webapp.extensions import db
from webapp.models import Delivery
from webapp.models.delivery import OPEN_DELIVERY_STATUSES
from webapp.models.types import utcnow
from webapp.models.vocabularies import WAITING_DELIVERY_STATUSES
from webapp.pagerduty.accounts import connection_for
from webapp.queues import wake_senders, wake_senders_after_commit

if TYPE_CHECKING:
    from webapp.routing.resolve import Route
from collections.abc import Iterable, Sequence

from sqlalchemy import Exists

from webapp.models import Subject
from webapp.unit_of_work import rowcount

log = logging.getLogger(__name__)
LEASE_SECONDS = 60  # longer than any one call may take (the client's timeouts), so a live sender keeps its lease
SENDABLE_STATUSES = WAITING_DELIVERY_STATUSES
PRIORITY = {"critical": 3, "error": 2, "warning": 1, "info": 0}
# The one timing tolerance: a delivery due (or holding a slot) this soon is claimed and sent now.
DUE_EARLY = timedelta(milliseconds=20)


def lease_seconds() -> int:
    """How long a claim holds a delivery; a sender that dies mid-send loses it after that long."""
    return current_app.config.get("LEASE_SECONDS", LEASE_SECONDS)


def latest_trigger(org_id: int, dedup_key: str) -> Delivery | None:
    """The trigger this dedup key went (or will go) out with: acks and resolves must use its routing key."""
    return db.session.scalar(
        db.select(Delivery)
        .where(
            Delivery.org_id == org_id,
            Delivery.dedup_key == dedup_key,
            Delivery.action == "trigger",
            Delivery.status.not_in(("cancelled", "no_route", "failed")),
        )
        .order_by(Delivery.id.desc())
        .limit(1)
    )


def queue_event(
    org_id: int,
    *,
    action: str,
    event_type: str,
    dedup_key: str | None = None,
    subject: Subject | None = None,
    severity: str | None = None,
    payload: dict[str, Any] | None = None,
    route: "Route | None" = None,
    priority: int | None = None,
) -> Delivery:
    """Write a Delivery in the current transaction; it is sent after commit. Returns the Delivery."""
    delivery = _new_delivery(org_id, action, event_type, dedup_key, subject, severity, payload, route, priority)
    return _store(org_id, [delivery])[0]


def queue_events(
    org_id: int,
    items: Iterable[tuple[str, Subject, dict[str, Any]]],
    *,
    action: str,
    event_type: str,
    severity: str,
    route: "Route | None",
) -> list[Delivery]:
    """Many deliveries to one route at once, `items` being (dedup key, subject, payload): one flush, and one Redis
    round trip after commit. The SLA evaluator uses it for a pass's transitions."""
    return _store(
        org_id,
        [
            _new_delivery(org_id, action, event_type, key, subject, severity, payload, route, None)
            for key, subject, payload in items
        ],
    )


def _store(org_id: int, deliveries: list[Delivery]) -> list[Delivery]:
    """Add new deliveries of one org (paused while its credentials are refused); the pending ones go after commit."""
    paused = connection_paused(org_id)
    for delivery in deliveries:
        if paused and delivery.status == "pending":
            delivery.status = "paused"
    db.session.add_all(deliveries)
    db.session.flush()
    if any(delivery.status == "pending" for delivery in deliveries):
        wake_senders_after_commit()
    return deliveries


def _new_delivery(
    org_id: int,
    action: str,
    event_type: str,
    dedup_key: str | None,
    subject: Subject | None,
    severity: str | None,
    payload: dict[str, Any] | None,
    route: "Route | None",
    priority: int | None,
) -> Delivery:
    subject_key = (type(subject).__name__.lower(), subject.id) if subject is not None else None
    return Delivery(
        **delivery_values(org_id, action, event_type, dedup_key, subject_key, severity, payload, route, priority)
    )


def delivery_values(
    org_id: int,
    action: str,
    event_type: str,
    dedup_key: str | None,
    subject: tuple[str, int] | None,
    severity: str | None,
    payload: dict[str, Any] | None,
    route: "Route | None",
    priority: int | None = None,
) -> dict[str, Any]:
    """The columns of a new delivery (`subject` as (type, id)), as the sender expects them; not yet paused."""
    values: dict[str, Any] = {
        "org_id": org_id,
        "action": action,
        "event_type": event_type,
        "dedup_key": dedup_key,
        "severity": severity,
        "payload": payload or {},
        "status": "pending",
        "next_attempt_at": utcnow(),
        "priority": priority if priority is not None else PRIORITY.get(severity or "info", 0),
    }
    if subject is not None:
        values["subject_type"], values["subject_id"] = subject
    if route is not None:
        values["routing_key"], values["target_label"] = route.routing_key, route.label
        values["route_reason"], values["service_id"] = route.reason, route.service_id
        if route.routing_key and action != "note":
            values["pace_group"] = pace_group(route.routing_key)
        if not route.routing_key:
            values["status"], values["next_attempt_at"] = "no_route", None
    return values


def new_trigger_values(org_id: int, event_type: str, severity: str, route: "Route") -> dict[str, Any]:
    """A new trigger's columns as a Core insert writes them (paused while the org's connection is refused), less
    what needs its subject's id (its dedup key, subject and payload)."""
    values = delivery_values(org_id, "trigger", event_type, None, None, severity, None, route)
    if values["status"] == "pending" and connection_paused(org_id):
        values["status"] = "paused"
    values["created_at"] = values["updated_at"] = utcnow()
    # the ORM writes a column's default for None: an unrouted delivery has always been written with one
    values["next_attempt_at"] = values["next_attempt_at"] or values["created_at"]
    return values


def connection_paused(org_id: int) -> bool:
    """PagerDuty refused the org's credentials: new deliveries wait for a reconnect."""
    connection = connection_for(org_id)
    return connection is not None and connection.state == "error"


def earlier_of_key_open() -> Exists:
    """EXISTS an earlier open delivery of the same org and dedup key: such a delivery waits its turn (a resolve never
    overtakes its trigger). Every way of claiming deliveries uses it."""
    earlier = db.aliased(Delivery)
    return (
        db.select(earlier.id)
        .where(
            earlier.id < Delivery.id,
            earlier.org_id == Delivery.org_id,
            earlier.dedup_key == Delivery.dedup_key,
            earlier.status.in_(OPEN_DELIVERY_STATUSES),
        )
        .exists()
    )


def make_due(delivery: Delivery, routing_key: str | None = None) -> None:
    """Send `delivery` again from scratch, now (redeliver, reroute): the senders are woken after commit, and a new
    routing key brings its own pace group. The caller commits."""
    if routing_key is not None:
        delivery.routing_key = routing_key
    if delivery.routing_key and delivery.action != "note":
        delivery.pace_group = pace_group(delivery.routing_key)
    delivery.status, delivery.next_attempt_at = "pending", utcnow()
    delivery.lease_until = delivery.lease_token = delivery.lease_owner = delivery.slot_at = None
    wake_senders_after_commit()


def release_successor(delivery: Delivery) -> None:
    """Once a delivery has settled (committed), wake the next open one for the same dedup key.

    Looking only after the commit leaves no gap: a successor that saw this one still open was written before it.
    """
    if not delivery.dedup_key:
        return
    successor = db.session.scalar(
        db.select(Delivery)
        .where(
            Delivery.org_id == delivery.org_id,
            Delivery.dedup_key == delivery.dedup_key,
            Delivery.id > delivery.id,
            Delivery.status.in_(WAITING_DELIVERY_STATUSES),
        )
        .order_by(Delivery.id)
        .limit(1)
    )
    if successor is not None:
        wake_senders()


def due_delivery_ids(org_id: int | None = None, limit: int = 1000) -> Sequence[int]:
    """Open deliveries whose next try has come and that nobody holds, most urgent first."""
    now = utcnow()
    query = db.select(Delivery.id).where(
        Delivery.status.in_(WAITING_DELIVERY_STATUSES),
        Delivery.next_attempt_at <= now,
        or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
    )
    if org_id is not None:
        query = query.where(Delivery.org_id == org_id)
    return db.session.scalars(query.order_by(Delivery.priority.desc(), Delivery.id).limit(limit)).all()


def sweep(org_id: int | None = None) -> list[str]:
    """Count what is due (a lost wake-up, a Redis outage, a killed worker's lapsed lease) and wake the senders;
    returns lines saying what it found. The engines also look for due deliveries every second by themselves."""
    ids = due_delivery_ids(org_id)
    now = utcnow()
    lapsed = db.session.scalar(
        db.select(func.count(Delivery.id)).where(
            Delivery.status.in_(SENDABLE_STATUSES), Delivery.lease_until.is_not(None), Delivery.lease_until < now
        )
    )
    if ids:
        wake_senders(min(len(ids), 4))
    return [f"{len(ids)} deliveries due ({lapsed} of them left by a sender that stopped), senders woken"]


def resume_paused(org_id: int) -> int:
    """After a successful reconnect, paused deliveries go out again (in order: the engines claim oldest first)."""
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.org_id == org_id, Delivery.status == "paused")
        .values(status="pending", next_attempt_at=utcnow(), lease_until=None, slot_at=None)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result):
        wake_senders_after_commit()
    return rowcount(result)


def cancel_open(org_id: int) -> int:
    """Cancel every open delivery of the org and forget their keys (disconnect)."""
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.org_id == org_id, Delivery.status.in_(OPEN_DELIVERY_STATUSES))
        .values(
            status="cancelled",
            routing_key=None,
            next_attempt_at=None,
            last_response="Cancelled: PagerDuty was disconnected",
        )
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)
