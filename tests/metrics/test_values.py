"""Each metric follows what happens: deliveries queued and sent, PagerDuty's answers, webhooks, workers, jobs."""

import math
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from rq import Worker

from tests import factories
from tests.conftest import DEFAULT_KEY, ROOT
from tests.metrics.conftest import value
from tests.webhooks.test_views import SECRET, event_body, post, sign
from webapp.models import Delivery, WebhookSecret
from webapp.models.types import utcnow

K8S = {"kind": "kubernetes", "title": "Pod crash-looping", "severity": "high", "cluster": "prod", "namespace": "api"}


def delivery(org_id, priority=0, status="pending", age=0):
    return Delivery(
        org_id=org_id,
        action="trigger",
        event_type="incident_opened",
        priority=priority,
        status=status,
        created_at=utcnow() - timedelta(seconds=age),
    )


def test_pending_by_queue_and_the_oldest(db, org, scrape):
    db.session.add_all(
        [
            delivery(org.id, age=120),
            delivery(org.id, status="retrying", age=30),
            delivery(org.id, priority=3, age=10),
            delivery(org.id, status="delivered", age=900),
            delivery(org.id, status="paused", age=3600),
        ]
    )
    db.session.commit()
    samples = scrape()
    assert value(samples, "pagerbridge_deliveries_pending", queue="alerts") == 2
    assert value(samples, "pagerbridge_deliveries_pending", queue="alerts-critical") == 1
    assert value(samples, "pagerbridge_deliveries_paused") == 1
    assert 120 <= value(samples, "pagerbridge_oldest_pending_delivery_seconds") < 180


def test_a_send_moves_pending_latency_and_pagerduty_answers(db, api, pd, connected, scrape):
    from tests.sending import send_now

    factories.default_service(connected.id, DEFAULT_KEY)
    api.post("/incidents", json=K8S)
    before = scrape()
    assert value(before, "pagerbridge_deliveries_pending", queue="alerts") == 1
    row = db.session.scalar(db.select(Delivery))
    row.created_at = utcnow() - timedelta(seconds=3)  # as if it waited 3 s for a worker
    db.session.commit()
    assert send_now(row.id) == "delivered"
    after = scrape()
    assert value(after, "pagerbridge_deliveries_pending", queue="alerts") == 0
    assert value(after, "pagerbridge_delivery_latency_seconds_count") == 1
    assert 3 <= value(after, "pagerbridge_delivery_latency_seconds_sum") < 10
    assert value(after, "pagerbridge_delivery_latency_seconds_bucket", le="2.5") == 0
    assert value(after, "pagerbridge_delivery_latency_seconds_bucket", le="5.0") == 1
    assert value(after, "pagerbridge_delivery_latency_seconds_bucket", le="+Inf") == 1
    events = value(after, "pagerbridge_pagerduty_responses_total", api="events", status="202")
    assert events == value(before, "pagerbridge_pagerduty_responses_total", api="events", status="202") + 1


def test_refused_and_failed_calls_are_counted_by_status(db, api, pd, connected, scrape, app):
    from tests.sending import send_now
    from webapp.pagerduty import client

    factories.default_service(connected.id, DEFAULT_KEY)
    pd.state.add_fault("500", count=1, scope="events")
    api.post("/incidents", json=K8S)
    assert send_now(db.session.scalar(db.select(Delivery.id))) == "retrying"
    with pytest.raises(client.PagerDutyError):
        client.send("GET", "http://127.0.0.1:9/nothing-listens-here", timeout=0.5)
    samples = scrape()
    assert value(samples, "pagerbridge_pagerduty_responses_total", api="events", status="500") == 1
    assert value(samples, "pagerbridge_pagerduty_responses_total", api="rest", status="network_error") == 1
    assert value(samples, "pagerbridge_delivery_latency_seconds_count") == 0


def test_a_rolled_back_delivery_is_not_observed(db, org, scrape):
    row = delivery(org.id, age=5)
    db.session.add(row)
    db.session.commit()
    row.status, row.delivered_at = "delivered", utcnow()
    db.session.rollback()
    assert value(scrape(), "pagerbridge_delivery_latency_seconds_count") == 0


