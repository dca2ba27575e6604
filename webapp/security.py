"""Security headers, on-site redirects, outside links, and connections closed when a body is refused unread."""

import logging
from urllib.parse import urlsplit

from flask import Flask, current_app, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.config import is_production

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
)
log = logging.getLogger(__name__)
UNPROXIED_WARNED = "pagerbridge_unproxied_warned"
SESSION_SERIALIZER = "pagerbridge_session_serializer"
PROXY_WARNING = (
    "PAGERBRIDGE_TRUSTED_PROXIES=%s: X-Forwarded-For is believed, so the web process must be reachable only through "
    "the router (a client reaching it directly could claim any address)"
)
OUTSIDE_SCHEMES = ("http", "https")


def add_security_headers(response):
    """Set the headers every PagerBridge response carries (those a view set itself are kept)."""
    headers = response.headers
    present = {name.lower() for name, _value in headers}  # one pass, not one per header as `setdefault` does
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if current_app.config["PUBLIC_URL"].startswith("https://") and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", HSTS)
    if request.path.startswith("/api/") or (
        request.endpoint != "static" and request.cookies and current_user.is_authenticated
    ):
        response.headers["Cache-Control"] = "no-store"  # API answers and signed-in pages are nobody else's
    return response


def safe_next(target, fallback="main.dashboard"):
    """`target` when it is a path on this site, else the fallback endpoint's URL: redirects never leave the site."""
    if (
        isinstance(target, str)
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target  # browsers read a backslash as a slash: /\evil.example is another host
        and not any(ord(c) < 32 for c in target)  # nor do they keep tabs and newlines: /\t/evil.example
        and not urlsplit(target).netloc
    ):
        return target
    return url_for(fallback)


def outside_url(url):
    """`url` when it is an http(s) link (outside data: PagerDuty, detectors), else None: no javascript: links."""
    if not isinstance(url, str) or any(ord(c) < 33 for c in url.strip()):
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() in OUTSIDE_SCHEMES and parts.netloc else None


class _CountedInput:
    """wsgi.input, counting the bytes the app reads."""

    def __init__(self, stream):
        self._stream, self.read_bytes = stream, 0

    def _counted(self, data):
        self.read_bytes += len(data)
        return data

    def read(self, size=-1):
        return self._counted(self._stream.read() if size is None or size < 0 else self._stream.read(size))

    def readline(self, size=-1):
        return self._counted(self._stream.readline() if size is None or size < 0 else self._stream.readline(size))

    def readlines(self, hint=-1):
        return [self._counted(line) for line in self._stream.readlines(hint)]

    def __iter__(self):
        return (self._counted(line) for line in self._stream)


def close_connection_when_asked(wsgi_app):
    """WSGI middleware: an error answered before the body was read closes the connection, and says so.

    The client may still be sending that body; keeping the connection would mean draining it first. gunicorn
    drops a `Connection` header set by an app, so its response object (behind `start_response`) is told to close.
    """

    def app(environ, start_response):
        length = str(environ.get("CONTENT_LENGTH") or "")
        announced = int(length) if length.isdigit() else 0
        counted = environ["wsgi.input"] = _CountedInput(environ["wsgi.input"])

        def start(status, headers, exc_info=None):
            if int(status[:3]) >= 400 and counted.read_bytes < announced:
                headers = [(name, value) for name, value in headers if name.lower() != "connection"]
                headers.append(("Connection", "close"))
                force_close = getattr(getattr(start_response, "__self__", None), "force_close", None)
                if callable(force_close):
                    force_close()
            return start_response(status, headers, exc_info)

        return wsgi_app(environ, start)

    return app


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session, its signing serializer built once per key set rather than on every request
    (API calls, which never carry a session cookie, paid for building it too)."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = app.extensions.get(SESSION_SERIALIZER)
        if cached is None or cached[0] != keys:
            cached = app.extensions[SESSION_SERIALIZER] = (keys, super().get_signing_serializer(app))
        return cached[1]


def register(app):
    """Install the headers, the session cookies, the outside-link filter, the connection middleware and the trusted
    proxies."""
    app.after_request(add_security_headers)
    app.session_interface = SessionCookies()
    app.add_template_filter(outside_url, "outside_url")
    app.wsgi_app = close_connection_when_asked(app.wsgi_app)
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:  # the client address and scheme as the trusted proxies saw them, never as a client claims
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
        if is_production():
            log.warning(PROXY_WARNING, proxies)
            app.before_request(warn_when_unproxied)


def warn_when_unproxied():
    """Once per process: a request came with no X-Forwarded-For although proxies are trusted, so something reaches
    the web process without going through the router (where a client could forge the header)."""
    app = current_app._get_current_object()
    if "HTTP_X_FORWARDED_FOR" in request.environ or app.extensions.get(UNPROXIED_WARNED):
        return
    app.extensions[UNPROXIED_WARNED] = True
    log.warning(
        "a request reached the web process with no X-Forwarded-For while PAGERBRIDGE_TRUSTED_PROXIES=%s: "
        "make web reachable only through the router",
        app.config["TRUSTED_PROXIES"],
    )
