"""Bearer-token authentication for the API; every 401 says how to authenticate (WWW-Authenticate: Bearer)."""

from functools import wraps

from flask import g, request
from sqlalchemy.exc import SQLAlchemyError

from webapp.api.services import token_in_use
from webapp.errors import DomainError, json_error
from webapp.extensions import db
from webapp.incidents.route_sql import probe_of

REALM = 'Bearer realm="PagerBridge API"'
TOKEN_FOUND = "pagerbridge.api_token"
CREATE_INCIDENT = "api.create_incident"
CREATE_REPORT = "api.create_report"


class Unauthorized(DomainError):
    """No token, or one that is unknown or revoked."""

    status = 401
    code = "unauthorized"

    def __init__(self, message, invalid_token):
        super().__init__(message)
        self.invalid_token = invalid_token


def challenge(error):
    """The 401 in the contract's shape with its Bearer challenge (RFC 6750)."""
    response, status = json_error(401, error.message, error.code)
    response.headers["WWW-Authenticate"] = (
        f'{REALM}, error="invalid_token", error_description="The token is unknown or revoked"'
        if error.invalid_token
        else REALM
    )
    return response, status


def bearer_token():
    """The bearer token the request sends, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def resolved_token():
    """(token id, org id) of the request's live bearer token, or None; looked up once per request (the rate limit
    asks first, to key a known token's own budget)."""
    if TOKEN_FOUND not in request.environ:  # per request (tests keep one app context, and so one `g`)
        token = bearer_token()
        # a write may page PagerDuty: read the org's settings and connection with the token, in one statement
        writes = request.method not in ("GET", "HEAD", "OPTIONS")
        try:
            probe = incident_probe() if writes else None
            report = writes and request.endpoint == CREATE_REPORT  # what a new report needs, read along
            request.environ[TOKEN_FOUND] = (
                token_in_use(token, with_org_config=writes, route_probe=probe, report_read=report) if token else None
            )
        except SQLAlchemyError:
            # The rate limit swallows this error and the view asks again: a connection lost mid-statement would
            # leave the session unusable, and that second ask a 500 instead of the database's 503 (or an answer).
            db.session.rollback()
            raise
    return request.environ[TOKEN_FOUND]


def incident_probe():
    """On POST /incidents, what the body's incident is routed by (its route is read with the token), else None."""
    if request.endpoint != CREATE_INCIDENT:
        return None
    try:
        data = request.get_json(silent=True)
    except Exception:  # noqa: BLE001 - the view's own reading answers for a bad body
        return None
    if not isinstance(data, dict):
        return None
    probe = probe_of(data)
    return probe if all(value is None or isinstance(value, str) for value in probe) else None


def token_required(view):
    """Resolve `Authorization: Bearer <org token>` into g.org_id and g.api_token_id, or answer 401."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if bearer_token() is None:
            raise Unauthorized("Send a valid org API token as 'Authorization: Bearer <token>'.", invalid_token=False)
        found = resolved_token()
        if found is None:
            raise Unauthorized("This API token is unknown or has been revoked.", invalid_token=True)
        g.api_token_id, g.org_id = found[:2]
        return view(*args, **kwargs)

    return wrapped
