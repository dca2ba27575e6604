"""The one htmx layer: a page or, for a targeted htmx request, only its fragment; toasts and events in HX-Trigger."""

from flask import redirect as flask_redirect
from flask import render_template
from flask_htmx import make_response
from flask_htmx.constants import HTMX_STOP_POLLING

from webapp.extensions import htmx

STOP_POLLING = HTMX_STOP_POLLING


def wants_fragment(target=None):
    """An htmx request that swaps part of the page (never a boosted link or a history restore), aimed at `target`."""
    if not htmx or htmx.boosted or htmx.history_restore_request:
        return False
    return target is None or htmx.target == target


def toast(level, message):
    """The HX-Trigger payload of a toast, for the one listener in static/app.js."""
    return {"toast": {"level": level, "message": message}}


def respond(body="", status=200, level=None, message=None, events=None, **headers):
    """A response with a toast (when `message` is given) and domain events in HX-Trigger."""
    trigger = {**(toast(level or "success", message) if message else {}), **(events or {})}
    return make_response(body, status, trigger=trigger or None, **headers)


def render(template, fragment, target, /, *, status=200, level=None, message=None, events=None, **context):
    """The whole page `template`, or only `fragment` when htmx asks to swap `target`; both carry Vary: HX-Request."""
    chosen = fragment if wants_fragment(target) else template
    response = respond(render_template(chosen, **context), status, level, message, events)
    response.vary.add("HX-Request")
    return response


def redirect_to(url):
    """Post/redirect/get: a plain redirect for the browser, HX-Redirect for htmx."""
    if htmx:
        return make_response("", 200, redirect=url)
    return flask_redirect(url)
