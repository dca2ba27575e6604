"""Reading API requests against their declared schemas: 400 for a body that is not a JSON object, 422 per field."""

from flask import request

from webapp.errors import DomainError
from webapp.schemas import checked


def json_object():
    """The request body as a JSON object, or a 400 that says why it is not one."""
    if not request.is_json:
        raise DomainError("Send a JSON body with Content-Type: application/json.", status=400, code="bad_request")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("The body must be a JSON object.", status=400, code="bad_request")
    return data


def body(schema):
    """The JSON body validated against `schema` (a model or annotated type)."""
    return checked(schema, json_object())


def query(schema):
    """The query string validated against `schema` (first value of each parameter)."""
    return checked(schema, request.args.to_dict(), message="Some query parameters are not valid.")
