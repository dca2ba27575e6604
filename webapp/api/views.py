"""API root; each area's endpoints live in its own module of this package."""

from flask import g, jsonify

from webapp.api import bp
from webapp.api.auth import token_required
from webapp.extensions import db
from webapp.models import Org


@bp.get("/")
@token_required
def root():
    """Which org the token belongs to: a cheap way for a tool to check its token."""
    org = db.session.get(Org, g.org_id)
    return jsonify(org={"slug": org.slug, "name": org.name})


@bp.errorhandler(405)
def method_not_allowed(error):
    """Keep the contract's error shape for wrong methods too."""
    from webapp.errors import json_error

    return json_error(405, "This endpoint does not accept that method.")


from webapp.api import (  # noqa: E402,F401
    deliveries,  # noqa: E402,F401
    incidents,
    inventory,
    reports,
)
