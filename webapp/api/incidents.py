"""The incidents API: create (idempotent on external_id), list, update, read."""

from flask import g, jsonify

from webapp.api import bp, responses, schemas
from webapp.api.auth import resolved_token, token_required
from webapp.api.openapi import operation
from webapp.api.paging import page_of
from webapp.api.validation import body, query
from webapp.extensions import db
from webapp.incidents import services
from webapp.models import Incident

FILTERS = ("status", "severity", "kind", "external_id")


@bp.post("/incidents")
@operation(
    "Create an incident (a repeated external_id answers 200 with the existing one)",
    responses.Incident,
    status=201,
    body=schemas.NewIncident,
    also={200: (responses.Incident, "The incident already sent with this external_id")},
)
@token_required
def create_incident():
    """POST /incidents → 201 (200 with the existing incident for a repeated external_id)."""
    data = body(schemas.NewIncident).model_dump(exclude_none=True)
    _, answer = services.create_answer(g.org_id, data, actor="api", read=resolved_token().route)
    if answer is not None:
        return jsonify(answer), 201
    return jsonify(services.incident_json(services.by_external_id(g.org_id, data.get("external_id")))), 200


@bp.get("/incidents")
@operation("List incidents, newest first", responses.IncidentPage, query=schemas.IncidentQuery)
@token_required
def list_incidents():
    """GET /incidents?limit=&cursor=&status=&severity=&updated_since=&kind=&external_id=."""
    params = query(schemas.IncidentQuery)
    selected = db.select(Incident).filter_by(
        org_id=g.org_id, **{name: getattr(params, name) for name in FILTERS if getattr(params, name) is not None}
    )
    if params.updated_since:
        selected = selected.where(Incident.updated_at >= params.updated_since)
    incidents, next_cursor = page_of(selected, Incident.created_at, Incident.id, params.limit, params.cursor)
    items = [
        {**services.incident_json(incident, timeline=False), "updated_at": incident.updated_at.isoformat()}
        for incident in incidents
    ]
    return jsonify(items=items, next_cursor=next_cursor)


@bp.patch("/incidents/<id:incident_id>")
@operation("Update an incident's status, severity or investigation", responses.Incident, body=schemas.IncidentChanges)
@token_required
def update_incident(incident_id):
    """PATCH /incidents/<id> {status?, severity?, root_cause?, affected_resources?, remediation_steps?}."""
    services.get_incident(g.org_id, incident_id)
    changes = body(schemas.IncidentChanges).model_dump(exclude_unset=True)
    for name in ("status", "severity"):  # these cannot be cleared
        if name in changes and changes[name] is None:
            del changes[name]
    return jsonify(services.incident_json(services.update_incident(g.org_id, incident_id, changes, actor="api")))


@bp.get("/incidents/<id:incident_id>")
@operation("Read an incident with its timeline", responses.Incident)
@token_required
def get_incident(incident_id):
    """GET /incidents/<id>."""
    return jsonify(services.incident_json(services.get_incident(g.org_id, incident_id)))