def test_webhooks_by_outcome(client, db, org, scrape):
    db.session.add(WebhookSecret(org_id=org.id, secret=SECRET))
    db.session.commit()
    body = event_body()
    assert post(client, org, body, sign(body, SECRET), "w1").status_code == 202
    assert post(client, org, body, sign(body, SECRET), "w1").status_code == 202
    assert post(client, org, body, "v1=00").status_code == 401
    assert post(client, org, b"[]", sign(b"[]", SECRET)).status_code == 400
    big = b"x" * (300 * 1024)
    assert post(client, org, big, sign(big, SECRET)).status_code == 413
    samples = scrape()
    for outcome in ("accepted", "duplicate", "unauthorized", "invalid", "too_large"):
        assert value(samples, "pagerbridge_webhooks_received_total", outcome=outcome) == 1, outcome


def test_workers_count_their_own_heartbeats_not_rqs_registry(db, redis, scrape):
    """Finding 3: RQ's registration outlives a killed worker by minutes; only a live heartbeat counts."""
    from webapp import liveness

    assert value(scrape(), "pagerbridge_worker_heartbeat_age_seconds") == math.inf
    worker = Worker(["default"], connection=redis, name="metrics-test-worker")
    worker.register_birth()
    worker.heartbeat()
    samples = scrape()
    assert value(samples, "pagerbridge_workers") == 0 and value(samples, "pagerbridge_rq_workers") == 1
    liveness.beat(liveness.Kind.WORKER, "w1")
    liveness.beat(liveness.Kind.SENDER, "s1")
    samples = scrape()
    assert 0 <= value(samples, "pagerbridge_worker_heartbeat_age_seconds") < 5
    assert value(samples, "pagerbridge_workers") == 1 and value(samples, "pagerbridge_senders") == 1
    db.session.execute(db.update(liveness.Heartbeat).values(beat_at=utcnow() - timedelta(seconds=20)))
    db.session.commit()
    samples = scrape()  # a killed process: its row ages, and within LIVE_SECONDS it no longer counts
    assert value(samples, "pagerbridge_workers") == 0 and value(samples, "pagerbridge_senders") == 0
    assert 20 <= value(samples, "pagerbridge_worker_heartbeat_age_seconds") < 25
    redis.flushdb()
    assert 20 <= value(scrape(), "pagerbridge_sender_heartbeat_age_seconds") < 25  # a flush erases nothing
    worker.register_death()


def test_scheduler_last_run_per_job(db, redis, scrape):
    redis.hset("pagerbridge:periodic:last-run", mapping={"outbox-sweep": time.time() - 30, "sla-evaluator": "bad"})
    redis.zadd("rq:scheduler:scheduled_jobs", {"periodic-oncall-sync": time.time() + 100})
    samples = scrape()
    assert 30 <= value(samples, "pagerbridge_scheduler_last_run_seconds", job="outbox-sweep") < 40
    assert value(samples, "pagerbridge_scheduler_last_run_seconds", job="oncall-sync") == math.inf
    assert ("pagerbridge_scheduler_last_run_seconds", frozenset({("job", "sla-evaluator")})) not in samples
    assert value(samples, "pagerbridge_scheduler_lag_seconds") == 0


def test_sla_pass_seconds_after_a_pass(db, org, scrape):
    from webapp.sla.services import evaluate_all

    assert math.isnan(value(scrape(), "pagerbridge_sla_pass_seconds"))
    evaluate_all()
    assert 0 < value(scrape(), "pagerbridge_sla_pass_seconds") < 5


