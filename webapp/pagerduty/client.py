"""One small client for PagerDuty: base URLs per region (overridable), headers PagerDuty prescribes, errors in words."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app
from requests.adapters import HTTPAdapter

from webapp.config import REGION_HOSTS

REST_ACCEPT = "application/vnd.pagerduty+json;version=2"
TIMEOUT = (3.05, 10)
PAGE_LIMIT = 100
MAX_OFFSET_WINDOW = 10_000
_session = requests.Session()
# Many sender threads share the session: keep a kept-alive connection for each of them rather than ten.
for _prefix in ("https://", "http://"):
    _session.mount(_prefix, HTTPAdapter(pool_connections=4, pool_maxsize=128))
_session.trust_env = False  # the environment's proxy and CA settings are read once per host (below), not per call
# Told of every answer (the URL, and the HTTP status or "timeout"/"network_error"): the app factory hands in the
# metrics' counter, which sits above the client in the layer order.
_answer_hooks: list[Callable[[str, int | str], None]] = []


def on_answer(hook: Callable[[str, int | str], None]) -> None:
    """Call `hook(url, status)` on every answer from PagerDuty (installed once, however often the app is built)."""
    if hook not in _answer_hooks:
        _answer_hooks.append(hook)


def pagerduty_answered(url: str, status: int | str) -> None:
    """Tell the installed hooks of one answer."""
    for hook in _answer_hooks:
        hook(url, status)


class PagerDutyError(Exception):
    """A call to PagerDuty failed; status is None for network errors and timeouts."""

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None, body: str | None = None
    ) -> None:
        super().__init__(message)
        self.message, self.status, self.retry_after, self.body = message, status, retry_after, body

    @property
    def is_auth_failure(self) -> bool:
        """401/403: the credentials were refused."""
        return self.status in (401, 403)

    @property
    def is_retryable(self) -> bool:
        """Network errors, timeouts, 429 and 5xx are worth another try."""
        return self.status is None or self.status == 429 or self.status >= 500


@dataclass(frozen=True)
class Credentials:
    """What a call needs to reach an org's PagerDuty: region, REST token, and the From email for notes."""

    region: str = "us"
    api_token: str | None = None
    from_email: str | None = None


def api_base(region: str = "us") -> str:
    """REST API base URL: PAGERDUTY_API_URL when set, else the region's host."""
    return current_app.config.get("PAGERDUTY_API_URL") or REGION_HOSTS[region][0]


def events_base(region: str = "us") -> str:
    """Events API base URL: PAGERDUTY_EVENTS_URL when set, else the region's host."""
    return current_app.config.get("PAGERDUTY_EVENTS_URL") or REGION_HOSTS[region][1]


