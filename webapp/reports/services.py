"""VDP reports: the one place they are created, assessed and moved; both the pages and the API call these."""

from sqlalchemy import or_

from webapp.alerts import events
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inputs import parse_id
from webapp.models import Report
from webapp.models.work import CLOSED_REPORT_STATUSES, REPORT_SEVERITIES, REPORT_STATUSES
from webapp.oncall.services import assign_new_report
from webapp.sla.evaluator import refresh_deadline
from webapp.tenancy import get_in_org
from webapp.timeline import add_entry, as_json, entries_for, start_timeline
from webapp.webhooks.mirror import as_json as mirror_json

PAGE_SIZE = 25
SORTS = {
    "newest": Report.id.desc(),
    "time_left": Report.sla_deadline.asc().nulls_last(),
    "severity": Report.severity.desc(),
}


def get_report(org_id, report_id):
    """The org's report, or NotFound."""
    return get_in_org(Report, org_id, report_id, "report")


def create_report(org_id, title, description="", researcher_email=None, severity="none", source="api", actor=None):
    """Record a new report, start its SLA clock, assign it to whoever is on call, and alert."""
    if severity not in REPORT_SEVERITIES:
        raise DomainError("Unknown severity.", fields={"severity": f"one of {', '.join(REPORT_SEVERITIES)}"})
    report = Report(
        org_id=org_id,
        title=title.strip(),
        description=description or "",
        severity=severity,
        researcher_email=(researcher_email or "").strip().lower() or None,
        source=source,
    )
    db.session.add(report)
    db.session.flush()
    start_timeline(report)
    add_entry(
        report, "report.submitted", f"Report submitted ({'public VDP form' if source == 'form' else source}).", actor
    )
    refresh_deadline(report)
    assign_new_report(report)
    events.on_report_created(report)
    db.session.commit()
    return report


def assess_report(org_id, report_id, severity, actor=None):
    """Set a report's severity; its SLA deadline follows, and critical assessments alert."""
    report = get_report(org_id, report_id)
    if severity not in REPORT_SEVERITIES:
        raise DomainError("Unknown severity.", fields={"severity": f"one of {', '.join(REPORT_SEVERITIES)}"})
    previous = report.severity
    if previous == severity:
        return report
    report.severity = severity
    add_entry(report, "report.assessed", f"Severity assessed: {previous} → {severity}.", actor)
    refresh_deadline(report)
    events.on_report_assessed(report, previous)
    db.session.commit()
    return report


def set_report_status(org_id, report_id, status, actor=None):
    """Move a report through triage; closing it resolves its PagerDuty incident when the org wants that."""
    report = get_report(org_id, report_id)
    if status not in REPORT_STATUSES:
        raise DomainError("Unknown status.", fields={"status": f"one of {', '.join(REPORT_STATUSES)}"})
    previous = report.status
    if previous == status:
        return report
    report.status = status
    add_entry(report, "report.status", f"Status changed: {previous} → {status}.", actor)
    refresh_deadline(report)
    if status in CLOSED_REPORT_STATUSES and previous not in CLOSED_REPORT_STATUSES:
        events.on_report_closed(report)
    db.session.commit()
    return report


def search(org_id, q=None, status=None, severity=None, sla=None, sort="newest"):
    """A filtered, sorted query of the org's reports."""
    query = db.select(Report).filter_by(org_id=org_id)
    if q:
        like = f"%{q.strip()}%"
        conditions = [Report.title.ilike(like), Report.researcher_email.ilike(like)]
        report_id = parse_id(q.strip().lstrip("#"))
        if report_id is not None:
            conditions.append(Report.id == report_id)
        query = query.where(or_(*conditions))
    if status == "open":
        query = query.where(Report.status.not_in(CLOSED_REPORT_STATUSES))
    elif status in REPORT_STATUSES:
        query = query.filter_by(status=status)
    if severity in REPORT_SEVERITIES:
        query = query.filter_by(severity=severity)
    if sla == "attention":
        query = query.where(Report.sla_state.in_(("at_risk", "breached")), Report.status.not_in(CLOSED_REPORT_STATUSES))
    elif sla in ("ok", "at_risk", "breached"):
        query = query.filter_by(sla_state=sla)
    return query.order_by(SORTS.get(sort, SORTS["newest"]), Report.id.desc())


def report_json(report, timeline=True):
    """The contract's report shape (without reading the timeline when `timeline` is false)."""
    body = {
        "id": report.id,
        "title": report.title,
        "severity": report.severity,
        "status": report.status,
        "sla_deadline": report.sla_deadline.isoformat() if report.sla_deadline else None,
        "sla_state": report.sla_state,
        "assignee_email": report.assignee.email if report.assignee else None,
        "pagerduty": mirror_json(report),
    }
    if timeline:
        body["timeline"] = as_json(entries_for(report))
    return body
