"""Periodic jobs: registered once under fixed ids, never dropped by a busy queue, restored if lost, runs recorded."""

import time
from datetime import UTC, datetime

from rq import Queue
from rq.job import Job

from jobs.maintenance import HEARTBEAT_KEY
from jobs.schedule import PERIODIC_PREFIX, build_scheduler, periodic_jobs, reconcile, restore_missing
from jobs.worker import AppWorker
from tests.conftest import wait_for
from webapp.periodic import LAST_RUN_KEY, RESTORED_KEY, periodic_status, record_run

SWEEP = [("outbox-sweep", "jobs.alerts.sweep", 1, "default")]


def _periodic(scheduler):
    return sorted((job.id, job.meta["interval"]) for job in scheduler.get_jobs() if job.id.startswith(PERIODIC_PREFIX))


def _last_run(redis, name="outbox-sweep"):
    value = redis.hget(LAST_RUN_KEY, name)
    return float(value) if value else None


def _work(redis, queue="default"):
    AppWorker([queue], connection=redis).work(burst=True)


def test_reconcile_is_idempotent_across_schedulers(app, redis):
    jobs = periodic_jobs(app.config)
    first, second = build_scheduler(redis), build_scheduler(redis)
    reconcile(first, jobs)
    once = _periodic(first)
    reconcile(second, jobs)
    reconcile(first, jobs)
    assert _periodic(first) == once
    assert len(once) == len(jobs)
    assert ("periodic-sla-evaluator", app.config["SLA_PERIOD_SECONDS"]) in once


def test_reconcile_replaces_changed_and_drops_stale_jobs(app, redis):
    scheduler = build_scheduler(redis)
    reconcile(
        scheduler,
        [
            ("old-job", "jobs.maintenance.heartbeat", 60, "default"),
            ("sla-evaluator", "jobs.sla.evaluate_all", 60, "default"),
        ],
    )
    reconcile(scheduler, [("sla-evaluator", "jobs.sla.evaluate_all", 900, "default")])
    assert _periodic(scheduler) == [("periodic-sla-evaluator", 900)]


def test_registrations_of_an_older_release_are_replaced(app, redis):
    scheduler = build_scheduler(redis)
    scheduler.schedule(
        scheduled_time=datetime.now(UTC),
        func="jobs.alerts.sweep",
        interval=30,
        id="periodic-outbox-sweep",
        result_ttl=60,
    )
    reconcile(scheduler, SWEEP)
    (job,) = scheduler.get_jobs()
    assert (job.func_name, job.args, job.result_ttl) == ("jobs.schedule.run_periodic", ["outbox-sweep"], -1)


def test_a_sweep_held_in_a_busy_queue_longer_than_its_period_still_runs_after(app, db, redis):
    scheduler = build_scheduler(redis, periodic=SWEEP)
    reconcile(scheduler, SWEEP)
    scheduler.enqueue_jobs()
    _work(redis)
    first = _last_run(redis)
    assert first is not None

    # A backlog: the queue is busy and no worker gets to the sweep for several of its periods (and longer
    # than the old record expiry of two periods), while the scheduler keeps passing.
    queue = Queue("default", connection=redis)
    queue.enqueue("jobs.maintenance.heartbeat")
    held_until = time.monotonic() + 3.5
    while time.monotonic() < held_until:
        scheduler.enqueue_jobs()
        time.sleep(0.25)
    assert queue.job_ids.count("periodic-outbox-sweep") == 1  # due again and again, queued once
    assert redis.ttl(Job.key_for("periodic-outbox-sweep")) == -1
    assert "periodic-outbox-sweep" in scheduler

    _work(redis)
    assert redis.get(HEARTBEAT_KEY) and _last_run(redis) > first
    second = _last_run(redis)
    wait_for(lambda: scheduler.enqueue_jobs() and "periodic-outbox-sweep" in queue.job_ids, timeout=5)
    _work(redis)
    assert _last_run(redis) > second
    assert redis.hget(RESTORED_KEY, "outbox-sweep") is None


def test_a_record_lost_while_waiting_is_restored_by_the_watchdog_and_counted(app, db, redis):
    scheduler = build_scheduler(redis, periodic=SWEEP)
    reconcile(scheduler, SWEEP)
    redis.delete(Job.key_for("periodic-outbox-sweep"))  # what an expiry or a flush does
    scheduler.enqueue_jobs()
    assert "periodic-outbox-sweep" in scheduler
    assert redis.hget(RESTORED_KEY, "outbox-sweep") == b"1"
    scheduler.enqueue_jobs()
    _work(redis)
    assert _last_run(redis) is not None


def test_a_registration_dropped_from_the_schedule_is_restored(app, db, redis):
    scheduler = build_scheduler(redis)
    reconcile(scheduler, SWEEP)
    scheduler.cancel("periodic-outbox-sweep")  # rq-scheduler stopping between its remove and its re-add
    assert restore_missing(scheduler, SWEEP) == ["outbox-sweep"]
    assert restore_missing(scheduler, SWEEP) == []
    assert "periodic-outbox-sweep" in scheduler


def test_a_failed_run_records_no_last_run_and_keeps_the_job(app, db, redis, monkeypatch):
    import webapp.alerts.outbox

    def broken(org_id=None):
        raise RuntimeError("database away")

    monkeypatch.setattr(webapp.alerts.outbox, "sweep", broken)
    scheduler = build_scheduler(redis, periodic=SWEEP)
    reconcile(scheduler, SWEEP)
    scheduler.enqueue_jobs()
    _work(redis)
    assert _last_run(redis) is None
    assert redis.ttl(Job.key_for("periodic-outbox-sweep")) > 0  # RQ's failure expiry
    scheduler.enqueue_jobs()
    assert "periodic-outbox-sweep" in scheduler
    assert redis.ttl(Job.key_for("periodic-outbox-sweep")) == -1


def test_periodic_status_says_when_each_job_last_ran_and_whether_it_is_overdue(app, db, redis):
    now = time.time()
    record_run("outbox-sweep", at=now - 5)
    record_run("sla-evaluator", at=now - 3 * app.config["SLA_PERIOD_SECONDS"])
    rows = {row.name: row for row in periodic_status(app.config, now=now)}
    assert set(rows) == {name for name, *_ in periodic_jobs(app.config)}
    assert rows["outbox-sweep"].last_run == now - 5 and not rows["outbox-sweep"].overdue
    assert rows["sla-evaluator"].overdue
    assert rows["oncall-sync"].last_run is None and rows["oncall-sync"].overdue
    assert rows["outbox-sweep"].period == app.config["SWEEP_PERIOD_SECONDS"]


def test_every_listed_job_names_a_function_that_imports(app):
    from rq.utils import import_attribute

    from webapp.periodic import job_function

    for name, func, period, queue in periodic_jobs(app.config):
        assert callable(import_attribute(job_function(name))) and func == job_function(name)
        assert period > 0 and queue == "default"
