"""The incidents API: create (idempotent on external_id), update, read."""

from flask import g, jsonify

from webapp.api import bp
from webapp.api.auth import token_required
from webapp.api.validation import Field, json_object, validated
from webapp.errors import DomainError
from webapp.incidents import services
from webapp.models.work import INCIDENT_KINDS, INCIDENT_SEVERITIES, INCIDENT_STATUSES, PROVIDERS
from webapp.sessions import kept_loaded

TEXT_OR_LIST = Field((str, list))
DETAILS = {
    "root_cause": Field(str, max_length=20_000),
    "affected_resources": TEXT_OR_LIST,
    "remediation_steps": TEXT_OR_LIST,
}
NEW_INCIDENT = {
    "kind": Field(str, required=True, choices=INCIDENT_KINDS),
    "title": Field(str, required=True, max_length=300),
    "severity": Field(str, required=True, choices=INCIDENT_SEVERITIES),
    "transient": Field(bool),
    "cluster": Field(str, max_length=253),
    "namespace": Field(str, max_length=253),
    "provider": Field(str, choices=PROVIDERS),
    "resource_id": Field(str, max_length=512),
    "resource_type": Field(str, max_length=100),
    "external_id": Field(str, max_length=200),
    **DETAILS,
}
CHANGES = {
    "status": Field(str, choices=INCIDENT_STATUSES, nullable=False),
    "severity": Field(str, choices=INCIDENT_SEVERITIES, nullable=False),
    **DETAILS,
}


def _check_lists(data):
    errors = {}
    for name in ("affected_resources", "remediation_steps"):
        value = data.get(name)
        if isinstance(value, list) and (
            len(value) > 500 or not all(isinstance(v, str) and len(v) <= 5000 for v in value)
        ):
            errors[name] = "must be a string or a list of at most 500 strings"
        elif isinstance(value, str) and len(value) > 50_000:
            errors[name] = "at most 50000 characters"
    return errors


def _check_kind(data):
    if data["kind"] == "kubernetes":
        return {
            name: f"{name} is required for kubernetes incidents"
            for name in ("cluster", "namespace")
            if not data.get(name)
        }
    return {
        name: f"{name} is required for cloud incidents" for name in ("provider", "resource_id") if not data.get(name)
    }


@bp.post("/incidents")
@token_required
def create_incident():
    """POST /incidents → 201 (200 with the existing incident for a repeated external_id)."""
    data = validated(json_object(), NEW_INCIDENT)
    errors = {**_check_kind(data), **_check_lists(data)}
    if errors:
        raise DomainError("Some fields are not valid.", fields=errors)
    data["transient"] = bool(data.get("transient"))
    with kept_loaded():  # answer with what was just written, without reading it back
        incident, created = services.create_incident(g.org_id, data, actor="api")
        body = services.incident_json(incident)
    return jsonify(body), 201 if created else 200


@bp.patch("/incidents/<id:incident_id>")
@token_required
def update_incident(incident_id):
    """PATCH /incidents/<id> {status?, severity?, root_cause?, affected_resources?, remediation_steps?}."""
    services.get_incident(g.org_id, incident_id)
    data = validated(json_object(), CHANGES)
    errors = _check_lists(data)
    if errors:
        raise DomainError("Some fields are not valid.", fields=errors)
    return jsonify(services.incident_json(services.update_incident(g.org_id, incident_id, data, actor="api")))


@bp.get("/incidents/<id:incident_id>")
@token_required
def get_incident(incident_id):
    """GET /incidents/<id>."""
    return jsonify(services.incident_json(services.get_incident(g.org_id, incident_id)))
