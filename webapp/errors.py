"""Domain errors, and how errors reach users: HTML pages in the browser, the contract's JSON under /api."""

from contextlib import suppress

from flask import current_app, jsonify, render_template, request
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


def forbidden_page():
    """A 403 in the app's words: who can change this page, and where a member can look instead."""
    from flask_login import current_user

    from webapp.main.access import admin_emails, member_pages

    signed_in = current_user.is_authenticated
    return render_template(
        "errors/forbidden.html",
        status=403,
        admins=admin_emails(current_user.org_id) if signed_in else [],
        pages=member_pages(current_user) if signed_in else [],
        settings_page=request.path.startswith(("/settings", "/webhooks", "/oncall/settings")),
    )


RETRY_AFTER_SECONDS = 5
NOT_STORED = (
    "The database is not answering: nothing was stored. Retry in a few seconds with the same request "
    "(with the same external_id, an incident is stored once however often it is sent)."
)


def database_unavailable(error):
    """Whether `error` means PostgreSQL (or the SQLite file) did not answer or dropped the connection."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def _unavailable():
    """503 with Retry-After: JSON under /api, a page (that needs no database) in the browser."""
    from contextlib import suppress

    from webapp.extensions import db
    from webapp.health.outages import redis_answers

    with suppress(Exception):
        db.session.rollback()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_json():
        response, status = json_error(503, NOT_STORED, "database_unavailable")
        return response, status, headers
    # Straight from Jinja: the app's context processors read the signed-in user, which needs the database.
    page = current_app.jinja_env.get_template("errors/unavailable.html").render(
        message="PagerBridge cannot read or store anything until it is back.",
        redis=redis_answers(),
        retry_after=RETRY_AFTER_SECONDS,
    )
    return page, 503, headers


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
        if error.code == 403:
            return forbidden_page(), 403
        return render_template("errors/error.html", status=error.code, message=error.description), error.code

    @app.errorhandler(Exception)
    def handle_unexpected(error):
        if database_unavailable(error):
            app.logger.warning("the database is not answering on %s %s: %s", request.method, request.path, error)
            return _unavailable()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        _rollback_quietly()  # a failed flush must not break what follows (the signed-in user is read again)
        if wants_json():
            return json_error(
                500,
                "Something went wrong on our side, and this request may not have been stored: retry it (with the "
                "same external_id, an incident is stored once).",
                "server_error",
            )
        return render_template(
            "errors/error.html", status=500, message="Something went wrong on our side. Please try again."
        ), 500


def _rollback_quietly():
    """Roll the request's database session back, whatever state it is in."""
    from webapp.extensions import db

    with suppress(Exception):  # the original error is the one to report
        db.session.rollback()
