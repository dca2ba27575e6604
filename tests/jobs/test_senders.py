"""Real sender processes: two at once, one SIGKILLed mid-send, one with a backlog beside a plain RQ worker."""

import os
import signal

import pytest

from tests import factories
from tests.api.test_incidents import K8S
from tests.conftest import DEFAULT_KEY, wait_for
from webapp.models import Delivery


@pytest.fixture()
def routed(connected):
    factories.default_service(connected.id, DEFAULT_KEY)
    return connected


def settled(db):
    db.session.expire_all()
    return db.session.scalar(
        db.select(db.func.count(Delivery.id)).where(Delivery.status.in_(("pending", "retrying", "paused")))
    )


@pytest.mark.postgres
def test_two_senders_send_each_event_once_and_each_key_in_order(api, pd, routed, db, spawn_sender):
    pd.state.latency_ms = 50  # sends overlap, within and across the senders
    # The key's pace well above the default (100 a minute would spread the 40 events over 24 s): more overlap
    spawn_sender(PAGERBRIDGE_SENDS_IN_FLIGHT="8", PAGERBRIDGE_EVENTS_PER_MINUTE="3000")
    spawn_sender(PAGERBRIDGE_SENDS_IN_FLIGHT="8", PAGERBRIDGE_EVENTS_PER_MINUTE="3000")
    ids = [api.post("/incidents", json={**K8S, "external_id": f"det-{n}"}).json["id"] for n in range(20)]
    for incident_id in ids:
        api.patch(f"/incidents/{incident_id}", json={"status": "resolved"})
    wait_for(lambda: len(pd.state.received_events()) >= 40 and settled(db) == 0, timeout=60)
    for incident_id in ids:
        actions = [e["event_action"] for e in pd.state.received_events(dedup_key=f"incident-{incident_id}")]
        assert actions == ["trigger", "resolve"]  # once each, and the resolve never overtook its trigger
    assert len(pd.state.received_events()) == 40


def test_a_delivery_claimed_by_a_killed_sender_is_sent_when_its_lease_lapses(api, pd, routed, db, spawn_sender):
    pd.state.add_fault("slow", count=1, delay=3, scope="events")  # the first send hangs at PagerDuty
    doomed = spawn_sender(PAGERBRIDGE_LEASE_SECONDS="2")
    incident_id = api.post("/incidents", json=K8S).json["id"]
    wait_for(lambda: not pd.state.faults, timeout=20)  # the send has reached PagerDuty and waits for its answer
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    spawn_sender(PAGERBRIDGE_LEASE_SECONDS="2")
    delivery = wait_for(lambda: db.session.scalar(db.select(Delivery).filter_by(status="delivered")), timeout=30)
    assert delivery.dedup_key == f"incident-{incident_id}"
    # The hung call is answered too in the end (PagerDuty merges the two under one dedup key).
    wait_for(lambda: len(pd.state.received_events(dedup_key=f"incident-{incident_id}")) == 2, timeout=20)
    assert len(pd.state.incidents) == 1


def test_retries_do_not_need_rqs_scheduler(api, pd, routed, db, redis, spawn_sender):
    from rq import Queue

    redis.set("rq:scheduler-lock:default", "a-worker-that-was-killed", ex=600)  # a stale lock, as after SIGKILL
    pd.state.add_fault("500", count=2, scope="events")
    spawn_sender()
    incident_id = api.post("/incidents", json=K8S).json["id"]
    delivery = wait_for(lambda: db.session.scalar(db.select(Delivery).filter_by(status="delivered")), timeout=30)
    assert delivery.attempts == 3 and delivery.dedup_key == f"incident-{incident_id}"
    assert Queue("default", connection=redis).scheduled_job_registry.count == 0


def test_housekeeping_runs_while_deliveries_back_up(api, pd, routed, db, redis, spawn_worker, spawn_sender):
    from jobs.maintenance import HEARTBEAT_KEY
    from webapp.queues import enqueue

    pd.state.latency_ms = 1500  # PagerDuty answers slowly: a backlog builds behind two sends in flight
    spawn_sender(PAGERBRIDGE_SENDS_IN_FLIGHT="2")
    spawn_worker()
    for n in range(12):
        api.post("/incidents", json={**K8S, "external_id": f"det-{n}"})
    wait_for(lambda: pd.state.waiting == 2)
    enqueue("jobs.maintenance.heartbeat", queue="default")
    wait_for(lambda: redis.get(HEARTBEAT_KEY), timeout=20)
    assert settled(db) >= 6  # the heartbeat did not wait for the backlog


def test_a_killed_senders_delivery_is_taken_over_once_it_is_seen_dead(api, pd, routed, db, spawn_sender):
    from webapp.alerts.liveness import DEAD_AFTER_SECONDS

    pd.state.add_fault("slow", count=1, delay=3, scope="events")  # the first send hangs at PagerDuty
    doomed = spawn_sender()  # the default minute-long lease
    incident_id = api.post("/incidents", json=K8S).json["id"]
    wait_for(lambda: not pd.state.faults, timeout=20)
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    spawn_sender()
    # Sent again long before the lease would lapse: its sender stopped beating, so its lease is void.
    wait_for(
        lambda: db.session.scalar(db.select(Delivery).filter_by(status="delivered")), timeout=DEAD_AFTER_SECONDS + 15
    )
    wait_for(lambda: len(pd.state.received_events(dedup_key=f"incident-{incident_id}")) == 2, timeout=20)
    assert len(pd.state.incidents) == 1  # the one it held in flight, sent twice under one dedup key: one incident


def test_a_sender_rides_out_a_redis_restart(api, pd, routed, db, spawn_sender, private_redis):
    import time

    sender = spawn_sender(REDIS_URL=private_redis.url)
    first = api.post("/incidents", json={**K8S, "external_id": "before"}).json["id"]
    wait_for(lambda: pd.state.received_events(dedup_key=f"incident-{first}"), timeout=20)
    private_redis.stop()
    second = api.post("/incidents", json={**K8S, "external_id": "while-down"}).json["id"]
    wait_for(lambda: pd.state.received_events(dedup_key=f"incident-{second}"), timeout=20)  # its own polling
    time.sleep(2)
    private_redis.start()
    third = api.post("/incidents", json={**K8S, "external_id": "after"}).json["id"]
    wait_for(lambda: pd.state.received_events(dedup_key=f"incident-{third}"), timeout=20)
    assert sender.poll() is None  # it never exited
    assert len(pd.state.received_events()) == 3
