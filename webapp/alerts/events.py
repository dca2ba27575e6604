"""When product events become PagerDuty events: rule checks, routes, dedup keys, content."""

from collections.abc import Sequence
from typing import Any

from webapp.alerts import content
from webapp.alerts.outbox import latest_trigger, queue_event, queue_events
from webapp.extensions import db
from webapp.models import Delivery, Incident, Org, Report, Subject, TimelineEntry, WarRoom
from webapp.models.types import utcnow
from webapp.orgs import alert_rules as rules
from webapp.pagerduty.accounts import connection_for
from webapp.routing.resolve import Route, route_for_incident, route_for_vdp
from webapp.timeline import add_entry, record_delivery

CRITICAL_REPORT_SEVERITIES = ("critical", "super-critical")


def report_key(report: Report) -> str:
    return f"report-{report.id}"


def incident_key(incident: Incident) -> str:
    return f"incident-{incident.id}"


def war_room_key(war_room: WarRoom) -> str:
    return f"war-room-{db.session.get_one(Org, war_room.org_id).slug}-{war_room.number}"


def _report_alert(report: Report, event_type: str) -> Delivery | None:
    rule = rules.rule_for(report.org_id, event_type)
    if not rule["enabled"]:
        add_entry(report, "pagerduty.not_paged", f"Not paged: {rules.rule_off_reason(event_type)}.")
        return None
    event = content.report_payload(report, event_type, rule["severity"], rules.include_sensitive_details(report.org_id))
    return _queued(
        report,
        report.org_id,
        action="trigger",
        event_type=event_type,
        dedup_key=report_key(report),
        severity=rule["severity"],
        payload=event,
        route=route_for_vdp(report.org_id),
    )


def _follow_up(subject: Subject, dedup_key: str, action: str, event_type: str) -> Delivery | None:
    """An acknowledge or resolve that goes where the trigger went; nothing when no trigger was sent."""
    trigger = latest_trigger(subject.org_id, dedup_key)
    if trigger is None or not trigger.routing_key:
        return None
    route = Route(trigger.routing_key, trigger.target_label, "Same routing key as the trigger", trigger.service_id)
    return _queued(
        subject,
        subject.org_id,
        action=action,
        event_type=event_type,
        dedup_key=dedup_key,
        severity=trigger.severity,
        route=route,
    )


def _queued(subject: Subject, org_id: int, route: Route | None = None, **fields: Any) -> Delivery:
    """Queue one delivery for a subject, which its timeline then shows (with the real reason when nothing routes)."""
    delivery = queue_event(org_id, subject=subject, route=explained_route(org_id, route), **fields)
    return record_delivery(subject, delivery)


def explained_route(org_id: int, route: Route | None) -> Route | None:
    """The resolver's route, but without a connection nothing can route: say that rather than what is missing."""
    if route is None or route.routing_key:
        return route

    connection = connection_for(org_id)
    if connection is not None and connection.state != "disconnected":
        return route
    why = "PagerDuty is not connected" if connection is None else "PagerDuty is disconnected"
    return Route(None, route.label, f"{why}: connect it in Settings → PagerDuty", route.service_id)


def _not_paged_batch(reports: Sequence[Report], message: str) -> None:
    """One timeline line per report of an evaluator pass, in one statement."""
    now = utcnow()
    db.session.execute(
        db.insert(TimelineEntry),
        [
            {"org_id": r.org_id, "report_id": r.id, "kind": "pagerduty.not_paged", "at": now, "message": message}
            for r in reports
        ],
    )


def current_route(subject: Subject) -> Route | None:
    """Where an alert about this report or incident would go now, and why (the item pages show it)."""
    if isinstance(subject, Incident):
        return explained_route(subject.org_id, route_for_incident(subject))
    return explained_route(subject.org_id, route_for_vdp(subject.org_id))


def on_report_created(report: Report) -> Delivery | None:
    """A new report was submitted (rule new_report)."""
    return _report_alert(report, "new_report")


def on_report_assessed(report: Report, previous_severity: str) -> Delivery | None:
    """A report's severity changed (rule critical_assessed for critical and super-critical)."""
    if report.severity in CRITICAL_REPORT_SEVERITIES and previous_severity not in CRITICAL_REPORT_SEVERITIES:
        return _report_alert(report, "critical_assessed")
    return None


def on_report_closed(report: Report) -> Delivery | None:
    """A report was resolved or dismissed: resolve its PagerDuty incident when the toggle is on."""
    if rules.auto_resolve_reports(report.org_id):
        return _follow_up(report, report_key(report), "resolve", "report_closed")
    if latest_trigger(report.org_id, report_key(report)) is not None:
        add_entry(report, "pagerduty.not_resolved", "Not resolved in PagerDuty: auto-resolve of closed reports is off.")
    return None


def on_incident_created(incident: Incident) -> Delivery | None:
    """A runtime incident arrived: page when the notification settings want it."""
    wanted, why_not = rules.incident_wanted(incident.org_id, incident)
    if not wanted:
        add_entry(incident, "pagerduty.not_paged", f"Not paged: {why_not}.")
        return None
    return _incident_trigger(incident, "incident")


