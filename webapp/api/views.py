"""API root, its OpenAPI description and browsable docs; each area's endpoints live in their own module."""

from flask import current_app, g, jsonify, render_template

from webapp.api import bp, responses
from webapp.api.auth import Unauthorized, challenge, token_required
from webapp.api.openapi import describe, operation
from webapp.errors import json_error
from webapp.extensions import db
from webapp.models import Org


@bp.get("/")
@operation("Which org the token belongs to", responses.TokenCheck)
@token_required
def root():
    """Which org the token belongs to: a cheap way for a tool to check its token."""
    org = db.session.get(Org, g.org_id)
    return jsonify(org={"slug": org.slug, "name": org.name})


@bp.get("/openapi.json")
@operation("This description (OpenAPI 3.1)", dict, public=True)
def openapi():
    """The API's OpenAPI description, generated from its declared schemas (once per process)."""
    if "pagerbridge_openapi" not in current_app.extensions:
        current_app.extensions["pagerbridge_openapi"] = describe()
    return jsonify(current_app.extensions["pagerbridge_openapi"])


def docs():
    """/api/docs: the description, browsable (Swagger UI from static/vendor)."""
    return render_template("api/docs.html")


bp.record_once(lambda state: state.app.add_url_rule("/api/docs", "api_docs", docs))
bp.register_error_handler(Unauthorized, challenge)


@bp.errorhandler(405)
def method_not_allowed(error):
    """Keep the contract's error shape for wrong methods too."""
    return json_error(405, "This endpoint does not accept that method.")


from webapp.api import (  # noqa: E402,F401
    analytics,
    deliveries,
    incidents,
    inventory,
    reports,
)
