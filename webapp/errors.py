"""Domain errors, and how errors reach users: HTML pages in the browser, the contract's JSON under /api."""

from flask import jsonify, request

JSON_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


class DomainError(Exception):
    """A rule of the product refused the request; carries a user-readable message and per-field errors."""

    status = 422
    code = "invalid"

    def __init__(self, message, fields=None, status=None, code=None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.status = status or self.status
        self.code = code or self.code


class NotFound(DomainError):
    """The record does not exist in this org."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state."""

    status = 409
    code = "conflict"


def json_error(status, message, code=None, fields=None):
    """A response in the contract's error shape."""
    body = {"error": {"code": code or JSON_CODES.get(status, "error"), "message": message, "fields": fields or {}}}
    return jsonify(body), status


def wants_json():
    """API and webhook callers get JSON; browsers get pages."""
    return request.path.startswith(("/api/", "/webhooks/"))
