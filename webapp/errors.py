"""Domain errors, and how errors reach users: HTML pages in the browser, the contract's JSON under /api."""

from contextlib import suppress

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

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


def register(app):
    """Install the handlers."""

    @app.errorhandler(DomainError)
    def handle_domain_error(error):
        if wants_json():
            return json_error(error.status, error.message, error.code, error.fields)
        return render_template("errors/error.html", status=error.status, message=error.message), error.status

    @app.errorhandler(HTTPException)
    def handle_http_error(error):
        if wants_json():
            return json_error(error.code, error.description or error.name)
        return render_template("errors/error.html", status=error.code, message=error.description), error.code

    @app.errorhandler(Exception)
    def handle_unexpected(error):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        _rollback_quietly()  # a failed flush must not break what follows (the signed-in user is read again)
        if wants_json():
            return json_error(500, "Something went wrong on our side; nothing you sent was lost.", "server_error")
        return render_template(
            "errors/error.html", status=500, message="Something went wrong on our side. Please try again."
        ), 500


def _rollback_quietly():
    """Roll the request's database session back, whatever state it is in."""
    from webapp.extensions import db

    with suppress(Exception):  # the original error is the one to report
        db.session.rollback()
