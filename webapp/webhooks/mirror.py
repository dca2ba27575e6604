"""PagerDuty's story of an incident, applied to its report or incident in PagerDuty's own time order.

Each status transition has one function (apply_acknowledged, apply_unacknowledged, apply_resolved, apply_reopened)
taking the subject, PagerDuty's time of the event and who did it: webhooks and reconciliation both go through them.
Every event adds its timeline line at PagerDuty's time; only an event newer than the last one applied changes the
mirrored state, so a late or repeated event never undoes a newer one.
"""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeAlias

from webapp.analytics import record
from webapp.extensions import db
from webapp.models import Delivery, Incident, Report, Subject, TimelineEntry
from webapp.models.mirror import PAGERDUTY_URGENCIES
from webapp.models.vocabularies import DeliveryStatus
from webapp.timeline import add_entry
from webapp.webhooks.payload import Agent, IncidentData

RECONCILED = " (found by reconciliation)"
MAX_NOTE = 2000
NOTE_MARGIN = timedelta(minutes=5)  # notes read back overlap the last read by this much (their ids dedupe)
SAME_EVENT = timedelta(minutes=1)  # PagerDuty's status time read back vs its webhook's occurred_at for one change

# The PagerDuty incident an event or a read-back names: its JSON, or the parsed webhook payload.
PdIncident: TypeAlias = dict[str, Any] | IncidentData


class Transition(StrEnum):
    """The status changes PagerDuty reports."""

    ACKNOWLEDGED = "acknowledged"
    UNACKNOWLEDGED = "unacknowledged"
    RESOLVED = "resolved"
    REOPENED = "reopened"


STATUS_AFTER = {
    Transition.ACKNOWLEDGED: "acknowledged",
    Transition.UNACKNOWLEDGED: "triggered",
    Transition.RESOLVED: "resolved",
    Transition.REOPENED: "triggered",
}
RANK = {"triggered": 0, "acknowledged": 1, "resolved": 2}
STATUS_KINDS = tuple(f"pagerduty.{transition}" for transition in Transition)


def _by(agent: str | None) -> str:
    return f" by {agent}" if agent else ""


def apply_acknowledged(
    subject: Subject, at: datetime, agent: str | None, incident: PdIncident | None = None, reconciled: bool = False
) -> bool:
    """Acknowledged in PagerDuty: True when the mirror now says acknowledged (False: a newer status stands)."""
    return _transition(subject, Transition.ACKNOWLEDGED, at, agent, "Acknowledged via PagerDuty", incident, reconciled)


def apply_unacknowledged(
    subject: Subject, at: datetime, agent: str | None, incident: PdIncident | None = None, reconciled: bool = False
) -> bool:
    """The acknowledgement timed out (with PagerDuty's agent when it names one): the mirror is triggered again."""
    lead = "Acknowledgement timed out in PagerDuty"
    return _transition(subject, Transition.UNACKNOWLEDGED, at, agent, lead, incident, reconciled)


def apply_resolved(
    subject: Subject, at: datetime, agent: str | None, incident: PdIncident | None = None, reconciled: bool = False
) -> bool:
    """Resolved in PagerDuty (the triage status stays a human decision here)."""
    return _transition(subject, Transition.RESOLVED, at, agent, "Resolved via PagerDuty", incident, reconciled)


def apply_own_resolve(
    subject: Subject, at: datetime, agent: str | None, incident: PdIncident | None = None, reconciled: bool = False
) -> bool:
    """PagerDuty's echo of a resolve PagerBridge sent: resolved as apply_resolved, but no line of its own (the
    delivery's "Resolved in PagerDuty (…)" line says it, as the "Paged …" line says a trigger)."""
    lead = "Resolved via PagerDuty"
    return _transition(subject, Transition.RESOLVED, at, agent, lead, incident, reconciled, line=False)


def is_own_resolve(subject: Subject, agent: Agent | None) -> bool:
    """Whether a resolution came through the Events API (PagerDuty names the integration's service as its agent) while
    PagerBridge is resolving, or has resolved, this subject's key: only PagerBridge sends events with that key."""
    if agent is None or agent.type != "service_reference":
        return False
    sent = db.select(Delivery.id).where(
        Delivery.org_id == subject.org_id,
        Delivery.dedup_key == f"{'incident' if isinstance(subject, Incident) else 'report'}-{subject.id}",
        Delivery.action == "resolve",
        Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.RETRYING, DeliveryStatus.DELIVERED)),
    )
    return db.session.scalar(sent.limit(1)) is not None


