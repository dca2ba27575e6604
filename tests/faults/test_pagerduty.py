"""Issue 25, findings 1 and 2 as deployed: a worker sends while PagerDuty (the sandbox) answers 500 until the
backoffs have grown (an alert would wait more than half a minute on its own); the badge, `pagerduty status` and
/metrics name PagerDuty meanwhile, and everything held goes out soon after it recovers, once each and without a
429."""

import time

import pytest

from tests import factories
from tests.conftest import DEFAULT_KEY, wait_for
from tests.faults.test_postgres import flask
from webapp.connection.services import status_lines  # noqa: F401 - first: the badge imports the connection package
from webapp.health.badge import status_badge
from webapp.models import Delivery
from webapp.models.types import utcnow
from webapp.pagerduty import breaker

K8S = {"kind": "kubernetes", "title": "Node down", "severity": "high", "cluster": "prod", "namespace": "api"}
RECOVERY_SECONDS = 20  # everything held is sent within this after PagerDuty answers again
# The outage lasts until an alert's own backoff would hold it this long past the recovery (about 20-35 s: the fifth
# attempt's backoff is 16-48 s): only the breaker's release can then send it within RECOVERY_SECONDS. A fixed 40 s
# outage made that likely; this makes it certain, and ends the outage as soon as it holds.
HELD_LONGER_THAN = RECOVERY_SECONDS + 5


@pytest.fixture(autouse=True)
def fresh_breaker():
    breaker.reset()
    yield
    breaker.reset()


def waiting(db):
    db.session.expire_all()
    return db.session.scalar(
        db.select(db.func.count()).select_from(Delivery).where(Delivery.status.in_(("pending", "retrying")))
    )


def longest_hold(db):
    """Seconds until the last held alert falls due on its own backoff."""
    db.session.expire_all()
    due = db.session.scalar(
        db.select(db.func.max(Delivery.next_attempt_at)).where(Delivery.status.in_(("pending", "retrying")))
    )
    return (due - utcnow()).total_seconds() if due else 0.0


def test_pagerduty_failing_is_told_and_held_alerts_go_out_at_once_after(db, api, pd, connected, processes, test_env):
    factories.default_service(connected.id, DEFAULT_KEY)
    processes("jobs.sender", PAGERBRIDGE_SENDS_IN_FLIGHT="8")
    pd.state.add_fault("500", scope="events")
    for n in range(10):
        assert api.post("/incidents", json={**K8S, "external_id": f"outage-{n}"}).status_code == 201
    finding = wait_for(
        lambda: next(
            (
                f
                for f in status_badge(connected.id)["findings"]
                if f.code == "pagerduty_failing" and "10 alerts waiting" in f.message
            ),
            None,
        ),
        timeout=20,
    )
    assert (
        finding.message.startswith("PagerDuty is answering 500 to events since ")
        and "10 alerts waiting" in finding.message
    )
    assert "no_sender" not in [f.code for f in status_badge(connected.id)["findings"]]  # the worker is alive
    status = flask(test_env, "pagerduty", "status", "--org", connected.slug).stdout
    assert (
        "badge: Connected, needs attention" in status
        and "warning: PagerDuty is answering 500 to events since " in status
    )

    wait_for(lambda: longest_hold(db) > HELD_LONGER_THAN, timeout=120)  # backoffs grow meanwhile
    pd.state.clear_faults()
    recovered = time.monotonic()
    wait_for(lambda: waiting(db) == 0, timeout=60)
    took = time.monotonic() - recovered
    print(f"10 held alerts delivered {took:.1f} s after PagerDuty recovered")  # shown with -s
    assert took < RECOVERY_SECONDS, f"held alerts took {took:.1f} s after PagerDuty recovered"
    assert len(pd.state.incidents) == 10 and pd.state.throttled == 0  # once each, and never a 429
    wait_for(lambda: status_badge(connected.id)["state"] == "connected", timeout=20)
    assert "warnings: none" in flask(test_env, "pagerduty", "status", "--org", connected.slug).stdout
