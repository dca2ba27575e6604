"""PUT /api/v1/inventory: what the routing pickers offer."""

from flask import g, jsonify

from webapp.api import bp, responses, schemas
from webapp.api.auth import token_required
from webapp.api.openapi import operation
from webapp.api.validation import body
from webapp.routing.inventory import upsert_inventory


@bp.put("/inventory")
@operation(
    "Upsert clusters with their namespaces, and cloud resources", responses.InventoryCounts, body=schemas.Inventory
)
@token_required
def put_inventory():
    """Upsert clusters with namespaces, and cloud resources."""
    data = body(schemas.Inventory).model_dump()
    return jsonify(upsert_inventory(g.org_id, data["clusters"], data["cloud_resources"]))
