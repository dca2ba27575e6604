"""GET /api/v1/deliveries: the delivery log, newest first, in pages."""

from flask import g, jsonify

from webapp.api import bp, responses, schemas
from webapp.api.auth import token_required
from webapp.api.openapi import operation
from webapp.api.paging import page_of
from webapp.api.validation import query
from webapp.deliveries import services
from webapp.extensions import db
from webapp.models import Delivery


@bp.get("/deliveries")
@operation("List the delivery log, newest first", responses.DeliveryPage, query=schemas.DeliveryQuery)
@token_required
def list_deliveries():
    """?status=&action=&limit=&cursor=."""
    params = query(schemas.DeliveryQuery)
    selected = db.select(Delivery).filter_by(
        org_id=g.org_id, **{name: getattr(params, name) for name in ("status", "action") if getattr(params, name)}
    )
    deliveries, next_cursor = page_of(selected, Delivery.created_at, Delivery.id, params.limit, params.cursor)
    return jsonify(items=[services.as_json(d) for d in deliveries], next_cursor=next_cursor)
