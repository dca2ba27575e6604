"""Issue 25, findings 3-5: processes killed, Redis restarted empty or away, told truthfully. Each test runs
PagerBridge's own processes against a Redis it starts, stops and starts again (never the shared one)."""

import os
import signal
import time

from redis import Redis
from rq import Worker

from tests.conftest import wait_for
from webapp import liveness
from webapp.metrics import readings


def beat_age(kind):
    return readings.heartbeats().get(kind, {})


def live(kind):
    return [name for name, age in beat_age(kind).items() if age <= liveness.LIVE_SECONDS]


def test_the_scheduler_survives_a_redis_outage_and_its_lag_shows_meanwhile(db, private_redis, processes):
    scheduler = processes("jobs.scheduler", REDIS_URL=private_redis.url)
    wait_for(lambda: live("scheduler"), timeout=40)
    private_redis.stop()
    wait_for(lambda: "Redis is not answering" in scheduler.log(), timeout=30)
    wait_for(lambda: readings.scheduler_lag_known() > 3, timeout=40)  # the lag grows from the database's beat
    assert scheduler.poll() is None, scheduler.log()  # finding 5: it used to exit here
    assert "attempt 2" in scheduler.log()  # each attempt is logged
    private_redis.start()  # empty: the periodic jobs are registered again
    wait_for(lambda: Redis.from_url(private_redis.url).zcard("rq:scheduler:scheduled_jobs") >= 6, timeout=60)
    wait_for(lambda: readings.scheduler_lag_known() == 0, timeout=30)
    assert scheduler.poll() is None
    private_redis.stop()  # stopped while Redis is away, it stops (its goodbye to Redis used to restart the wait)
    os.killpg(scheduler.pid, signal.SIGTERM)
    assert scheduler.wait(timeout=8) is not None, scheduler.log()


def test_a_worker_rejoins_rqs_registry_after_redis_restarts_empty(db, processes, private_redis):
    worker = processes("jobs.worker", REDIS_URL=private_redis.url)
    sender = processes("jobs.sender", REDIS_URL=private_redis.url, PAGERBRIDGE_SENDS_IN_FLIGHT="2")
    connection = Redis.from_url(private_redis.url)
    wait_for(lambda: len(Worker.all(connection=connection)) == 1 and live("worker") and live("sender"), timeout=40)
    private_redis.stop()
    private_redis.start()
    assert Worker.all(connection=Redis.from_url(private_redis.url)) == []
    wait_for(lambda: len(Worker.all(connection=Redis.from_url(private_redis.url))) == 1, timeout=40)  # finding 4
    assert live("worker") and live("sender") and worker.poll() is None and sender.poll() is None


def test_killed_workers_are_counted_down_within_30_seconds(db, processes, connected, client, app, monkeypatch):
    from tests.metrics.conftest import parse
    from webapp.health.badge import status_badge

    monkeypatch.setitem(app.config, "METRICS_TOKEN", "fault-token")

    def scraped(name):
        text = client.get("/metrics", headers={"Authorization": "Bearer fault-token"}).get_data(as_text=True)
        return parse(text)[(name, frozenset())]

    workers = [processes("jobs.worker"), processes("jobs.sender"), processes("jobs.worker"), processes("jobs.sender")]
    wait_for(lambda: scraped("pagerbridge_workers") == 2 and scraped("pagerbridge_senders") == 2, timeout=40)
    for worker in workers:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    killed = time.monotonic()
    wait_for(lambda: scraped("pagerbridge_workers") == 0 and scraped("pagerbridge_senders") == 0, timeout=30)
    assert time.monotonic() - killed < 30  # finding 3: RQ's registrations said 2 for minutes
    assert scraped("pagerbridge_rq_workers") == 2  # what RQ still claims, for comparison
    assert [f.code for f in status_badge(connected.id)["findings"]] == ["no_sender"]


RQ_RETRIES = "could not connect to Redis instance"  # RQ's own words when its dequeue loop retries


def test_a_worker_waits_out_a_redis_that_stays_away_and_rejoins_when_it_is_back(db, processes, private_redis):
    """Found by bench/faults.py (Redis away for 10 s): the worker started RQ again after 2 s, RQ's constructor met
    the absent Redis, and the process exited."""
    worker = processes("jobs.worker", REDIS_URL=private_redis.url)
    wait_for(lambda: len(Worker.all(connection=Redis.from_url(private_redis.url))) == 1, timeout=40)
    private_redis.stop()
    # Where Redis goes away decides who waits: RQ's own dequeue loop retries a lost connection itself; elsewhere RQ
    # quits, and our loop starts it again ("starting again in 2 s"), whose constructor then meets the absent Redis.
    wait_for(lambda: "starting again in 2 s" in worker.log() or RQ_RETRIES in worker.log(), timeout=60)
    wait_for(
        lambda: (
            worker.poll() is not None
            or "starting the RQ worker again in" in worker.log()
            or worker.log().count(RQ_RETRIES) >= 3
        ),
        timeout=60,
    )
    assert worker.poll() is None, worker.log()
    private_redis.start()
    wait_for(lambda: len(Worker.all(connection=Redis.from_url(private_redis.url))) == 1, timeout=60)
    assert worker.poll() is None
