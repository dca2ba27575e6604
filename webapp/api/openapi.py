"""The API's OpenAPI 3.1 description, generated from the declared schemas each endpoint names."""

import re
from dataclasses import dataclass, field

from flask import current_app
from pydantic import BaseModel

from webapp.api import responses
from webapp.schemas import adapter

REF = "#/components/schemas/{model}"
PATH_PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
INTEGER_CONVERTERS = ("int", "id")
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Operation:
    """What one endpoint takes and answers, for the description."""

    summary: str
    response: object
    status: int = 200
    body: object = None
    query: type | None = None
    public: bool = False
    also: dict = field(default_factory=dict)


def operation(summary, response, status=200, body=None, query=None, public=False, also=None):
    """Declare an endpoint's request and response schemas (put it under the route decorator)."""

    def declare(view):
        view.openapi = Operation(summary, response, status, body, query, public, also or {})
        return view

    return declare


class _Components:
    def __init__(self):
        self.schemas = {}

    def ref(self, schema, mode):
        """A $ref to a model (or the inline schema of an annotated type), collecting every definition it needs."""
        generated = adapter(schema).json_schema(ref_template=REF, mode=mode)
        self.schemas.update(generated.pop("$defs", {}))
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            self.schemas[schema.__name__] = generated
            return {"$ref": REF.format(model=schema.__name__)}
        return generated


def _json(schema_ref, description):
    return {"description": description, "content": {"application/json": {"schema": schema_ref}}}


def _without_null(schema):
    """A query parameter is absent or a string: `X | None` describes it as X."""
    variants = [variant for variant in schema.get("anyOf", ()) if variant != {"type": "null"}]
    if len(variants) == 1 and len(schema["anyOf"]) == 2:
        schema = {**{k: v for k, v in schema.items() if k not in ("anyOf", "default")}, **variants[0]}
    schema.pop("title", None)
    return schema


def _parameters(rule, query, components):
    parameters = []
    for converter, name in PATH_PARAMETER.findall(rule):
        schema = (
            {"type": "integer", "minimum": 0, "maximum": MAX_ID}
            if converter in INTEGER_CONVERTERS
            else {"type": "string"}
        )
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    if query is not None:
        generated = adapter(query).json_schema(ref_template=REF)
        components.schemas.update(generated.pop("$defs", {}))
        for name, schema in generated["properties"].items():
            description = schema.pop("description", None)
            parameter = {
                "name": name,
                "in": "query",
                "required": name in generated.get("required", ()),
                "schema": schema,
            }
            if description:
                parameter["description"] = description
            parameters.append(parameter)
    return parameters


def _operation(rule, view_operation, components):
    error = {"$ref": "#/components/responses/Error"}
    responses = {str(view_operation.status): _json(components.ref(view_operation.response, "serialization"), "OK")}
    for status, (schema, description) in view_operation.also.items():
        responses[str(status)] = _json(components.ref(schema, "serialization"), description)
    if not view_operation.public:
        responses["401"] = error
        responses["429"] = error
    if "<" in rule:
        responses["404"] = error
    if view_operation.body is not None or view_operation.query is not None:
        responses["422"] = error
    if view_operation.body is not None:
        responses["400"] = error
        responses["413"] = error
    described = {"summary": view_operation.summary, "responses": responses}
    parameters = _parameters(rule, view_operation.query, components)
    if parameters:
        described["parameters"] = parameters
    if view_operation.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": components.ref(view_operation.body, "validation")}},
        }
    if view_operation.public:
        described["security"] = []
    return described


def describe():
    """The OpenAPI document of every endpoint of the api blueprint that declares its schemas."""
    components, paths = _Components(), {}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        view = current_app.view_functions.get(rule.endpoint)
        declared = getattr(view, "openapi", None)
        if declared is None or not rule.endpoint.startswith("api."):
            continue
        path = PATH_PARAMETER.sub(lambda match: "{" + match.group(2) + "}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.rule, declared, components)
    components.ref(responses.Error, "serialization")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PagerBridge API",
            "version": "1",
            "description": "Reports, incidents, inventory and the delivery log of one org. Send the org's API token "
            'as `Authorization: Bearer <token>`; errors answer `{"error": {code, message, fields}}`.',
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": _json({"$ref": REF.format(model="Error")}, "An error in the contract's shape")},
        },
    }
