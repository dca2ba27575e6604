"""What reconciliation read from PagerDuty's REST API, applied through the same functions as the webhooks."""

from datetime import datetime

from webapp.analytics import record
from webapp.models import Report, Subject, WarRoom
from webapp.webhooks import mirror
from webapp.webhooks.services import parse_time


def apply_incident(subject: Subject, incident: dict, now: datetime) -> list[str]:
    """Apply one PagerDuty incident (REST shape) to its subject: status, urgency, priority, assignees; what changed."""
    changes = _status(subject, incident)
    mirror.link(subject, incident)
    priority = incident.get("priority") if isinstance(incident.get("priority"), dict) else None
    before = (subject.pd_urgency, subject.pd_priority, list(subject.pd_assignees or []))
    mirror.apply_details(
        subject,
        parse_time(incident.get("updated_at")) if incident.get("updated_at") else now,
        urgency=incident.get("urgency"),
        priority=(priority or {}).get("summary"),
        assignees=assignee_names(incident),
        says_priority=True,  # no priority: PagerDuty leaves it out (or null)
        reconciled=True,
    )
    after = (subject.pd_urgency, subject.pd_priority, list(subject.pd_assignees or []))
    if before != after and any(before):
        changes.append("urgency, priority or assignees updated")
    return changes


def assignee_names(incident: dict) -> list[str]:
    """Who PagerDuty says is assigned now (REST `assignments`)."""
    return [
        a["assignee"]["summary"]
        for a in incident.get("assignments") or []
        if isinstance(a, dict) and isinstance(a.get("assignee"), dict) and a["assignee"].get("summary")
    ][:20]


def _status(subject: Subject, incident: dict) -> list[str]:
    status, ours = incident.get("status"), subject.pd_status
    by = _summary(incident.get("last_status_change_by"))
    changed_at = parse_time(incident.get("last_status_change_at") or incident.get("updated_at"))
    changes = []
    if (
        ours == "resolved"
        and status in ("triggered", "acknowledged")
        and mirror.is_newer(subject.pd_status_at, changed_at)
    ):
        mirror.apply_reopened(subject, changed_at, None, incident, reconciled=True)
        changes.append("reopened")
        ours = subject.pd_status
    if status == "acknowledged" and ours == "triggered":
        latest = (incident.get("acknowledgements") or [{}])[-1]
        when = parse_time(latest.get("at") or incident.get("last_status_change_at"))
        if mirror.apply_acknowledged(subject, when, _summary(latest.get("acknowledger")) or by, incident, True):
            changes.append(f"acknowledged{_by(_summary(latest.get('acknowledger')) or by)}")
    elif status == "resolved" and ours != "resolved":
        when = parse_time(incident.get("resolved_at") or incident.get("last_status_change_at"))
        if mirror.apply_resolved(subject, when, by, incident, reconciled=True):
            changes.append(f"resolved{_by(by)}")
    elif status == "triggered" and ours == "acknowledged" and mirror.is_newer(subject.pd_status_at, changed_at):
        mirror.apply_unacknowledged(subject, changed_at, None, incident, reconciled=True)
        changes.append("unacknowledged")
    return changes


def apply_war_room(room: WarRoom, incident: dict) -> list[str]:
    """Apply one PagerDuty incident (REST shape) to a war room's response record, as its webhooks would have:
    PagerDuty's own time of the trigger, the first acknowledgement, the resolution or a reopening after it; what
    changed."""
    before = (room.pd_paged_at, room.pd_acknowledged_at, room.pd_resolved_at)
    service = incident.get("service")
    if incident.get("created_at"):  # a new incident of the key after a resolution is a reopening (note_paged says)
        record.note_status(room, "triggered", parse_time(incident["created_at"]), None, service)
    changed_at = parse_time(incident.get("last_status_change_at") or incident.get("updated_at"))
    by = _summary(incident.get("last_status_change_by"))
    status = incident.get("status")
    for acknowledgement in incident.get("acknowledgements") or []:
        if isinstance(acknowledgement, dict) and acknowledgement.get("at"):
            who = _summary(acknowledgement.get("acknowledger")) or by
            record.note_status(room, "acknowledged", parse_time(acknowledgement["at"]), who, service)
    if status == "acknowledged" and room.pd_acknowledged_at is None:
        record.note_status(room, "acknowledged", changed_at, by, service)
    if status == "resolved":
        record.note_status(room, "resolved", parse_time(incident.get("resolved_at") or changed_at), by, service)
    elif status in ("triggered", "acknowledged") and room.pd_resolved_at is not None:
        record.note_status(room, "reopened", changed_at, by, service)
    return _war_room_changes(room, before)


def _war_room_changes(room: WarRoom, before: tuple) -> list[str]:
    paged_at, acknowledged_at, resolved_at = before
    changes = ["paged at PagerDuty's time"] if room.pd_paged_at != paged_at else []
    if room.pd_acknowledged_at != acknowledged_at:
        changes.append(f"acknowledged{_by(room.pd_acknowledged_by)}")
    if room.pd_resolved_at != resolved_at:
        changes.append("resolved" if room.pd_resolved_at else "reopened")
    return changes


def apply_notes(subject: Subject, notes: list[dict], now: datetime) -> int:
    """Notes PagerDuty holds that the timeline does not show yet (read since the last read); how many were added."""
    added = 0
    for note in notes:
        if not isinstance(note, dict) or not isinstance(note.get("content"), str):
            continue
        at = parse_time(note.get("created_at"))
        if subject.pd_notes_read_at and at < subject.pd_notes_read_at - mirror.NOTE_MARGIN:
            continue
        added += mirror.apply_note(subject, at, _summary(note.get("user")), note.get("id"), note["content"])
    subject.pd_notes_read_at = now
    return added


def _summary(reference: object) -> str | None:
    return (reference or {}).get("summary") if isinstance(reference, dict) else None


def _by(who: str | None) -> str:
    return f" by {who}" if who else ""


def describe(subject: Subject | WarRoom) -> str:
    """'report 5', 'incident 7' or 'war room 2' (its number in the org)."""
    if isinstance(subject, WarRoom):
        return f"war room {subject.number}"
    return f"{'report' if isinstance(subject, Report) else 'incident'} {subject.id}"
