"""Where the counters are fed: PagerDuty answers, webhook requests, deliveries marked delivered, web liveness."""

from functools import wraps

from flask import request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, object_session
from werkzeug.exceptions import HTTPException

from webapp.metrics import counters

LATENCIES = "pagerbridge_delivery_latencies"
WEBHOOK_OUTCOMES = {202: "accepted", 400: "invalid", 401: "unauthorized", 413: "too_large"}


def pagerduty_answered(url, status):
    """Count one PagerDuty answer (or a network error/timeout); the Events API is told apart by its path."""
    counters.count_pagerduty_response("events" if url.endswith("/v2/enqueue") else "rest", status)
    from webapp.health import breaker  # imported late: the breaker reads models, which import the client

    breaker.answered(url, status)


def counted_webhook(view):
    """Count each request to the webhook endpoint by outcome (a 202 for a webhook already stored is 'duplicate')."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            result = view(*args, **kwargs)
        except HTTPException as error:  # Flask refusing the request itself (e.g. a body over MAX_CONTENT_LENGTH)
            counters.count_webhook(WEBHOOK_OUTCOMES.get(error.code, str(error.code)))
            raise
        except Exception:
            counters.count_webhook("error")
            raise
        body, status = result if isinstance(result, tuple) else (result, 200)
        outcome = WEBHOOK_OUTCOMES.get(status, str(status))
        if status == 202 and (body.get_json(silent=True) or {}).get("duplicate"):
            replay = request.environ.get("pagerbridge.webhook_replay")  # a signed event stored under another id
            outcome = "replay" if replay else "duplicate"
        counters.count_webhook(outcome)
        return result

    return wrapped


def _delivered(target, value, _old, _initiator):
    """A delivery got its delivered_at: keep its latency until the session commits (a rollback forgets it)."""
    created_at = inspect(target).dict.get("created_at")  # never a query on the hot path: only when already loaded
    session = object_session(target)
    if value is None or created_at is None or session is None:
        return
    session.info.setdefault(LATENCIES, []).append(max(0.0, (value - created_at).total_seconds()))


def _observe_after_commit(session):
    counters.observe_delivery_latencies(session.info.pop(LATENCIES, None))


def _forget_after_rollback(session, previous_transaction=None):
    session.info.pop(LATENCIES, None)


def install_delivery_hooks():
    """Observe delivery latency wherever a Delivery row is marked delivered through the ORM, once per process."""
    from webapp.models import Delivery

    if not event.contains(Delivery.delivered_at, "set", _delivered):
        event.listen(Delivery.delivered_at, "set", _delivered)
        event.listen(Session, "after_commit", _observe_after_commit)
        event.listen(Session, "after_soft_rollback", _forget_after_rollback)


def note_web_process(response):
    """after_request: this web process is alive (throttled inside)."""
    counters.web_heartbeat()
    return response
