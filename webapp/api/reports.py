"""The reports API: create, list, read, assess, set status."""

from flask import g, jsonify

from webapp.api import bp, responses, schemas
from webapp.api.auth import resolved_token, token_required
from webapp.api.openapi import operation
from webapp.api.paging import page_of
from webapp.api.validation import body, query
from webapp.extensions import db
from webapp.models import Report
from webapp.reports import services


def report_item(report):
    """A report as GET /reports lists it: no timeline, with its last-change time."""
    return {
        **services.report_json(report, timeline=False),
        "updated_at": report.updated_at.isoformat(),
    }


@bp.post("/reports")
@operation("Create a report", responses.Report, status=201, body=schemas.NewReport)
@token_required
def create_report():
    """POST /reports {title, description?, researcher_email?, severity?} → 201."""
    data = body(schemas.NewReport)
    fields = {
        "title": data.title,
        "description": data.description or "",
        "researcher_email": data.researcher_email,
        "severity": data.severity or "none",
        "source": "api",
    }
    answer = services.create_answer(g.org_id, fields, actor="api", read=resolved_token().report)
    return jsonify(answer), 201


@bp.get("/reports")
@operation("List reports, newest first", responses.ReportPage, query=schemas.ReportQuery)
@token_required
def list_reports():
    """GET /reports?limit=&cursor=&status=&severity=&updated_since=."""
    params = query(schemas.ReportQuery)
    selected = db.select(Report).filter_by(org_id=g.org_id)
    for name in ("status", "severity"):
        if getattr(params, name):
            selected = selected.filter_by(**{name: getattr(params, name)})
    if params.updated_since:
        selected = selected.where(Report.updated_at >= params.updated_since)
    reports, next_cursor = page_of(selected, Report.submitted_at, Report.id, params.limit, params.cursor)
    return jsonify(items=[report_item(report) for report in reports], next_cursor=next_cursor)


@bp.get("/reports/<id:report_id>")
@operation("Read a report with its timeline", responses.Report)
@token_required
def get_report(report_id):
    """GET /reports/<id>."""
    return jsonify(services.report_json(services.get_report(g.org_id, report_id)))


@bp.post("/reports/<id:report_id>/assessment")
@operation("Assess a report's severity", responses.Report, body=schemas.Assessment)
@token_required
def assess_report(report_id):
    """POST /reports/<id>/assessment {severity}."""
    services.get_report(g.org_id, report_id)
    data = body(schemas.Assessment)
    return jsonify(services.report_json(services.assess_report(g.org_id, report_id, data.severity, "api")))


@bp.post("/reports/<id:report_id>/status")
@operation("Move a report through triage", responses.Report, body=schemas.StatusChange)
@token_required
def set_status(report_id):
    """POST /reports/<id>/status {status}."""
    services.get_report(g.org_id, report_id)
    data = body(schemas.StatusChange)
    return jsonify(services.report_json(services.set_report_status(g.org_id, report_id, data.status, "api")))