def test_counts_add_up_across_processes(db, scrape, test_env):
    """What another process (a second gunicorn worker, an RQ worker on another dyno) counts shows in this scrape."""
    from webapp import counters

    counters.count_webhook("accepted")
    script = (
        "from webapp import create_app\n"
        "from webapp import counters\n"
        "with create_app().app_context():\n"
        "    counters.count_webhook('accepted')\n"
        "    counters.count_pagerduty_response('events', 202)\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, **test_env}, check=True, timeout=60)
    samples = scrape()
    assert value(samples, "pagerbridge_webhooks_received_total", outcome="accepted") == 2
    assert value(samples, "pagerbridge_pagerduty_responses_total", api="events", status="202") == 1


def test_counting_never_fails_the_work_when_redis_is_down(app, db, monkeypatch):
    from redis import Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    from webapp import counters

    attempts = []

    def unreachable():
        attempts.append(1)
        return Redis(port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))

    monkeypatch.setattr(counters, "get_redis", unreachable)
    monkeypatch.setattr(counters, "_paused_until", [0.0])
    counters.count_webhook("accepted")
    counters.count_pagerduty_response("rest", 200)
    counters.observe_delivery_latencies([0.2])
    assert len(attempts) == 1  # then it stops trying for a while


def test_a_scrape_is_a_handful_of_statements(db, org, client, metrics_token):
    from tests.sql import recorded

    with recorded(db.engine) as statements:
        assert client.get("/metrics", headers={"Authorization": f"Bearer {metrics_token}"}).status_code == 200
    assert len(statements) <= 6, statements  # deliveries (4) and the heartbeats (1), each one query


def test_database_figures_still_answer_while_redis_is_down(db, org, scrape, monkeypatch):
    from redis.exceptions import ConnectionError

    from webapp import counters

    db.session.add(delivery(org.id, age=60))
    db.session.commit()

    def down():
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(counters, "delivery_latency", down)
    samples = scrape()
    assert value(samples, "pagerbridge_redis_up") == 0
    assert value(samples, "pagerbridge_deliveries_pending", queue="alerts") == 1
    assert ("pagerbridge_webhooks_received_total", frozenset({("outcome", "accepted")})) not in samples


def test_scheduler_lag_reports_from_the_database_when_redis_is_flushed_or_down(db, redis, scrape, monkeypatch):
    """Finding 5: a stopped scheduler's lag grows from its last heartbeat; it never vanishes."""
    from redis.exceptions import ConnectionError

    from webapp import liveness
    from webapp.metrics import readings

    assert value(scrape(), "pagerbridge_scheduler_lag_seconds") == math.inf  # never seen: an alert fires
    liveness.beat(liveness.Kind.SCHEDULER, "scheduler-1")
    liveness.beat(liveness.Kind.PERIODIC, "outbox-sweep")
    assert value(scrape(), "pagerbridge_scheduler_lag_seconds") == 0
    db.session.execute(db.update(liveness.Heartbeat).values(beat_at=utcnow() - timedelta(seconds=75)))
    db.session.commit()
    redis.flushdb()
    samples = scrape()
    assert 59 <= value(samples, "pagerbridge_scheduler_lag_seconds") < 65  # 75 s since the beat, less 15 s of grace
    assert 75 <= value(samples, "pagerbridge_scheduler_last_run_seconds", job="outbox-sweep") < 80

    def down(*_args, **_kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(readings, "get_redis", down)
    assert 59 <= readings.scheduler_lag_known() < 65


def test_a_sender_keeps_its_counts_until_it_flushes_them_in_one_round_trip(db, api, pd, connected, scrape, monkeypatch):
    from tests.sending import send_now
    from webapp import counters

    factories.default_service(connected.id, DEFAULT_KEY)
    for n in range(2):
        api.post("/incidents", json={**K8S, "external_id": f"kept-{n}"})
    before = scrape()
    monkeypatch.setattr(counters, "_pending", counters._Pending())
    counters.keep_in_process()
    for row in db.session.scalars(db.select(Delivery)).all():
        assert send_now(row.id) == "delivered"
    kept = scrape()  # nothing reached Redis yet
    assert value(kept, "pagerbridge_delivery_latency_seconds_count") == value(
        before, "pagerbridge_delivery_latency_seconds_count"
    )
    counters.flush()
    after = scrape()
    assert value(after, "pagerbridge_delivery_latency_seconds_count") == 2
    assert value(after, "pagerbridge_delivery_latency_seconds_bucket", le="+Inf") == 2
    events = value(after, "pagerbridge_pagerduty_responses_total", api="events", status="202")
    assert events == value(before, "pagerbridge_pagerduty_responses_total", api="events", status="202") + 2
