"""Alerts raised while PagerDuty was disconnected: recorded as not sent (never "no route"), and after a reconnect
the ones still open are paged on one explicit request."""

from typing import cast

from sqlalchemy.orm import aliased

from webapp.alerts.outbox import queue_event
from webapp.audit.services import record
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.models import Delivery, Incident, Report, Subject
from webapp.models.report import CLOSED_REPORT_STATUSES
from webapp.pagerduty.accounts import connection_for
from webapp.routing.resolve import DISCONNECTED_LABEL, route_for_incident, route_for_vdp


def _unsent_conditions(org_id: int) -> list:
    """Triggers not sent while disconnected, whose report or incident is still open, not paged since (SQL)."""
    later = aliased(Delivery)
    paged_since = (
        db.select(later.id)
        .where(
            later.org_id == Delivery.org_id,
            later.dedup_key == Delivery.dedup_key,
            later.action == "trigger",
            later.id > Delivery.id,
            later.status.not_in(("no_route", "cancelled")),
        )
        .exists()
    )
    open_incident = db.select(Incident.id).where(Incident.id == Delivery.subject_id, Incident.status != "resolved")
    open_report = db.select(Report.id).where(
        Report.id == Delivery.subject_id, Report.status.not_in(CLOSED_REPORT_STATUSES)
    )
    return [
        Delivery.org_id == org_id,
        Delivery.action == "trigger",
        Delivery.status == "no_route",
        Delivery.target_label == DISCONNECTED_LABEL,
        ~paged_since,
        db.or_(
            db.and_(Delivery.subject_type == "incident", open_incident.exists()),
            db.and_(Delivery.subject_type == "report", open_report.exists()),
        ),
    ]


def count_unsent(org_id: int) -> int:
    """How many open alerts were not sent while disconnected (one query: the health panel reads it on every page)."""
    return db.session.scalar(
        db.select(db.func.count(db.distinct(Delivery.dedup_key))).where(*_unsent_conditions(org_id))
    )


def unsent_open(org_id: int) -> list[Delivery]:
    """The newest unsent trigger of each such alert, oldest alert first."""
    latest = {}
    for delivery in db.session.scalars(db.select(Delivery).where(*_unsent_conditions(org_id)).order_by(Delivery.id)):
        latest[delivery.dedup_key] = delivery  # one page per alert, with its newest content
    return list(latest.values())


def page_unsent(org_id: int) -> int:
    """The "Page N open alerts now" button: each unsent open alert is queued again through today's routes."""
    connection = connection_for(org_id)
    if connection is None or connection.state != "connected":
        raise DomainError("Reconnect PagerDuty first: nothing can be paged while it is disconnected or refused.")
    paged = 0
    for old in unsent_open(org_id):
        model: type[Subject] = Incident if old.subject_type == "incident" else Report
        subject = cast(Subject | None, db.session.get(model, old.subject_id))
        route = route_for_incident(subject) if old.subject_type == "incident" else route_for_vdp(org_id)
        queue_event(
            org_id,
            subject=subject,
            severity=old.severity,
            payload=old.payload,
            route=route,
            action="trigger",
            event_type=old.event_type,
            dedup_key=old.dedup_key,
        )
        paged += 1
    record(org_id, "pagerduty.unsent_paged", {"count": paged})
    db.session.commit()
    return paged
