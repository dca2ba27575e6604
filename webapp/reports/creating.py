"""Creating a report through the API, the scanners' path: plain rows in, the API's answer out, in two statements.

One statement reads what a new report needs (its id on PostgreSQL, the shift in force, the VDP and default
services; the API reads them with its token), one writes the report, its timeline and its delivery (see create_sql).
The rows and the answer are those `services.create_report`, the ORM path the pages take, writes
(tests/reports/test_creating.py compares them). A report whose SLA is at risk or breached the moment it arrives (a
policy with no time for its severity) takes the ORM path: the SLA evaluator then fires its alerts at once.
"""

from types import SimpleNamespace
from typing import Any

from webapp.alerts import content
from webapp.alerts.events import explained_route, report_key
from webapp.alerts.outbox import new_trigger_values
from webapp.errors import DomainError
from webapp.models.report import REPORT_SEVERITIES
from webapp.models.types import utcnow
from webapp.orgs import alert_rules as rules
from webapp.pagerduty.accounts import connection_for
from webapp.queues import wake_senders_after_commit
from webapp.reports import create_sql
from webapp.routing.resolve import Route, direct_route, fallback_route, service_problem, vdp_key_label
from webapp.sla.policy import at_risk_lead_hours, deadline_for, sla_policy, state_at
from webapp.timeline import as_json, delivery_line
from webapp.webhooks.mirror import as_json as mirror_json

EVENT_TYPE = "new_report"
# What a new report holds beyond what was sent (the columns' defaults, as the ORM writes them).
NEW_REPORT = {"id": None, "status": "new", "sla_state": "ok", "assignee_id": None, "pd_paged_exact": False}
MIRROR = {"pd_status": None, "pd_incident_url": None, "pd_priority": None, "pd_urgency": None, "pd_assignees": None}


def create(
    org_id: int, fields: dict[str, Any], actor: str | None, read: create_sql.ReportRows | None = None
) -> dict[str, Any] | None:
    """Write a new report with its timeline and delivery, and return the API's answer; None (nothing written) when
    its SLA is not "ok" from the start, which the ORM path handles. The caller commits. `read`: the rows the API
    token's lookup read along (else they are read here)."""
    severity = fields["severity"]
    if severity not in REPORT_SEVERITIES:
        raise DomainError("Unknown severity.", fields={"severity": f"one of {', '.join(REPORT_SEVERITIES)}"})
    now = utcnow()
    deadline = deadline_for(org_id, severity, now)
    if state_at(deadline, at_risk_lead_hours(sla_policy(org_id), severity)) != "ok":
        return None
    report = SimpleNamespace(**NEW_REPORT, **MIRROR, **_sent(fields), org_id=org_id, submitted_at=now)
    report.sla_deadline, report.updated_at = deadline, now
    found = read if read is not None else create_sql.read(org_id)
    report.id = found.next_id
    where = "public VDP form" if report.source == "form" else report.source
    entries = [_entry("report.submitted", f"Report submitted ({where}).", actor)]
    shift = _in_force(found.shift)
    if shift is None:
        entries.append(_entry("report.unassigned", "Nobody is on call: the report is unassigned.", None))
    else:
        report.assignee_id = shift.user_id
        entries.append(_entry("report.assigned", f"Assigned to {shift.display_name} (on call, {shift.source}).", None))
    rule = rules.rule_for(org_id, EVENT_TYPE)
    delivery = None
    if rule["enabled"]:
        delivery = _delivery(org_id, rule["severity"], found)
    else:
        entries.append(_entry("pagerduty.not_paged", f"Not paged: {rules.rule_off_reason(EVENT_TYPE)}.", None))
    create_sql.write(report, entries, delivery, _payload)
    if delivery is not None and delivery["status"] == "pending":
        wake_senders_after_commit()
    return _answer(report, shift, entries, delivery)


def _sent(fields: dict[str, Any]) -> dict[str, Any]:
    """The columns from what was sent, cleaned as `services.create_report` cleans them."""
    return {
        "title": fields["title"].strip(),
        "description": fields.get("description") or "",
        "severity": fields["severity"],
        "researcher_email": (fields.get("researcher_email") or "").strip().lower() or None,
        "source": fields.get("source", "api"),
    }


def _entry(kind: str, message: str, actor: str | None) -> SimpleNamespace:
    return SimpleNamespace(kind=kind, message=message, actor=actor, at=utcnow())


def _in_force(shift: SimpleNamespace | None) -> SimpleNamespace | None:
    """The newest unended shift, unless it is a manual pick that has run out (as `oncall.current_shift`)."""
    if shift is not None and shift.source == "manual" and shift.ends_at and shift.ends_at <= utcnow():
        return None
    return shift


def _vdp_route(org_id: int, found: create_sql.ReportRows) -> Route:
    """`routing.resolve.route_for_vdp`, on the services read along."""
    direct = direct_route(org_id)
    if direct is not None:
        return direct
    connection = connection_for(org_id)
    if connection is not None and connection.integration_key:
        return Route(connection.integration_key, vdp_key_label(connection), "The integration key given at connect")
    service = found.vdp
    if service is None:
        return fallback_route(org_id, "No VDP integration key or VDP service", default=found.default)
    problem = service_problem(service)
    if problem is None:
        return Route(service.integration_key, service.name, "The service chosen for VDP alerts", service.id)
    why = f"The VDP service {service.name} cannot take it: {problem}"
    return fallback_route(org_id, why, service.id, found.default)  # type: ignore[arg-type]


def _delivery(org_id: int, severity: str, found: create_sql.ReportRows) -> dict[str, Any]:
    """The trigger's columns, less what needs the report's id (its dedup key, subject and payload)."""
    route = explained_route(org_id, _vdp_route(org_id, found))
    return new_trigger_values(org_id, EVENT_TYPE, severity, route)


def _payload(report: SimpleNamespace, delivery: dict[str, Any]) -> None:
    """Complete the delivery once the report's id is known."""
    delivery["dedup_key"] = report_key(report)  # type: ignore[arg-type]
    delivery["subject_type"], delivery["subject_id"] = "report", report.id
    include = rules.include_sensitive_details(report.org_id)
    delivery["payload"] = content.report_payload(report, EVENT_TYPE, delivery["severity"], include)  # type: ignore[arg-type]


def _answer(
    report: SimpleNamespace,
    shift: SimpleNamespace | None,
    entries: list[SimpleNamespace],
    delivery: dict[str, Any] | None,
) -> dict[str, Any]:
    """The contract's report, from what was written (as `services.report_json` shows it)."""
    lines = list(entries)
    if delivery is not None:
        line = delivery_line(SimpleNamespace(**delivery, attempts=0, delivered_at=None, last_response=None))
        if line is not None:
            lines.append(line)
    return {
        "id": report.id,
        **content.report_fields(report),  # type: ignore[arg-type]
        "submitted_at": report.submitted_at.isoformat(),
        "assignee_email": shift.email if shift is not None else None,
        "pagerduty": mirror_json(report),  # type: ignore[arg-type]
        "timeline": as_json(sorted(lines, key=lambda entry: entry.at)),
    }
