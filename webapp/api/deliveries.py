"""GET /api/v1/deliveries: the delivery log, newest first."""

from flask import g, jsonify, request

from webapp.api import bp
from webapp.api.auth import token_required
from webapp.deliveries import services


@bp.get("/deliveries")
@token_required
def list_deliveries():
    """?status=&action=&limit= (at most 500)."""
    limit = min(max(request.args.get("limit", 100, type=int) or 100, 1), 500)
    query = services.filtered(
        g.org_id, status=request.args.get("status") or None, action=request.args.get("action") or None
    )
    from webapp.extensions import db

    deliveries = db.session.scalars(query.limit(limit)).all()
    return jsonify(deliveries=[services.as_json(d) for d in deliveries])
