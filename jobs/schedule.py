"""The periodic jobs' registration with rq-scheduler under fixed ids, the job that runs each, and a watchdog.

Each periodic job is one RQ job record that rq-scheduler queues again every period. rq-scheduler forgets a job for
good when that record is missing, so the record never expires: it is registered without a result expiry, and the
watchdog makes it persistent again in every scheduler pass (a failed run gives it RQ's failure expiry). Whatever still
removes it (a crash between rq-scheduler's two writes, a flushed key) the watchdog puts back, and counts.
"""

import logging
from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from redis import Redis, RedisError
from rq.job import Job
from rq.queue import Queue
from rq.utils import import_attribute
from rq_scheduler import Scheduler
from rq_scheduler.utils import to_unix

from webapp.liveness import Kind, beat
from webapp.periodic import job_function, periodic_jobs, record_restored, record_run

__all__ = ["periodic_jobs", "reconcile", "restore_missing", "run_periodic", "build_scheduler"]
log = logging.getLogger(__name__)
PERIODIC_PREFIX = "periodic-"
# (name, function path, period in seconds, queue), as webapp.periodic.periodic_jobs lists them.
PeriodicJob = tuple[str, str, int, str]
RUNNER = "jobs.schedule.run_periodic"


def run_periodic(name: str) -> object:
    """Run the periodic job `name`, then record its last run (a run that raises records none, so it shows overdue)."""
    result = import_attribute(job_function(name))()
    record_run(name)
    return result


def reconcile(scheduler: Scheduler, jobs: Sequence[PeriodicJob], now: datetime | None = None) -> list[str]:
    """Make the scheduler hold exactly these jobs, once each; safe to repeat and to run from two schedulers."""
    wanted = {PERIODIC_PREFIX + name: (RUNNER, [name], period, queue) for name, _, period, queue in jobs}
    for job in scheduler.get_jobs():
        if job.id.startswith(PERIODIC_PREFIX):
            current = (job.func_name, list(job.args), job.meta.get("interval"), job.origin)
            if wanted.get(job.id) != current:
                scheduler.cancel(job)
    existing = {job.id for job in scheduler.get_jobs()}
    for name, _, period, queue in jobs:
        if PERIODIC_PREFIX + name not in existing:
            _register(scheduler, name, period, queue, now)
    return sorted(wanted)


def restore_missing(scheduler: Scheduler, jobs: Sequence[PeriodicJob], now: datetime | None = None) -> list[str]:
    """Put back every periodic job whose registration or record is gone; returns their names (each one counted).

    Records are made persistent on the way: a failed run leaves RQ's failure expiry on its job's record.
    """
    ids = [PERIODIC_PREFIX + name for name, *_ in jobs]
    with scheduler.connection.pipeline(transaction=False) as pipeline:
        for job_id in ids:
            pipeline.zscore(scheduler.scheduled_jobs_key, job_id)
            pipeline.persist(Job.key_for(job_id))
            pipeline.exists(Job.key_for(job_id))
        answers = pipeline.execute()
    restored = []
    for index, (name, _, period, queue) in enumerate(jobs):
        scheduled, recorded = answers[3 * index], answers[3 * index + 2]
        if scheduled is None or not recorded:
            _register(scheduler, name, period, queue, now)
            record_restored(name)
            log.warning("periodic job %s was missing from the schedule: registered again", name)
            restored.append(name)
    return restored


def _register(scheduler: Scheduler, name: str, period: int, queue: str, now: datetime | None = None) -> None:
    scheduler.schedule(
        scheduled_time=now or datetime.now(UTC),
        func=RUNNER,
        args=[name],
        interval=period,
        repeat=None,
        id=PERIODIC_PREFIX + name,
        queue_name=queue,
        result_ttl=-1,  # never expire: rq-scheduler drops a job whose record has gone
    )


class PeriodicScheduler(Scheduler):
    """rq-scheduler that keeps periodic records from expiring, queues one copy at most, and runs the watchdog."""

    def __init__(self, *args: Any, periodic: Sequence[PeriodicJob] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.periodic = list(periodic)

    def heartbeat(self) -> None:
        """rq-scheduler's heartbeat in Redis, then PagerBridge's own in the database (only once Redis answered: a
        scheduler that cannot reach Redis is not scheduling, and its lag must show)."""
        super().heartbeat()
        beat(Kind.SCHEDULER)

    def register_death(self) -> None:
        """rq-scheduler's death notice, best effort: it is sent on the way out (SIGTERM, or a pass Redis failed), and
        a Redis that is down then must not turn a stop into one more reconnect attempt (the process never stopped)."""
        with suppress(RedisError, OSError):
            super().register_death()

    def remove_lock(self) -> None:
        """rq-scheduler's lock released, best effort for the same reason (it lapses on its own)."""
        with suppress(RedisError, OSError):
            super().remove_lock()

    def enqueue_jobs(self) -> list[Job]:
        """One pass under the scheduler lock: queue what is due, then restore missing registrations."""
        jobs = super().enqueue_jobs()
        if self.periodic:
            restore_missing(self, self.periodic)
        return jobs

    def enqueue_job(self, job: Job) -> Job | None:
        """Queue a due job; a periodic one still waiting from its last turn keeps its place and is not doubled."""
        if not job.id.startswith(PERIODIC_PREFIX):
            return super().enqueue_job(job)
        queue_key = Queue(job.origin, connection=self.connection).key
        if self.connection.lpos(queue_key, job.id) is None:
            return super().enqueue_job(job)
        next_time = to_unix(datetime.now(UTC)) + int(job.meta["interval"])
        self.connection.zadd(self.scheduled_jobs_key, {job.id: next_time})
        return None


def build_scheduler(connection: Redis, interval: int = 5, periodic: Sequence[PeriodicJob] = ()) -> PeriodicScheduler:
    """The scheduler on the app's Redis; with `periodic`, its watchdog keeps those jobs registered."""
    return PeriodicScheduler(queue_name="default", connection=connection, interval=interval, periodic=periodic)
