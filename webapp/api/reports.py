"""The reports API: create, read, assess, set status."""

from flask import g, jsonify

from webapp.api import bp
from webapp.api.auth import token_required
from webapp.api.validation import Field, json_object, validated
from webapp.models.work import REPORT_SEVERITIES, REPORT_STATUSES
from webapp.reports import services
from webapp.sessions import kept_loaded

NEW_REPORT = {
    "title": Field(str, required=True, max_length=300),
    "description": Field(str, max_length=100_000),
    "researcher_email": Field(str, max_length=254),
    "severity": Field(str, choices=REPORT_SEVERITIES),
}


@bp.post("/reports")
@token_required
def create_report():
    """POST /reports {title, description?, researcher_email?, severity?} → 201."""
    data = validated(json_object(), NEW_REPORT)
    email = data.get("researcher_email")
    if email and "@" not in email:
        from webapp.errors import DomainError

        raise DomainError("Some fields are not valid.", fields={"researcher_email": "must be an email address"})
    with kept_loaded():  # answer with what was just written, without reading it back
        report = services.create_report(
            g.org_id,
            data["title"],
            data.get("description") or "",
            email,
            data.get("severity") or "none",
            source="api",
            actor="api",
        )
        body = services.report_json(report)
    return jsonify(body), 201


@bp.get("/reports/<id:report_id>")
@token_required
def get_report(report_id):
    """GET /reports/<id>."""
    return jsonify(services.report_json(services.get_report(g.org_id, report_id)))


@bp.post("/reports/<id:report_id>/assessment")
@token_required
def assess_report(report_id):
    """POST /reports/<id>/assessment {severity}."""
    services.get_report(g.org_id, report_id)
    data = validated(json_object(), {"severity": Field(str, required=True, choices=REPORT_SEVERITIES)})
    return jsonify(services.report_json(services.assess_report(g.org_id, report_id, data["severity"], "api")))


@bp.post("/reports/<id:report_id>/status")
@token_required
def set_status(report_id):
    """POST /reports/<id>/status {status}."""
    services.get_report(g.org_id, report_id)
    data = validated(json_object(), {"status": Field(str, required=True, choices=REPORT_STATUSES)})
    return jsonify(services.report_json(services.set_report_status(g.org_id, report_id, data["status"], "api")))
