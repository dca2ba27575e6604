"""The error pages and handlers: the app's words for a 403, the 503 while the database is away, JSON under /api."""

from contextlib import suppress

from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from webapp.errors import DomainError, json_error, wants_json
from webapp.extensions import db
from webapp.findings.outages import redis_answers
from webapp.main.access import admin_emails, member_pages


def forbidden_page():
    """A 403 in the app's words: who can change this page, and where a member can look instead."""
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
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def _unavailable():
    """503 with Retry-After: JSON under /api, a page (that needs no database) in the browser."""
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

    with suppress(Exception):  # the original error is the one to report
        db.session.rollback()