def describe_failure(response: requests.Response) -> str:
    """A user-readable reason from a PagerDuty error response."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        details = "; ".join(str(item) for item in error.get("errors") or [])
        return f"{error.get('message', 'Error')}{': ' + details if details else ''} (HTTP {response.status_code})"
    if isinstance(body, dict) and body.get("message"):
        details = "; ".join(str(item) for item in body.get("errors") or [])
        return f"{body['message']}{': ' + details if details else ''} (HTTP {response.status_code})"
    return {
        401: "PagerDuty refused the credentials (HTTP 401)",
        403: "PagerDuty denied access (HTTP 403)",
        429: "PagerDuty is rate limiting us (HTTP 429)",
    }.get(response.status_code, f"PagerDuty answered HTTP {response.status_code}")


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


@cache
def environment_settings(origin: str) -> dict[str, Any]:
    """The proxies and CA bundle requests would take from the environment for calls to `origin` (scheme and host),
    read once: requests reads them on every call otherwise, a scan of the environment each time."""
    settings = requests.Session().merge_environment_settings(origin, {}, None, None, None)
    return {"proxies": settings["proxies"], "verify": settings["verify"]}


def send(method: str, url: str, **kwargs: Any) -> requests.Response:
    """Make one HTTP call; return the response when 2xx, else raise PagerDutyError with the reason."""
    settings = environment_settings(_origin(url))
    timeout = kwargs.pop("timeout", TIMEOUT)
    return _answered(url, lambda: _session.request(method, url, timeout=timeout, **settings, **kwargs))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _answered(url: str, call: Callable[[], requests.Response]) -> requests.Response:
    """Run one HTTP call; the 2xx response, else PagerDutyError with the reason (every answer told to the hooks)."""
    try:
        response = call()
    except requests.Timeout:
        pagerduty_answered(url, "timeout")
        raise PagerDutyError("PagerDuty did not answer in time") from None
    except requests.RequestException as exc:
        pagerduty_answered(url, "network_error")
        raise PagerDutyError(f"Could not reach PagerDuty ({type(exc).__name__})") from None
    except (UnicodeError, ValueError) as exc:  # a header or URL HTTP cannot carry (a token with non-Latin letters)
        pagerduty_answered(url, "network_error")
        raise PagerDutyError(
            f"Could not send the request to PagerDuty: it holds characters HTTP cannot carry ({type(exc).__name__}); "
            "check the token or key for stray characters"
        ) from None
    pagerduty_answered(url, response.status_code)
    if response.status_code >= 400:
        raise PagerDutyError(
            describe_failure(response), response.status_code, _retry_after(response), response.text[:2000]
        )
    return response


def rest_headers(credentials: Credentials) -> dict[str, str]:
    """Headers for the REST API v2."""
    headers = {
        "Accept": REST_ACCEPT,
        "Authorization": f"Token token={credentials.api_token}",
        "Content-Type": "application/json",
    }
    if credentials.from_email:
        headers["From"] = credentials.from_email
    return headers


def rest_response(credentials: Credentials, method: str, path: str, **kwargs: Any) -> requests.Response:
    """Call the REST API (path like '/services'); returns the 2xx response."""
    return send(method, api_base(credentials.region) + path, headers=rest_headers(credentials), **kwargs)


def rest(credentials: Credentials, method: str, path: str, **kwargs: Any) -> Any:
    """Call the REST API (path like '/services'); returns the decoded JSON body (or {} when empty)."""
    return decoded(rest_response(credentials, method, path, **kwargs))


def decoded(response: requests.Response) -> Any:
    """A response's JSON body, or {} when it has none."""
    return response.json() if response.content else {}


def paginate(
    credentials: Credentials,
    path: str,
    collection: str,
    params: dict[str, Any] | None = None,
    on_page: Callable[[int, int | None], object] | None = None,
) -> list[Any]:
    """Every item of a classic offset-paginated list, 100 at a time, within PagerDuty's 10,000 window."""
    items: list[Any] = []
    offset = 0
    while True:
        page = rest(
            credentials, "GET", path, params={**(params or {}), "limit": PAGE_LIMIT, "offset": offset, "total": "true"}
        )
        items.extend(page.get(collection, []))
        if on_page:
            on_page(len(items), page.get("total"))
        offset += PAGE_LIMIT
        if not page.get("more") or offset + PAGE_LIMIT > MAX_OFFSET_WINDOW:
            return items


def post_event(event: dict[str, Any], region: str = "us") -> requests.Response:
    """Send one Events API v2 event (routing_key included); returns the 2xx response."""
    url = events_base(region) + "/v2/enqueue"
    return _answered(url, lambda: _post_json(url, event))


@cache
def _json_post(url: str) -> requests.PreparedRequest:
    """A POST of JSON to `url` as the session would prepare it (its headers), built once per URL."""
    return _session.prepare_request(requests.Request("POST", url, headers={"Content-Type": "application/json"}))


def _post_json(url: str, body: dict[str, Any]) -> requests.Response:
    """POST `body` as JSON through the session, the request copied from one prepared per URL: `Session.request`
    merges settings, cookies and hooks and parses the URL on every call (a third of a send's CPU against a kept-alive
    connection), and an event needs none of it (no cookies, no auth but the key in the body)."""
    template = _json_post(url)
    request = requests.PreparedRequest()
    request.method, request.url, request.hooks = "POST", url, template.hooks
    request.body = json.dumps(body, allow_nan=False, separators=(",", ":")).encode()
    request.headers = template.headers.copy()
    request.headers["Content-Length"] = str(len(request.body))
    settings = environment_settings(_origin(url))
    response = _session.send(request, timeout=TIMEOUT, allow_redirects=False, **settings)
    response.content  # noqa: B018 - read the whole answer now: its connection goes back to the pool
    return response


def enqueue_event(event: dict[str, Any], region: str = "us") -> Any:
    """Send one Events API v2 event (routing_key included); returns PagerDuty's JSON answer."""
    return decoded(post_event(event, region))
