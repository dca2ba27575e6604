"""Hostile input, answered in one place: ids in URLs, integer arguments, JSON bodies, NUL and lone surrogates.

Every route with an id uses the `id` converter (`/reports/<id:report_id>`): anything but 1 to 10 ASCII digits within
a database integer matches no route, so it is a 404 like any unknown address. Integer query and form arguments
(`request.args.get("page", type=int)`) are clamped to the same range. JSON bodies, the API's and the signed
webhooks', are parsed strictly: NaN and Infinity, and nesting deeper than MAX_DEPTH, are malformed (400); a NUL
character or a lone surrogate in any string is refused (422) naming the field. NUL is stripped from query strings
(searches and filters, where it means nothing) and refused in form fields and path segments. Times sent by clients
(filters, cursors) become aware UTC datetimes through `utc_time`, which refuses what UTC cannot hold (year 9999 at
-01:00, year 1 at +01:00) as a ValueError, the 422 of every other malformed value.
"""

import json
import re
from datetime import UTC, datetime

from flask import Request, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import BaseConverter, IntegerConverter, ValidationError

from webapp.errors import DomainError, wants_json

MAX_ID = 2**31 - 1
MIN_INT = -(2**31)
MAX_DEPTH = 64
_ID = re.compile(r"[0-9]{1,10}")
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def parse_id(text):
    """The id in `text` when it is one a database row can have (1 to 2^31 - 1), else None."""
    if not isinstance(text, str) or not _ID.fullmatch(text):
        return None
    return bounded_id(int(text))


def bounded_id(value):
    """`value` when it is an int a database row id can be (1 to 2^31 - 1), else None (bools are not ids)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= MAX_ID else None


def utc_time(value: datetime) -> datetime:
    """`value` as an aware UTC datetime (naive means UTC); ValueError when UTC cannot hold it (years 1 to 9999)."""
    if not isinstance(value, datetime):
        raise ValueError("must be a date and time (ISO 8601)")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("must be a time between the years 1 and 9999 in UTC") from None


def _digits_at_most(limit):
    """A regular expression for the decimal numbers 1 to `limit`, without leading zeros."""
    text = str(limit)
    parts = [f"[1-9][0-9]{{0,{len(text) - 2}}}"] if len(text) > 1 else []  # fewer digits than the limit
    for i, digit in enumerate(text):  # as many: the limit's digits up to i, a smaller one at i, any after
        low = "1" if i == 0 else "0"
        if i == len(text) - 1:
            parts.append(f"{text[:i]}[{low}-{digit}]")
        elif digit > low:
            parts.append(f"{text[:i]}[{low}-{int(digit) - 1}][0-9]{{{len(text) - i - 1}}}")
    return "(?:" + "|".join(parts) + ")"


class IdConverter(BaseConverter):
    """`<id:name>`: a positive database integer; anything else matches no route, whatever the method (404)."""

    regex = _digits_at_most(MAX_ID)

    def to_python(self, value):
        parsed = parse_id(value)
        if parsed is None:
            raise ValidationError()
        return parsed

    def to_url(self, value):
        return str(int(value))


class BoundedIntConverter(IntegerConverter):
    """`<int:name>` kept within a database integer too, for any route not yet on `<id:>`."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(
            map, fixed_digits, MIN_INT if min is None and signed else min, MAX_ID if max is None else max, signed
        )


def bounded_int(value):
    """int() for query and form arguments, clamped to what a database integer holds."""
    return min(max(int(value), MIN_INT), MAX_ID)


class BoundedMultiDict(ImmutableMultiDict):
    """Query and form arguments whose `get(..., type=int)` can never overflow a database integer."""

    def get(self, key, default=None, type=None):
        return super().get(key, default, bounded_int if type is int else type)


class SafeRequest(Request):
    """The app's request: bounded integer arguments, NUL-free page query strings, JSON without NUL or surrogates."""

    parameter_storage_class = BoundedMultiDict
    _checked_json = None  # the parsed body once its strings were found clean (the API's token lookup reads it first)

    def get_json(self, force=False, silent=False, cache=True):
        value = super().get_json(force=force, silent=silent, cache=cache)
        if value is None or value is self._checked_json:
            return value
        refuse_bad_characters(value)
        if cache:
            self._checked_json = value
        return value

    @property
    def args(self):
        args = super().args
        if self.path.startswith("/api/"):
            return args  # the API's declared query schemas answer a NUL with a 422 naming the field
        if any("\x00" in key or "\x00" in value for key, value in args.items(multi=True)):
            args = BoundedMultiDict(
                (key.replace("\x00", ""), value.replace("\x00", "")) for key, value in args.items(multi=True)
            )
        return args


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text):
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text[:20]} is too large a number")
    return value


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading bodies with `loads` below (so `request.get_json()` is strict everywhere)."""

    def loads(self, s, **kwargs):
        return loads(s)


def loads(data):
    """Parse JSON strictly: NaN, Infinity and over-deep nesting are ValueErrors like any malformed body."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    if _depth_over(value, MAX_DEPTH):
        raise ValueError(f"the JSON is nested more than {MAX_DEPTH} levels deep")
    return value


def _depth_over(value, limit):
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def bad_characters(value):
    """{field path: problem} for the strings (keys or values) of a parsed JSON value holding NUL or a lone surrogate."""
    found, stack = {}, [(value, "")]
    while stack and len(found) < 20:
        item, where = stack.pop()
        if isinstance(item, str):
            if _BAD_CHARACTER.search(item):
                found[where or "body"] = _problem(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{where}.{key}" if where else key
                if _BAD_CHARACTER.search(key):
                    found[_printable(child_path)] = "the field name " + _problem(key)
                stack.append((child, _printable(child_path)))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{index}]") for index, child in enumerate(item))
    return found


def _problem(text):
    return "contains a NUL character" if "\x00" in text else "contains a lone surrogate (invalid Unicode)"


def _printable(text):
    return _BAD_CHARACTER.sub("\ufffd", text)


def refuse_bad_characters(value):
    """Raise the 422 that names the fields holding NUL or lone surrogates, if any do."""
    fields = bad_characters(value)
    if fields:
        raise DomainError("Some fields contain characters that are not allowed (NUL or invalid Unicode).", fields)
    return value


def refuse_nul_in_path_and_form():
    """Before each request: NUL in a path segment or a form field is a 400 page, or the contract's 422 under /api."""
    fields = {
        name: _problem(value)
        for name, value in (request.view_args or {}).items()
        if isinstance(value, str) and "\x00" in value
    }
    if request.mimetype in FORM_TYPES and request.endpoint != "webhooks.receive":  # it reads its raw body itself
        for key, value in request.form.items(multi=True):
            if "\x00" in key or "\x00" in value:
                fields[_printable(key)] = _problem(key + value)
    if not fields:
        return
    if wants_json():
        raise DomainError("Some fields contain characters that are not allowed (NUL).", fields)
    raise DomainError(
        "The address or the form holds a NUL character, which PagerBridge does not accept: remove it and try again.",
        fields,
        status=400,
        code="bad_request",
    )


def install(app):
    """Put the request class, strict JSON, the `id` converter and the NUL check on the app (before its routes)."""
    app.request_class = SafeRequest
    app.json = StrictJSONProvider(app)
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_nul_in_path_and_form)
