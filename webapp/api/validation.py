"""Reading and checking JSON bodies for the API; every problem becomes a 400 or 422 with fields."""

from dataclasses import dataclass
from typing import Any

from flask import request

from webapp.errors import DomainError

MISSING = object()


@dataclass(frozen=True)
class Field:
    """What one JSON field may hold."""

    kind: Any = str
    required: bool = False
    choices: tuple = ()
    max_length: int = 0
    nullable: bool = True


def json_object():
    """The request body as a JSON object, or a 400 that says why it is not one."""
    if not request.is_json:
        raise DomainError("Send a JSON body with Content-Type: application/json.", status=400, code="bad_request")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("The body must be a JSON object.", status=400, code="bad_request")
    return data


def check_field(name, value, field):
    """The error message for one value, or None when it fits."""
    if value is None:
        return f"{name} is required" if field.required or not field.nullable else None
    kinds = field.kind if isinstance(field.kind, tuple) else (field.kind,)
    if isinstance(value, bool) and bool not in kinds:
        return f"{name} has the wrong type"
    if not isinstance(value, kinds):
        return f"{name} must be a {'/'.join(k.__name__ for k in kinds).replace('str', 'string')}"
    if field.choices and value not in field.choices:
        return f"must be one of: {', '.join(field.choices)}"
    if field.max_length and isinstance(value, str) and len(value) > field.max_length:
        return f"at most {field.max_length} characters"
    if field.required and isinstance(value, str) and not value.strip():
        return f"{name} must not be blank"
    return None


def validated(data, spec):
    """The fields of `spec` present in data, checked; raises 422 naming every bad field."""
    errors, cleaned = {}, {}
    for name, field in spec.items():
        value = data.get(name, MISSING)
        if value is MISSING:
            if field.required:
                errors[name] = f"{name} is required"
            continue
        message = check_field(name, value, field)
        if message:
            errors[name] = message
        else:
            cleaned[name] = value.strip() if isinstance(value, str) else value
    if errors:
        raise DomainError("Some fields are not valid.", fields=errors)
    return cleaned
