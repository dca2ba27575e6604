"""One log line per request, under a request id taken from a valid X-Request-ID (else made here) and echoed back."""

import logging
import re
import time
import uuid

from flask import g, request
from sqlalchemy import inspect
from sqlalchemy.exc import NoInspectionAvailable

from webapp.logs import WEBHOOK_PATH

log = logging.getLogger("pagerbridge.request")
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@+=-]{1,200}$")
SECRET_VIEW_ARGS = ("token",)


def request_id_from(header):
    """The caller's request id when it is safe to log and echo (Heroku's router sends one), else a new UUID."""
    return header if header and VALID_REQUEST_ID.match(header) else str(uuid.uuid4())


def safe_path(path, view_args):
    """The path with secrets in it (the webhook URL's token) masked."""
    for name in SECRET_VIEW_ARGS:
        value = (view_args or {}).get(name)
        if isinstance(value, str) and value:
            path = path.replace(value, "[redacted]")
    return WEBHOOK_PATH.sub(r"\1[redacted]", path)


def _org_id():
    """The org the request acted for, when known without a query: API token, or the signed-in user."""
    if g.get("org_id") is not None:
        return g.org_id
    user = g.get("_login_user")
    if user is None:
        return None
    try:  # what is loaded only: after a rollback (the database gone mid-request) a read would query again
        return inspect(user).dict.get("org_id")
    except NoInspectionAvailable:
        return getattr(user, "org_id", None)


def start_request():
    """before_request: the request id and the clock."""
    g.request_id = request_id_from(request.headers.get("X-Request-ID"))
    g.request_started = time.perf_counter()


def finish_request(response):
    """after_request: echo the request id, log the request line."""
    request_id = g.get("request_id") or request_id_from(None)
    response.headers["X-Request-ID"] = request_id
    started = g.get("request_started")
    fields = {
        "request_id": request_id,
        "method": request.method,
        "path": safe_path(request.path, request.view_args),
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "org_id": _org_id(),
        "remote_addr": request.remote_addr,
    }
    log.info("%s %s %s", fields["method"], fields["path"], fields["status"], extra=fields)
    return response


def register_request_logging(app):
    """Install the hooks on the app."""
    app.before_request(start_request)
    app.after_request(finish_request)
