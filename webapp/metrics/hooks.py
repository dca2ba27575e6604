"""Where the app factory feeds the counters: PagerDuty answers, deliveries marked delivered, web liveness."""

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, object_session

from webapp import counters
from webapp.counters import LATENCIES
from webapp.models import Delivery
from webapp.pagerduty import breaker


def pagerduty_answered(url, status):
    """Count one PagerDuty answer (or a network error/timeout); the Events API is told apart by its path."""
    counters.count_pagerduty_response("events" if url.endswith("/v2/enqueue") else "rest", status)

    breaker.answered(url, status)


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
    if not event.contains(Delivery.delivered_at, "set", _delivered):
        event.listen(Delivery.delivered_at, "set", _delivered)
        event.listen(Session, "after_commit", _observe_after_commit)
        event.listen(Session, "after_soft_rollback", _forget_after_rollback)


def note_web_process(response):
    """after_request: this web process is alive (throttled inside)."""
    counters.web_heartbeat()
    return response
