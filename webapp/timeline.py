"""Timeline entries for reports and incidents."""
from webapp.extensions import db
from webapp.models import Incident, Report, TimelineEntry
from webapp.models.types import utcnow


def add_entry(subject, kind, message, actor=None, at=None):
    """Add a line to a report's or incident's timeline (in the current transaction)."""
    entry = TimelineEntry(org_id=subject.org_id, kind=kind, message=message, actor=actor, at=at or utcnow())
    if isinstance(subject, Report):
        entry.report_id = subject.id
    elif isinstance(subject, Incident):
        entry.incident_id = subject.id
    else:
        raise TypeError(f"timelines belong to reports and incidents, not {type(subject).__name__}")
    db.session.add(entry)
    return entry


def entries_for(subject):
    """A subject's timeline, oldest first."""
    column = TimelineEntry.report_id if isinstance(subject, Report) else TimelineEntry.incident_id
    return db.session.scalars(db.select(TimelineEntry).where(column == subject.id)
                              .order_by(TimelineEntry.at, TimelineEntry.id)).all()


def as_json(entries):
    """The contract's timeline shape: [{at, kind, message}]."""
    return [{"at": e.at.isoformat(), "kind": e.kind, "message": e.message} for e in entries]
