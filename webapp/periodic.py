"""The periodic jobs, in one list, and what Redis remembers of their runs (last run, registrations restored)."""

import logging
import time
from dataclasses import dataclass

from redis.exceptions import RedisError

from webapp.liveness import Kind, beat
from webapp.queues import get_redis

log = logging.getLogger(__name__)
LAST_RUN_KEY = "pagerbridge:periodic:last-run"
RESTORED_KEY = "pagerbridge:periodic:restored"
# A job counts as overdue once it has missed a whole run, plus this much slack for a queue that is only busy.
OVERDUE_SLACK_SECONDS = 60

# name, job function (dotted path), period (seconds, or the config key that holds them), queue.
PERIODIC_JOBS = (
    ("outbox-sweep", "jobs.alerts.sweep", "SWEEP_PERIOD_SECONDS", "default"),
    ("sla-evaluator", "jobs.sla.evaluate_all", "SLA_PERIOD_SECONDS", "default"),
    ("oncall-sync", "jobs.oncall.sync_all", "ONCALL_PERIOD_SECONDS", "default"),
    ("webhook-sweep", "jobs.webhooks.sweep_receipts", "SWEEP_PERIOD_SECONDS", "default"),
    ("pagerduty-reconcile", "jobs.reconcile.reconcile_all", 300, "default"),
    ("health-check", "jobs.health.check_all", 300, "default"),
)


@dataclass(frozen=True)
class PeriodicStatus:
    """One periodic job as seen now: its period, when it last finished a run, whether it is overdue."""

    name: str
    period: int
    last_run: float | None
    overdue: bool
    restored: int


def periodic_jobs(config):
    """(name, function path, period in seconds, queue) for every periodic job, periods read from `config`."""
    return [
        (name, func, period if isinstance(period, int) else int(config[period]), queue)
        for name, func, period, queue in PERIODIC_JOBS
    ]


def job_function(name):
    """The dotted path of the function behind a periodic job's name."""
    for job_name, func, _, _ in PERIODIC_JOBS:
        if job_name == name:
            return func
    raise KeyError(f"no periodic job named {name!r}")


def record_run(name, at=None):
    """Remember that `name` just finished a run: in the database (which a Redis flush cannot erase) and in Redis."""
    if at is None:
        beat(Kind.PERIODIC, name)
    try:
        get_redis().hset(LAST_RUN_KEY, name, repr(at if at is not None else time.time()))
    except RedisError as error:
        log.warning("last run of %s kept in the database only: %s", name, error)


def record_restored(name):
    """Count a registration the scheduler's watchdog found missing and put back."""
    get_redis().hincrby(RESTORED_KEY, name, 1)


def periodic_status(config, now=None):
    """Every periodic job with its last run and whether it is overdue; empty last runs when Redis is down."""
    try:
        with get_redis().pipeline(transaction=False) as pipeline:
            pipeline.hgetall(LAST_RUN_KEY)
            pipeline.hgetall(RESTORED_KEY)
            last_runs, restored = pipeline.execute()
    except RedisError as error:
        log.warning("periodic status unavailable: %s", error)
        last_runs, restored = {}, {}
    now = now if now is not None else time.time()
    rows = []
    for name, _, period, _ in periodic_jobs(config):
        last_run = _float(last_runs.get(name.encode()))
        overdue = last_run is None or now - last_run > 2 * period + OVERDUE_SLACK_SECONDS
        rows.append(PeriodicStatus(name, period, last_run, overdue, int(restored.get(name.encode()) or 0)))
    return rows


def _float(value):
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