def _incident_trigger(incident: Incident, event_type: str) -> Delivery | None:
    severity = rules.severity_mapping(incident.org_id)[incident.severity]
    return _queued(
        incident,
        incident.org_id,
        action="trigger",
        event_type=event_type,
        dedup_key=incident_key(incident),
        severity=severity,
        payload=content.incident_payload(incident, severity),
        route=route_for_incident(incident),
    )


def on_incident_updated(incident: Incident, changed_fields: Sequence[str]) -> Delivery | None:
    """Progress sync: a note with an API token, a re-trigger carrying the new details with a routing key."""
    tracked = set(changed_fields) & {"status", "root_cause", "remediation_steps", "affected_resources", "severity"}
    trigger = latest_trigger(incident.org_id, incident_key(incident))
    if not tracked or trigger is None or not trigger.routing_key or incident.status == "resolved":
        return None

    connection = connection_for(incident.org_id)
    if connection is not None and connection.method == "api_token" and connection.api_token:
        return _queued(
            incident,
            incident.org_id,
            action="note",
            event_type="progress",
            dedup_key=incident_key(incident),
            severity=trigger.severity,
            payload={"content": progress_note(incident, sorted(tracked))},
            route=Route(trigger.routing_key, "REST API note", "Progress note on the incident", trigger.service_id),
        )
    severity = rules.severity_mapping(incident.org_id)[incident.severity]
    return _queued(
        incident,
        incident.org_id,
        action="trigger",
        event_type="progress",
        dedup_key=incident_key(incident),
        severity=severity,
        payload=content.incident_payload(incident, severity),
        route=Route(trigger.routing_key, trigger.target_label, "Re-trigger with the new details", trigger.service_id),
    )


def progress_note(incident: Incident, fields: Sequence[str]) -> str:
    """The text of a progress note."""
    lines = [f"PagerBridge update on incident #{incident.id}: status {incident.status}, severity {incident.severity}."]
    if "root_cause" in fields and incident.root_cause:
        lines.append(f"Root cause: {incident.root_cause}")
    if "remediation_steps" in fields and incident.remediation_steps:
        steps = incident.remediation_steps
        lines.append("Remediation: " + ("; ".join(steps) if isinstance(steps, list) else str(steps)))
    if "affected_resources" in fields and incident.affected_resources:
        resources = incident.affected_resources
        lines.append("Affected: " + (", ".join(resources) if isinstance(resources, list) else str(resources)))
    lines.append(content.link(f"/incidents/{incident.id}"))
    return "\n".join(lines)[:25000]


def on_incident_resolved(incident: Incident) -> Delivery | None:
    """A runtime incident was resolved: resolve its PagerDuty incident."""
    return _follow_up(incident, incident_key(incident), "resolve", "incident_resolved")


def on_sla_at_risk(report: Report) -> Delivery | None:
    """The SLA evaluator moved a report to at risk (rule sla_at_risk)."""
    return _report_alert(report, "sla_at_risk")


def on_sla_breached(report: Report) -> Delivery | None:
    """The SLA evaluator moved a report to breached (rule sla_breached)."""
    return _report_alert(report, "sla_breached")


def on_sla_transitions(reports: Sequence[Report], event_type: str) -> None:
    """A pass of the SLA evaluator moved these reports (rule sla_at_risk or sla_breached): one batch per org."""
    by_org: dict[int, list[Report]] = {}
    for report in reports:
        by_org.setdefault(report.org_id, []).append(report)
    for org_id, org_reports in by_org.items():
        rule = rules.rule_for(org_id, event_type)
        if not rule["enabled"]:
            _not_paged_batch(org_reports, f"Not paged: {rules.rule_off_reason(event_type)}.")
            continue
        sensitive = rules.include_sensitive_details(org_id)
        org = db.session.get_one(Org, org_id)  # held, so the payloads find it in the identity map
        items = [
            (report_key(r), r, content.report_payload(r, event_type, rule["severity"], sensitive)) for r in org_reports
        ]
        queue_events(
            org.id,
            items,
            action="trigger",
            event_type=event_type,
            severity=rule["severity"],
            route=explained_route(org_id, route_for_vdp(org_id)),
        )


def on_war_room_activated(war_room: WarRoom) -> Delivery | None:
    """2+ reports are at risk or breached at once (rule war_room)."""
    rule = rules.rule_for(war_room.org_id, "war_room")
    if not rule["enabled"]:
        return None

    reports = db.session.scalars(db.select(Report).where(Report.id.in_(war_room.report_ids or []))).all()
    return queue_event(
        war_room.org_id,
        action="trigger",
        event_type="war_room",
        dedup_key=war_room_key(war_room),
        severity=rule["severity"],
        payload=content.war_room_payload(war_room, reports, rule["severity"]),
        route=route_for_vdp(war_room.org_id),
    )


def on_war_room_ended(war_room: WarRoom) -> Delivery | None:
    """Fewer than 2 remain: resolve the war room's alert."""
    key = war_room_key(war_room)
    trigger = latest_trigger(war_room.org_id, key)
    if trigger is None or not trigger.routing_key:
        return None
    return queue_event(
        war_room.org_id,
        action="resolve",
        event_type="war_room_ended",
        dedup_key=key,
        severity=trigger.severity,
        route=Route(trigger.routing_key, trigger.target_label, "Same routing key as the trigger", trigger.service_id),
    )
