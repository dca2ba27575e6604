"""Timeline entries for reports and incidents, and the lines that say what became of each call to PagerDuty."""

from dataclasses import dataclass

from sqlalchemy import inspect
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value

from webapp.extensions import db
from webapp.models import Delivery, Incident, Report, TimelineEntry
from webapp.models.types import utcnow

EVENT_NAMES = {
    "new_report": "New report submitted",
    "sla_at_risk": "SLA at risk",
    "sla_breached": "SLA breached",
    "critical_assessed": "Critical severity assessed",
    "war_room": "War room activated",
    "incident": "incident detected",
    "progress": "progress update",
    "report_closed": "report closed",
    "incident_resolved": "incident resolved",
}


@dataclass(frozen=True)
class DeliveryLine:
    """A timeline line built from a Delivery row when the timeline is read, so it always says the delivery's state."""

    at: object
    kind: str
    message: str
    detail: str | None = None
    actor: str | None = None


KNOWN = "pagerbridge_known_deliveries"


def start_timeline(subject):
    """A subject created in this unit of work has an empty timeline: say so, and it is never read back."""
    set_committed_value(subject, "timeline", [])
    _know(subject, [])


def preload_timelines(subjects):
    """Timelines and deliveries of many reports or incidents (of one org and kind) in two queries, for a list."""
    if not subjects:
        return
    model, by_id = type(subjects[0]), {subject.id: subject for subject in subjects}
    column = TimelineEntry.report_id if model is Report else TimelineEntry.incident_id
    entries, deliveries = {}, {}
    for entry in db.session.scalars(
        db.select(TimelineEntry).where(column.in_(by_id)).order_by(TimelineEntry.at, TimelineEntry.id)
    ):
        entries.setdefault(getattr(entry, column.key), []).append(entry)
    kind = model.__name__.lower()
    keys = [f"{kind}-{subject_id}" for subject_id in by_id]
    for delivery in db.session.scalars(_deliveries(subjects[0].org_id, Delivery.dedup_key.in_(keys), kind)):
        deliveries.setdefault(delivery.subject_id, []).append(delivery)
    for subject_id, subject in by_id.items():
        set_committed_value(subject, "timeline", entries.get(subject_id, []))
        _know(subject, deliveries.get(subject_id, []))


def record_delivery(subject, delivery):
    """A delivery just queued for `subject`: a subject whose deliveries are known then shows it without a query."""
    known = _known_deliveries(subject)
    if known is not None and delivery is not None:
        known.append(delivery)
    return delivery


def _know(subject, deliveries):
    """Remember a subject's deliveries for as long as its loaded timeline stays loaded."""
    db.session.info.setdefault(KNOWN, {})[_identity(subject)] = (inspect(subject).dict["timeline"], deliveries)


def _identity(subject):
    return type(subject).__name__.lower(), subject.id


def _known_deliveries(subject):
    """The deliveries remembered with the subject's timeline (created or preloaded, still loaded), else None."""
    known = db.session.info.get(KNOWN, {}).get(_identity(subject))
    if known is not None and inspect(subject).dict.get("timeline") is known[0]:
        return known[1]
    return None


def add_entry(subject, kind, message, actor=None, at=None):
    """Add a line to a report's or incident's timeline (in the current transaction)."""
    if not isinstance(subject, (Report, Incident)):
        raise TypeError(f"timelines belong to reports and incidents, not {type(subject).__name__}")
    entry = TimelineEntry(org_id=subject.org_id, kind=kind, message=message, actor=actor, at=at or utcnow())
    if "timeline" in inspect(subject).dict:  # loaded: keep it current without reading it again
        subject.timeline.append(entry)
    elif isinstance(subject, Report):
        entry.report_id = subject.id
    else:
        entry.incident_id = subject.id
    db.session.add(entry)
    return entry


def entries_for(subject):
    """A subject's timeline, oldest first: what was recorded, and where each call to PagerDuty stands."""
    what = f"{subject.kind.capitalize()} incident" if isinstance(subject, Incident) else None
    lines = [delivery_line(delivery, what) for delivery in deliveries_of(subject)]
    return sorted([*subject.timeline, *filter(None, lines)], key=lambda entry: entry.at)


def deliveries_of(subject):
    """The calls to PagerDuty made for this subject, oldest first (its dedup key is indexed)."""
    known = _known_deliveries(subject)
    if known is not None:
        return list(known)
    kind = type(subject).__name__.lower()
    return db.session.scalars(
        _deliveries(subject.org_id, Delivery.dedup_key == f"{kind}-{subject.id}", kind).where(
            Delivery.subject_id == subject.id
        )
    ).all()