def apply_reopened(
    subject: Subject, at: datetime, agent: str | None, incident: PdIncident | None = None, reconciled: bool = False
) -> bool:
    """A resolved incident reopened in PagerDuty: the mirror is triggered again, from the first escalation level."""
    changed = _transition(subject, Transition.REOPENED, at, agent, "Reopened in PagerDuty", incident, reconciled)
    if changed:
        subject.pd_escalation_level = 1
    return changed


APPLY = {
    Transition.ACKNOWLEDGED: apply_acknowledged,
    Transition.UNACKNOWLEDGED: apply_unacknowledged,
    Transition.RESOLVED: apply_resolved,
    Transition.REOPENED: apply_reopened,
}


def _transition(
    subject: Subject,
    transition: Transition,
    at: datetime,
    agent: str | None,
    lead: str,
    incident: PdIncident | None,
    reconciled: bool,
    line: bool = True,
) -> bool:
    if transition != Transition.UNACKNOWLEDGED:  # the response figures keep the first acknowledgement
        service = incident.get("service") if isinstance(incident, dict) else None
        record.note_status(subject, str(transition), at, agent, service)
    words = f"{lead}{RECONCILED if reconciled else ''}{_by(agent)}."
    if line:
        add_entry(subject, f"pagerduty.{transition}", words, actor=(agent or None) and agent[:254], at=at)
    link(subject, incident)
    if not is_newer(subject.pd_status_at, at):
        return False
    earlier_step = RANK[STATUS_AFTER[transition]] < RANK.get(subject.pd_status or "", 0)
    if not reconciled and at == subject.pd_status_at and earlier_step:
        return False  # the same instant: the later step of the lifecycle stands (what PagerDuty reads now wins)
    if subject.pd_status_at is None and subject.pd_status == "resolved" and transition == Transition.ACKNOWLEDGED:
        return False  # mirrored before times were kept: an acknowledgement never reopens
    subject.pd_status, subject.pd_status_at = STATUS_AFTER[transition], at
    return True


def is_newer(applied_at: datetime | None, at: datetime) -> bool:
    """Whether an event at `at` is at least as new as the last one applied."""
    return applied_at is None or at >= applied_at


def link(subject: Subject, incident: PdIncident | None) -> None:
    """Remember the PagerDuty incident's id and page (a dict or IncidentData)."""
    if incident is None:
        return
    get = incident.get if isinstance(incident, dict) else lambda name: getattr(incident, name, None)
    subject.pd_incident_id = get("id") or subject.pd_incident_id
    subject.pd_incident_url = get("html_url") or subject.pd_incident_url


def already_reconciled(subject: Subject, transition: Transition, at: datetime) -> bool:
    """A late webhook repeating what reconciliation already found (and put on the timeline): the newest status line
    is this transition, found by reconciliation, at (about) this time."""
    if subject.pd_status != STATUS_AFTER[transition]:
        return False
    line = db.session.execute(
        db.select(TimelineEntry.kind, TimelineEntry.message, TimelineEntry.at)
        .where(_column(subject) == subject.id, TimelineEntry.kind.in_(STATUS_KINDS))
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc())
        .limit(1)
    ).first()
    return (
        line is not None
        and line.kind == f"pagerduty.{transition}"
        and RECONCILED in line.message
        and at <= line.at + SAME_EVENT
    )


def _column(subject: Subject) -> Any:
    return TimelineEntry.report_id if isinstance(subject, Report) else TimelineEntry.incident_id


def as_json(subject: Subject) -> dict[str, Any]:
    """The API's `pagerduty` object: status, incident_url, priority (PagerDuty's name or null), urgency, assignees."""
    return {
        "status": subject.pd_status,
        "incident_url": subject.pd_incident_url,
        "priority": subject.pd_priority,
        "urgency": subject.pd_urgency,
        "assignees": list(subject.pd_assignees or []),
    }


