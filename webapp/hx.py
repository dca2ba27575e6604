"""The one htmx layer: a page or, for a targeted htmx request, only its fragment; toasts and events in HX-Trigger.

Named hx, not htmx, so that it never shadows flask_htmx's extension (`webapp.extensions.htmx`).
"""

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, g, render_template
from flask import redirect as flask_redirect
from flask_htmx import make_response
from flask_htmx.constants import HTMX_STOP_POLLING
from werkzeug.wrappers import Response as BaseResponse

from webapp.errors import DomainError
from webapp.extensions import htmx

STOP_POLLING = HTMX_STOP_POLLING
# Every request header a view's answer may depend on through this module: caches must key on all of them.
VARY_HEADERS = ("HX-Request", "HX-Target", "HX-Boosted", "HX-History-Restore-Request")


def init_app(app: Flask) -> None:
    """Add the full Vary to every response whose body was chosen by reading the htmx headers."""
    app.after_request(_add_vary)


def _add_vary(response: Response) -> Response:
    if g.get("hx_branched"):
        vary(response)
    if g.get("hx_read_current_url"):
        response.vary.add("HX-Current-URL")
    return response


def vary(response: Response) -> Response:
    """Mark `response` as depending on every htmx request header a view branches on."""
    for header in VARY_HEADERS:
        response.vary.add(header)
    return response


def is_htmx() -> bool:
    """Whether htmx sent this request (and note that the answer depends on it)."""
    g.hx_branched = True
    return bool(htmx)


def current_url() -> str:
    """The URL of the page htmx sent this request from ("" without one); the answer then varies on it."""
    g.hx_read_current_url = True
    return htmx.current_url or ""


def wants_fragment(target: str | None = None) -> bool:
    """An htmx request that swaps part of the page (never a boosted link or a history restore), aimed at `target`."""
    if not is_htmx() or htmx.boosted or htmx.history_restore_request:
        return False
    return target is None or htmx.target == target


def toast(level: str, message: str) -> dict[str, dict[str, str]]:
    """The HX-Trigger payload of a toast, for the one listener in static/app.js."""
    return {"toast": {"level": level, "message": message}}


def respond(
    body: str = "",
    status: int = 200,
    level: str | None = None,
    message: str | None = None,
    events: Mapping[str, Any] | None = None,
    **headers: Any,
) -> Response:
    """A response with a toast (when `message` is given) and domain events in HX-Trigger."""
    trigger = {**(toast(level or "success", message) if message else {}), **(events or {})}
    return make_response(body, status, trigger=trigger or None, **headers)


def act(action: Callable[[], object], message: str, events: Mapping[str, Any] | None = None) -> Response:
    """Run a button's `action()`: a success toast and `events`, or a danger toast (with its status) when refused."""
    try:
        action()
    except DomainError as error:
        return respond("", error.status, "danger", error.message)
    return respond("", 200, "success", message, events=events)


def render(
    template: str,
    fragment: str,
    target: str | None,
    /,
    *,
    status: int = 200,
    level: str | None = None,
    message: str | None = None,
    events: Mapping[str, Any] | None = None,
    **context: Any,
) -> Response:
    """The whole page `template`, or only `fragment` when htmx asks to swap `target`; both carry the full Vary."""
    chosen = fragment if wants_fragment(target) else template
    return vary(respond(render_template(chosen, **context), status, level, message, events))


def redirect_to(url: str) -> BaseResponse:
    """Post/redirect/get: a plain redirect for the browser, HX-Redirect for htmx."""
    if is_htmx():
        return make_response("", 200, redirect=url)
    return flask_redirect(url)