def _deliveries(org_id, key_condition, kind):
    return (
        db.select(Delivery)
        .where(Delivery.org_id == org_id, key_condition, Delivery.subject_type == kind)
        .options(defer(Delivery.payload), defer(Delivery.routing_key))
        .order_by(Delivery.id)
    )


def delivery_line(delivery, incident_kind=None):
    """What a delivery did, in words: "Paged X" only once PagerDuty accepted it."""
    if delivery.action == "trigger":
        return _trigger_line(delivery, incident_kind)
    if delivery.action == "resolve":
        return _resolve_line(delivery)
    if delivery.action == "note":
        return _note_line(delivery)
    return None


def _what(delivery, incident_kind):
    name = EVENT_NAMES.get(delivery.event_type, delivery.event_type.replace("_", " "))
    if delivery.event_type == "incident" and incident_kind:
        name = incident_kind
    return f"{name}, {delivery.severity}" if delivery.severity else name


def _trigger_line(delivery, incident_kind):
    target, what = delivery.target_label or "PagerDuty", _what(delivery, incident_kind)
    status, reason = delivery.status, delivery.route_reason
    if status == "delivered":
        return DeliveryLine(
            delivery.delivered_at or delivery.updated_at, "pagerduty.paged", f"Paged {target} ({what})", reason
        )
    if status == "no_route":
        return DeliveryLine(delivery.created_at, "pagerduty.not_paged", f"Not paged: {_clause(reason or 'no route')}")
    return DeliveryLine(
        delivery.created_at, f"pagerduty.{status}", _unsent(status, f"Paging {target} ({what})", delivery), reason
    )


def _clause(reason):
    """A reason continuing a sentence: 'No assignment matches' → 'no assignment matches' (names keep their case)."""
    word = reason.split(" ", 1)[0]
    return reason[0].lower() + reason[1:] if len(word) > 1 and word[1:].islower() else reason


def _unsent(status, doing, delivery):
    attempts = f"{delivery.attempts} attempt{'s' if delivery.attempts != 1 else ''}"
    return {
        "pending": f"{doing}: waiting to be sent",
        "retrying": f"{doing}: PagerDuty has not accepted it yet, retrying ({attempts} so far)",
        "paused": f"Not paged yet: {doing[0].lower()}{doing[1:]} is paused because PagerDuty refused the "
        "credentials; it goes out after a reconnect",
        "failed": f"Not paged: {doing[0].lower()}{doing[1:]} failed after {attempts} "
        f"({(delivery.last_response or 'no answer')[:200]})",
        "cancelled": f"Not paged: {doing[0].lower()}{doing[1:]} was cancelled "
        f"({(delivery.last_response or 'PagerDuty was disconnected').removeprefix('Cancelled: ')})",
    }.get(status, f"{doing}: {status}")


def _resolve_line(delivery):
    why = EVENT_NAMES.get(delivery.event_type, delivery.event_type.replace("_", " "))
    if delivery.status == "delivered":
        return DeliveryLine(
            delivery.delivered_at or delivery.updated_at, "pagerduty.resolve_sent", f"Resolved in PagerDuty ({why})"
        )
    if delivery.status == "no_route":
        return DeliveryLine(
            delivery.created_at,
            "pagerduty.not_resolved",
            f"Not resolved in PagerDuty: {_clause(delivery.route_reason or 'no route')}",
        )
    message = _unsent(delivery.status, f"Resolving in PagerDuty ({why})", delivery)
    return DeliveryLine(
        delivery.created_at,
        f"pagerduty.resolve_{delivery.status}",
        message.replace("Not paged", "Not resolved in PagerDuty"),
    )


def _note_line(delivery):
    if delivery.status == "delivered":
        return DeliveryLine(
            delivery.delivered_at or delivery.updated_at,
            "pagerduty.note_sent",
            "Progress note added to the PagerDuty incident",
        )
    message = _unsent(delivery.status, "Adding a progress note to the PagerDuty incident", delivery)
    return DeliveryLine(
        delivery.created_at, f"pagerduty.note_{delivery.status}", message.replace("Not paged", "No progress note")
    )


def as_json(entries):
    """The contract's timeline shape: [{at, kind, message}]."""
    return [{"at": e.at.isoformat(), "kind": e.kind, "message": e.message} for e in entries]
