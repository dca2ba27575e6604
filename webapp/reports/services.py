"""VDP reports: the one place they are created, assessed and moved; both the pages and the API call these."""

from webapp.alerts import events
from webapp.alerts.content import report_fields
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inputs import parse_id
from webapp.models import Report
from webapp.models.report import CLOSED_REPORT_STATUSES, REPORT_SEVERITIES, REPORT_STATUSES
from webapp.models.types import utcnow
from webapp.oncall.services import assign_new_report
from webapp.reports import creating
from webapp.reports.create_sql import ReportRows
from webapp.sla.evaluator import refresh_deadline
from webapp.sla.policy import deadline_for
from webapp.tenancy import contains_any, get_in_org
from webapp.timeline import add_entry, as_json, entries_for, start_timeline
from webapp.unit_of_work import kept_loaded
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
    submitted_at = utcnow()
    report = Report(
        org_id=org_id,
        title=title.strip(),
        description=description or "",
        severity=severity,
        researcher_email=(researcher_email or "").strip().lower() or None,
        source=source,
        submitted_at=submitted_at,
        sla_deadline=deadline_for(org_id, severity, submitted_at),  # inserted with it: no UPDATE after
    )
    db.session.add(report)
    db.session.flush()
    start_timeline(report)
    add_entry(
        report, "report.submitted", f"Report submitted ({'public VDP form' if source == 'form' else source}).", actor
    )
    with db.session.no_autoflush:  # the on-call read needs none of this: both timeline lines go in one INSERT
        refresh_deadline(report)  # the same deadline; fires at once when the policy leaves no time
        assign_new_report(report)
    events.on_report_created(report)
    db.session.commit()
    return report


def create_answer(org_id: int, fields: dict, actor: str | None = None, read: ReportRows | None = None) -> dict:
    """Record a report sent through the API and commit; returns the API's answer. The Core path (`creating`) writes
    what `create_report` would; a report due for an SLA alert the moment it arrives takes `create_report` itself.
    `read`: what the new report needs, when the API token's lookup read it along."""
    answer = creating.create(org_id, fields, actor, read)
    if answer is not None:
        db.session.commit()
        return answer
    with kept_loaded():  # answer with what was just written, without reading it back
        return report_json(create_report(org_id, actor=actor, **fields))


# What a move of each field is checked against, and how its timeline line reads.
MOVES = {
    "severity": (REPORT_SEVERITIES, "report.assessed", "Severity assessed"),
    "status": (REPORT_STATUSES, "report.status", "Status changed"),
}


def _move(org_id, report_id, field, value, actor):
    """Set the report's severity or status (a known word) with its timeline line and SLA deadline, uncommitted;
    returns (report, the previous value)."""
    report = get_report(org_id, report_id)
    allowed, kind, line = MOVES[field]
    if value not in allowed:
        raise DomainError(f"Unknown {field}.", fields={field: f"one of {', '.join(allowed)}"})
    previous = getattr(report, field)
    if previous != value:
        setattr(report, field, value)
        add_entry(report, kind, f"{line}: {previous} → {value}.", actor)
        refresh_deadline(report)
    return report, previous


def assess_report(org_id, report_id, severity, actor=None):
    """Set a report's severity; its SLA deadline follows, and critical assessments alert."""
    report, previous = _move(org_id, report_id, "severity", severity, actor)
    if previous != severity:
        events.on_report_assessed(report, previous)
        db.session.commit()
    return report


def set_report_status(org_id, report_id, status, actor=None):
    """Move a report through triage; closing it resolves its PagerDuty incident when the org wants that."""
    report, previous = _move(org_id, report_id, "status", status, actor)
    if previous != status:
        if status in CLOSED_REPORT_STATUSES and previous not in CLOSED_REPORT_STATUSES:
            events.on_report_closed(report)
        db.session.commit()
    return report


def search(org_id, q=None, status=None, severity=None, sla=None, sort="newest"):
    """A filtered, sorted query of the org's reports."""
    query = db.select(Report).filter_by(org_id=org_id)
    if q:
        report_id = parse_id(q.strip().lstrip("#"))
        by_id = () if report_id is None else (Report.id == report_id,)
        query = query.where(contains_any(q, Report.title, Report.researcher_email, also=by_id))
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
        **report_fields(report),
        "submitted_at": report.submitted_at.isoformat(),
        "assignee_email": report.assignee.email if report.assignee else None,
        "pagerduty": mirror_json(report),
    }
    if timeline:
        body["timeline"] = as_json(entries_for(report))
    return body