def apply_details(
    subject: Subject,
    at: datetime,
    urgency: str | None = None,
    priority: str | None = None,
    assignees: list[str] | None = None,
    says_priority: bool = False,
    escalation_level: int | None = None,
    reconciled: bool = False,
) -> bool:
    """What an incident snapshot says now (urgency, priority, assignees), when it is the newest seen; an urgency
    change gets a timeline line. Returns whether the snapshot was applied."""
    if not is_newer(subject.pd_details_at, at):
        return False
    subject.pd_details_at = at
    if urgency in PAGERDUTY_URGENCIES:
        if subject.pd_urgency and subject.pd_urgency != urgency:
            words = f"Urgency changed to {urgency} in PagerDuty{RECONCILED if reconciled else ''}."
            add_entry(subject, "pagerduty.urgency", words, at=at)
        subject.pd_urgency = urgency
    if says_priority:
        subject.pd_priority = (priority or None) and priority[:100]
    if assignees is not None:
        subject.pd_assignees = [name[:254] for name in assignees]
    if escalation_level is not None:
        subject.pd_escalation_level = escalation_level
    elif subject.pd_escalation_level is None:
        subject.pd_escalation_level = 1
    return True


def apply_priority(subject: Subject, at: datetime, agent: str | None, priority: str | None) -> None:
    """incident.priority_updated: a timeline line (the value comes with the snapshot)."""
    words = f"Priority set to {priority}" if priority else "Priority removed"
    add_entry(subject, "pagerduty.priority", f"{words} in PagerDuty{_by(agent)}.", actor=agent, at=at)


def apply_reassigned(subject: Subject, at: datetime, agent: str | None, assignees: list[str] | None) -> None:
    """incident.reassigned (or delegated): a timeline line naming the new assignees."""
    to = f" to {', '.join(assignees)}" if assignees else ""
    add_entry(subject, "pagerduty.reassigned", f"Reassigned in PagerDuty{_by(agent)}{to}.", actor=agent, at=at)


def apply_escalated(
    subject: Subject, at: datetime, agent: str | None, assignees: list[str] | None, level: int | None = None
) -> None:
    """incident.escalated: a timeline line, and the escalation level (PagerDuty's, else one more) when newest."""
    if level is None:
        level = (subject.pd_escalation_level or 1) + 1 if is_newer(subject.pd_details_at, at) else None
    if level is not None and is_newer(subject.pd_details_at, at):
        subject.pd_escalation_level = level
    where = f" to level {level}" if level else ""
    to = f": {', '.join(assignees)}" if assignees else ""
    add_entry(subject, "pagerduty.escalated", f"Escalated in PagerDuty{where}{to}.", actor=agent, at=at)


def apply_note(
    subject: Subject, at: datetime, agent: str | None, note_id: str | None, content: str, trimmed: bool = False
) -> bool:
    """A note added in PagerDuty, once: not when PagerDuty echoes PagerBridge's own note, nor when already shown."""
    content = (content or "").strip()
    if not content or is_own_note(subject, content, trimmed):
        return False
    if note_id and db.session.scalar(
        db.select(TimelineEntry.id).where(_column(subject) == subject.id, TimelineEntry.pd_ref == note_id).limit(1)
    ):
        return False
    text = content[:MAX_NOTE] + ("…" if trimmed or len(content) > MAX_NOTE else "")
    entry = add_entry(subject, "pagerduty.note", f"Note in PagerDuty{_by(agent)}: {text}", actor=agent, at=at)
    entry.pd_ref = note_id
    return True


def is_own_note(subject: Subject, content: str, trimmed: bool = False) -> bool:
    """Whether PagerBridge sent this note (PagerDuty's echo may be trimmed: then its start must match)."""
    kind = "incident" if isinstance(subject, Incident) else "report"
    sent = db.session.scalars(
        db.select(Delivery.payload).where(
            Delivery.org_id == subject.org_id,
            Delivery.dedup_key == f"{kind}-{subject.id}",
            Delivery.action == "note",
        )
    ).all()
    wanted = " ".join(content.split())
    for payload in sent:
        own = " ".join(str((payload or {}).get("content", "")).split())
        if own == wanted or (trimmed and wanted and own.startswith(wanted.rstrip("…. "))):
            return True
    return False
