"""Declared schemas shared by the API and settings import: safe strings, numbers, and errors in the contract's shape.

String limits come from the model's columns (`column_text`, `ColumnLength` for forms, `fit` for what PagerDuty sends),
so no schema or form can accept more than the column holds; times go through `UtcTime` (webapp/inputs.py).
"""

from datetime import datetime
from functools import cache
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictFloat,
    StrictInt,
    Tag,
    TypeAdapter,
    ValidationError,
)
from pydantic import StringConstraints as _Constraints

from webapp.errors import DomainError
from webapp.inputs import utc_time


def _clean_text(value):
    """Refuse what no column, log or PagerDuty event should carry: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value


def text(max_length, min_length=0, pattern=None):
    """A trimmed string type of at most `max_length` characters (`min_length=1`: not blank)."""
    return Annotated[
        str,
        _Constraints(strip_whitespace=True, max_length=max_length, min_length=min_length or None, pattern=pattern),
        AfterValidator(_clean_text),
    ]


def column_length(column) -> int | None:
    """The most characters a string column holds (`Model.attribute` or a Column), None for unbounded text."""
    column = column.property.columns[0] if hasattr(column, "property") else column
    return getattr(column.type, "length", None)


def column_text(column, min_length=0, pattern=None):
    """`text()` exactly as long as the column holds."""
    return text(column_length(column), min_length, pattern)


def fit(column, value):
    """A value read from elsewhere (PagerDuty) cut to what the column holds; None stays None."""
    length = column_length(column)
    if value is None or length is None or len(value) <= length:
        return value
    return value[: length - 1] + "…"


class ColumnLength:
    """A WTForms validator: at most as many characters as the column holds (and at least `min`)."""

    def __init__(self, column, min=0):
        self.max, self.min = column_length(column), min
        self.field_flags = {"maxlength": self.max, **({"minlength": min} if min else {})}

    def __call__(self, form, field):
        from wtforms.validators import ValidationError as FormError

        size = len(field.data or "")
        if size > self.max:
            raise FormError(f"At most {self.max} characters.")
        if size < self.min:
            raise FormError(f"At least {self.min} characters.")


UtcTime = Annotated[datetime, AfterValidator(utc_time)]

# Union members' tags pydantic puts in error paths; they name no field, so paths leave them out.
UNION_TAGS = {"one-string", "string-list", "int", "float"}


def _text_or_list(value):
    return "one-string" if isinstance(value, str) else "string-list" if isinstance(value, list) else None


def text_or_list(max_length, item_length, items):
    """A string, or a list of strings: one per resource or step."""
    return Annotated[
        Annotated[text(max_length), Tag("one-string")]
        | Annotated[list[text(item_length)], Field(max_length=items), Tag("string-list")],
        Discriminator(
            _text_or_list,
            custom_error_type="text_or_list",
            custom_error_message=f"must be a string or a list of at most {items} strings",
        ),
    ]


Number = Annotated[StrictInt | StrictFloat, Field(allow_inf_nan=False)]
PagerDutyId = text(32, 1, pattern=r"^[A-Z0-9]{2,32}$")


class Strict(BaseModel):
    """A JSON document checked as sent: no type coercion, no unknown keys."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class Lenient(BaseModel):
    """An API request body: strict types, but keys the API does not know are ignored (newer detectors)."""

    model_config = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False)


@cache
def adapter(schema):
    """A cached TypeAdapter for any model or annotated type."""
    return TypeAdapter(schema)


def field_path(loc):
    """('clusters', 0, 'name') → 'clusters[0].name'."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _message(error):
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "literal_error":
        return f"must be one of: {ctx.get('expected', '').replace(chr(39), '').replace(' or ', ', ')}"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "must not be blank"
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"][0].lower() + error["msg"][1:]


def error_fields(exc, messages=None):
    """A ValidationError as {path: message}; `messages` override by the path's first part whatever pydantic would
    say, except for unknown keys."""
    fields = {}
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if part not in UNION_TAGS)
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, error["ctx"]["discriminator"].strip("'"))
            message = (
                "required"
                if error["type"] == "union_tag_not_found"
                else f"must be one of: {error['ctx']['expected_tags'].replace(chr(39), '')}"
            )
        else:
            message = _message(error)
            override = (messages or {}).get(str(loc[0]) if loc else "")
            if override and error["type"] != "extra_forbidden":
                message = override
        fields.setdefault(field_path(loc), message)
    return fields


def checked(schema, value, message="Some fields are not valid.", **options):
    """The value validated against the schema, or a 422 DomainError naming every bad field."""
    try:
        return adapter(schema).validate_python(value)
    except ValidationError as exc:
        raise DomainError(message, fields=error_fields(exc, **options)) from None
