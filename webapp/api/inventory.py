"""PUT /api/v1/inventory: what the routing pickers offer."""

from flask import g, jsonify

from webapp.api import bp
from webapp.api.auth import token_required
from webapp.api.validation import json_object
from webapp.errors import DomainError
from webapp.routing.inventory import upsert_inventory

LIMIT = 20_000


def _name(value, limit):
    return isinstance(value, str) and 0 < len(value.strip()) <= limit


def _clusters(items, errors):
    if not isinstance(items, list) or len(items) > LIMIT:
        errors["clusters"] = "must be a list"
        return []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not _name(item.get("name"), 253):
            errors[f"clusters[{index}].name"] = "required, at most 253 characters"
        elif not isinstance(item.get("namespaces", []), list) or not all(
            _name(ns, 253) for ns in item.get("namespaces", [])
        ):
            errors[f"clusters[{index}].namespaces"] = "must be a list of names"
    if any(key.startswith("clusters") for key in errors):
        return []
    return [
        {"name": i["name"].strip(), "namespaces": [ns.strip() for ns in i.get("namespaces", [])]}
        for i in items
        if isinstance(i, dict)
    ]


def _resources(items, errors):
    if not isinstance(items, list) or len(items) > LIMIT:
        errors["cloud_resources"] = "must be a list"
        return []
    for index, item in enumerate(items):
        prefix = f"cloud_resources[{index}]"
        if not isinstance(item, dict):
            errors[prefix] = "must be an object"
        elif item.get("provider") not in ("aws", "oci"):
            errors[f"{prefix}.provider"] = "must be aws or oci"
        elif not _name(item.get("resource_id"), 512) or not _name(item.get("resource_type"), 100):
            errors[prefix] = "resource_id and resource_type are required"
        elif any(item.get(k) is not None and not _name(item[k], 255) for k in ("name", "region")):
            errors[prefix] = "name and region must be short strings"
    return [i for i in items if isinstance(i, dict)]


@bp.put("/inventory")
@token_required
def put_inventory():
    """Upsert clusters with namespaces, and cloud resources."""
    data, errors = json_object(), {}
    clusters = _clusters(data.get("clusters", []), errors)
    resources = _resources(data.get("cloud_resources", []), errors)
    if errors:
        raise DomainError("Some fields are not valid.", fields=errors)
    return jsonify(upsert_inventory(g.org_id, clusters, resources))
