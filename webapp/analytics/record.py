"""Recording what PagerDuty did with each report, incident and war room, in PagerDuty's own times, for analytics.

Every function takes the report, incident or war room and a time, and may be called in any order and more than
once: a late or repeated event never undoes a newer one. The first acknowledgement is the earliest ever seen, the
resolution the latest, and a reopening after it clears it (a resolution older than the reopening is stale and changes
nothing).
"""

from datetime import datetime, timedelta

from webapp.extensions import db
from webapp.models import Delivery, Incident, Org, Report, WarRoom

# PagerDuty's time of the first trigger replaces our delivery's when about as early: later ones are retriggers.
SAME_TRIGGER = timedelta(minutes=5)
Subject = Report | Incident | WarRoom
WAR_ROOM_PREFIX = "war-room-"


def note_paged(item: Subject, at: datetime, service: str | None, severity: str | None, exact: bool = False) -> None:
    """PagerDuty accepted a trigger at `at` (`exact`: PagerDuty's own time, else when our delivery was accepted)."""
    if item.pd_paged_at is None:
        item.pd_paged_at, item.pd_paged_exact = at, exact
        item.pd_service, item.pd_severity = service or item.pd_service, severity or item.pd_severity
    elif exact and (at < item.pd_paged_at or (not item.pd_paged_exact and at <= item.pd_paged_at + SAME_TRIGGER)):
        item.pd_paged_at, item.pd_paged_exact = at, True
    elif item.pd_resolved_at is not None and at > item.pd_resolved_at:
        note_reopened(item, at)
    _derive(item)


def note_acknowledged(item: Subject, at: datetime, who: str | None) -> None:
    """PagerDuty acknowledged it at `at`: kept when it is the earliest acknowledgement seen."""
    if item.pd_acknowledged_at is None or at < item.pd_acknowledged_at:
        item.pd_acknowledged_at, item.pd_acknowledged_by = at, (who or None) and who[:254]
    _derive(item)


def note_resolved(item: Subject, at: datetime) -> None:
    """PagerDuty resolved it at `at`: kept when it is the latest and no reopening came after it."""
    if item.pd_reopened_at is not None and at < item.pd_reopened_at:
        return
    if item.pd_resolved_at is None or at > item.pd_resolved_at:
        item.pd_resolved_at = at
    _derive(item)


def note_reopened(item: Subject, at: datetime) -> None:
    """PagerDuty opened it again at `at` (a reopen, or a trigger after the resolution): not resolved any more."""
    if item.pd_reopened_at is None or at > item.pd_reopened_at:
        item.pd_reopened_at = at
    if item.pd_resolved_at is not None and item.pd_resolved_at <= at:
        item.pd_resolved_at = None
    _derive(item)


def note_status(item: Subject, status: str, at: datetime, who: str | None = None, service=None) -> None:
    """One call for what a webhook or reconciliation learnt: triggered, acknowledged, resolved or reopened; `service`
    is PagerDuty's reference to the incident's service (its name replaces our route's label)."""
    name = service.get("summary") if isinstance(service, dict) else None
    if isinstance(name, str) and name.strip() and item.pd_paged_at is not None:
        item.pd_service = name.strip()[:255]
    if status == "acknowledged":
        note_acknowledged(item, at, who)
    elif status == "resolved":
        note_resolved(item, at)
    elif status == "reopened":
        note_reopened(item, at)
    elif status == "triggered":
        note_paged(item, at, None, None, exact=True)


def service_of(body) -> dict | None:
    """The service reference of a webhook's incident (PagerDuty's `data.service`), if it has one."""
    event = body.get("event") if isinstance(body, dict) else None
    data = event.get("data") if isinstance(event, dict) else None
    service = data.get("service") if isinstance(data, dict) else None
    return service if isinstance(service, dict) else None


def note_delivered(delivery: Delivery, at: datetime | None = None) -> None:
    """A delivery PagerDuty accepted (at `at`, else its delivered_at): a trigger for a report, incident or war room
    records its paging."""
    if delivery.action != "trigger":
        return
    model = {"report": Report, "incident": Incident}.get(delivery.subject_type)
    item = db.session.get(model, delivery.subject_id) if model is not None and delivery.subject_id else None
    if item is None and delivery.subject_type is None:
        item = war_room_for_key(delivery.org_id, delivery.dedup_key)
    if item is not None:
        note_paged(item, at or delivery.delivered_at, delivery.target_label, delivery.severity)


def war_room_for_key(org_id: int, dedup_key: str | None) -> WarRoom | None:
    """The org's war room of a dedup key war-room-<its slug>-<number> (another org's slug or number: None)."""
    if not isinstance(dedup_key, str) or not dedup_key.startswith(WAR_ROOM_PREFIX):
        return None
    slug = db.session.scalar(db.select(Org.slug).where(Org.id == org_id))
    number = dedup_key.removeprefix(f"{WAR_ROOM_PREFIX}{slug}-")
    if slug is None or number == dedup_key or not number.isascii() or not number.isdigit() or len(number) > 9:
        return None
    return db.session.scalar(db.select(WarRoom).filter_by(org_id=org_id, number=int(number)))


def started_at(item: Subject) -> datetime:
    """When the clock of time to page starts: the report's submission, the incident's creation, the war room's
    activation."""
    if isinstance(item, WarRoom):
        return item.activated_at
    return item.submitted_at if isinstance(item, Report) else item.created_at


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    return None if later is None or earlier is None else (later - earlier).total_seconds()


def _derive(item: Subject) -> None:
    """The three durations, from the times they are defined by."""
    item.pd_page_seconds = _seconds(item.pd_paged_at, started_at(item))
    item.pd_ack_seconds = _seconds(item.pd_acknowledged_at, item.pd_paged_at)
    item.pd_resolve_seconds = _seconds(item.pd_resolved_at, item.pd_paged_at)
