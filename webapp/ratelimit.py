"""Rate limits with Flask-Limiter on Redis, shared by every web process, keyed by the real client address or token.

The client address is the one ProxyFix takes from the trusted proxies' X-Forwarded-For (see webapp/security.py),
so behind Heroku's router each client has its own budget. Limits fail open when Redis is down (logged).
"""

import logging
import math
import time
from functools import lru_cache

from flask import current_app, make_response, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse

from webapp.api.auth import resolved_token
from webapp.errors import json_error, wants_json

log = logging.getLogger(__name__)
limiter = Limiter(key_func=get_remote_address, strategy="fixed-window", swallow_errors=True, key_prefix="pb")
API_SCOPE = "api"
_filtered: list = []


def client_address():
    """The client's address as the trusted proxies report it."""
    return get_remote_address() or "unknown"


def login_limit():
    """Failed sign-ins allowed per client address (default 20 a minute)."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def vdp_limit():
    """Public report submissions allowed per client address and org (default 10 an hour)."""
    return current_app.config["VDP_RATE_LIMIT"]


def api_limit():
    """JSON API calls allowed per token (PAGERBRIDGE_API_RATE_LIMIT, default 30,000 a minute)."""
    return current_app.config["API_RATE_LIMIT"]


def api_token_key():
    """The API budget's key: a live token's own budget; unknown, revoked or missing tokens share one per client
    address (40 random strings are one budget, not 40)."""
    found = resolved_token()
    return f"token:{found[0]}" if found else "address:" + client_address()


def vdp_key():
    """One budget per client address and org form."""
    return f"{(request.view_args or {}).get('slug', '')}:{client_address()}"


def failed(response):
    """A sign-in attempt that did not sign anyone in (it counts toward the address's limit)."""
    return response.status_code != 302


def retry_after_seconds():
    """Seconds until the breached window resets (at least 1)."""
    current = limiter.current_limit
    return 60 if current is None else seconds_until(current.reset_at)


def seconds_until(reset_at: float) -> int:
    """Whole seconds from now until a window resets at `reset_at` (epoch seconds), at least 1."""
    return max(1, math.ceil(reset_at - time.time()))


def too_many_requests(error, seconds=None):
    """429 with Retry-After: the contract's JSON under /api, else the page the limit chose, else an error page."""
    seconds = seconds or retry_after_seconds()
    message = f"Too many requests: try again in {seconds} seconds."
    if wants_json():
        response = json_error(429, message, "rate_limited")[0]
    elif getattr(error, "response", None) is not None:
        response = error.response
    else:
        response = make_response(render_template("errors/error.html", status=429, message=message))
    response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    return response


@lru_cache(maxsize=16)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)


def api_budget():
    """Before a JSON API request: its budget (fixed window, per token), in one Redis round trip; 429 when spent.

    Flask-Limiter's own evaluation of a blueprint limit cost ~0.3 ms of CPU per call, more than the rest of the
    check: the API's budget is counted here, with the limiter's storage and strategy (same keys and windows).
    """
    if not _api_request() or not limiter.enabled:
        return None
    item = _parsed(api_limit())
    try:
        key = api_token_key()
        if limiter.limiter.hit(item, API_SCOPE, key):
            return None
        reset_at = limiter.limiter.get_window_stats(item, API_SCOPE, key).reset_time
    except Exception:  # noqa: BLE001 - limits fail open (Redis away, or the token's lookup lost its connection)
        log.exception("Failed to rate limit. Swallowing error")
        return None
    return too_many_requests(None, seconds_until(reset_at))


def _api_request() -> bool:
    return request.blueprint == API_SCOPE


def init_app(app):
    """Bind the limiter to the app's Redis, answer 429s, and give the JSON API its per-token budget."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 2, "socket_timeout": 5})
    limiter.init_app(app)
    app.register_error_handler(429, too_many_requests)
    if not _filtered:  # one limiter, several apps in tests
        limiter.request_filter(_api_request)  # the API's budget is api_budget's
        _filtered.append(_api_request)
    app.before_request(api_budget)
