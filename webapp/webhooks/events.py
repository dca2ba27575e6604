"""Which PagerDuty webhook events PagerBridge uses (F47), and what each one does to its report, incident or war room."""

from datetime import datetime
from enum import StrEnum

from webapp.analytics import record
from webapp.models import Subject, WarRoom
from webapp.webhooks import mirror
from webapp.webhooks.mirror import Transition
from webapp.webhooks.payload import Event, IncidentData, parse_event


class EventType(StrEnum):
    """The v3 webhook event types PagerBridge subscribes to and applies; any other is accepted and ignored."""

    TRIGGERED = "incident.triggered"
    ACKNOWLEDGED = "incident.acknowledged"
    UNACKNOWLEDGED = "incident.unacknowledged"
    RESOLVED = "incident.resolved"
    REOPENED = "incident.reopened"
    ANNOTATED = "incident.annotated"
    PRIORITY_UPDATED = "incident.priority_updated"
    REASSIGNED = "incident.reassigned"
    DELEGATED = "incident.delegated"
    ESCALATED = "incident.escalated"


USED = frozenset(EventType)
TRANSITIONS = {
    EventType.ACKNOWLEDGED: Transition.ACKNOWLEDGED,
    EventType.UNACKNOWLEDGED: Transition.UNACKNOWLEDGED,
    EventType.RESOLVED: Transition.RESOLVED,
    EventType.REOPENED: Transition.REOPENED,
}
WORDS = {EventType.ACKNOWLEDGED: "acknowledged via pagerduty", EventType.RESOLVED: "resolved via pagerduty"}


def apply_event(org_id: int, event_type: str, body: dict) -> str:
    """Apply one stored webhook body to its report or incident; the outcome in a few words."""
    # why: the webhook pipeline in services applies events through this module (a cycle inside webhooks)
    from webapp.webhooks.services import find_subject, parse_time

    if event_type not in USED:
        return f"ignored: {event_type or 'no event type'}"
    event = parse_event(body)
    subject = find_subject(org_id, event.incident)
    if subject is None:
        return "ignored: matches no report, incident or war room"
    event_type, at = EventType(event_type), parse_time(event.occurred_at)
    agent = ((event.agent.summary if event.agent else None) or "")[:254] or None
    if isinstance(subject, WarRoom):
        return _apply_war_room(subject, event_type, at, agent, body)
    snapshot = event.data if event.data is not None and event.data.type == "incident" else None
    mirror.link(subject, event.incident)
    where = f"{type(subject).__name__.lower()} {subject.id}"
    late = ""
    if event_type in TRANSITIONS:
        transition = TRANSITIONS[event_type]
        if mirror.already_reconciled(subject, transition, at):
            return "ignored: reconciliation found it already"
        who = agent or ("someone" if transition in WORD_AGENTS else None)
        apply = mirror.APPLY[transition]
        if transition == Transition.RESOLVED and mirror.is_own_resolve(subject, event.agent):
            apply = mirror.apply_own_resolve
        if not apply(subject, at, who, incident={"service": record.service_of(body)}):
            late = " (older than the status shown: timeline only)"
    else:
        if event_type == EventType.TRIGGERED:  # PagerDuty's own time of paging, for the response figures
            record.note_status(subject, "triggered", at, agent, record.service_of(body))
        late = _apply_other(subject, event_type, event, snapshot, at, agent)
    if snapshot is not None:
        mirror.apply_details(
            subject,
            at,
            urgency=snapshot.urgency,
            priority=snapshot.priority.summary if snapshot.priority else None,
            assignees=snapshot.assignee_names(),
            says_priority=snapshot.says("priority"),
            escalation_level=snapshot.escalation_level,
        )
    return f"{WORDS.get(event_type, event_type.removeprefix('incident.'))} on {where}{late}"


# A war room has no timeline or mirrored status: its incident's status changes feed the response figures only.
WAR_ROOM_STATUSES = {
    EventType.TRIGGERED: "triggered",
    EventType.ACKNOWLEDGED: "acknowledged",
    EventType.RESOLVED: "resolved",
    EventType.REOPENED: "reopened",
}


def _apply_war_room(room: WarRoom, event_type: EventType, at: datetime, agent: str | None, body: dict) -> str:
    """PagerDuty's status change of a war room's incident, in its own time, kept for the response figures."""
    status = WAR_ROOM_STATUSES.get(event_type)
    if status is None:
        return f"ignored: {event_type} of war room {room.number}"
    record.note_status(room, status, at, agent, record.service_of(body))
    return f"{WORDS.get(event_type, event_type.removeprefix('incident.'))} on war room {room.number}"


WORD_AGENTS = (Transition.ACKNOWLEDGED, Transition.RESOLVED)  # lines that always name someone, as before


def _apply_other(
    subject: Subject, event_type: str, event: Event, snapshot: IncidentData | None, at: datetime, agent: str | None
) -> str:
    if event_type == EventType.ANNOTATED:
        note = event.data
        if note is None or not mirror.apply_note(subject, at, agent, note.id, note.content or "", bool(note.trimmed)):
            return " (PagerBridge's own note, or shown already: not repeated)"
        return ""
    if snapshot is None:
        return ""
    if event_type == EventType.PRIORITY_UPDATED:
        mirror.apply_priority(subject, at, agent, snapshot.priority.summary if snapshot.priority else None)
    elif event_type in (EventType.REASSIGNED, EventType.DELEGATED):
        mirror.apply_reassigned(subject, at, agent, snapshot.assignee_names())
    elif event_type == EventType.ESCALATED:
        mirror.apply_escalated(subject, at, agent, snapshot.assignee_names(), snapshot.escalation_level)
    return "" if mirror.is_newer(subject.pd_details_at, at) else " (older than what is shown: timeline only)"
