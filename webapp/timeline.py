"""Timeline entries for reports and incidents."""

from sqlalchemy import inspect
from sqlalchemy.orm.attributes import set_committed_value

from webapp.extensions import db
from webapp.models import Incident, Report, TimelineEntry
from webapp.models.types import utcnow


def start_timeline(subject):
    """A subject created in this unit of work has an empty timeline: say so, and it is never read back."""
    set_committed_value(subject, "timeline", [])


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
    """A subject's timeline, oldest first."""
    return list(subject.timeline)


def as_json(entries):
    """The contract's timeline shape: [{at, kind, message}]."""
    return [{"at": e.at.isoformat(), "kind": e.kind, "message": e.message} for e in entries]
