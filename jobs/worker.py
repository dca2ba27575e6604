"""The worker process: a plain RQ worker for the jobs (webhooks, SLA, on-call, health, sweeps).

    python -m jobs.worker [queue ...]

Deliveries are not RQ jobs: the sender processes (`python -m jobs.sender`) send them. Scale the two apart.
"""

import logging
import signal
import sys
import time
from importlib import import_module
from types import FrameType
from typing import NoReturn

from redis.exceptions import RedisError
from rq import SimpleWorker
from rq.exceptions import StopRequested
from rq.job import Job
from rq.queue import Queue

from webapp import create_app
from webapp.extensions import db
from webapp.liveness import HeartbeatThread, Kind, forget
from webapp.logs import JobLogging, configure_logging
from webapp.queues import QUEUE_NAMES, rq_redis

log = logging.getLogger("pagerbridge.worker")
JOB_MODULES = (
    "jobs.alerts",
    "jobs.connection",
    "jobs.health",
    "jobs.maintenance",
    "jobs.oncall",
    "jobs.routing",
    "jobs.sla",
    "jobs.webhooks",
)


class AppWorker(JobLogging, SimpleWorker):
    """Runs jobs in-process (no fork per job, for latency) and returns the DB session after each job."""

    stop_asked = False  # RQ sets its own flag only when a job is running; an idle worker just stops

    def handle_warm_shutdown_request(self) -> None:
        AppWorker.stop_asked = True
        super().handle_warm_shutdown_request()

    def execute_job(self, job: Job, queue: Queue) -> bool:
        try:
            return super().execute_job(job, queue)
        finally:
            db.session.remove()


def preload() -> None:
    """Import every job's code before the first job comes: the first job after a deploy should not wait for it."""
    for name in JOB_MODULES:
        import_module(name)


def _stop_before_work(_signum: int, _frame: FrameType | None) -> NoReturn:
    """A SIGTERM before RQ has installed its own handlers: nothing is running yet, so stop cleanly now."""
    raise SystemExit(0)


def rejoin_registry(worker: SimpleWorker) -> bool:
    """Put the worker back in RQ's registry when Redis lost it (restarted empty, flushed): RQ's own heartbeat
    recreates the worker's hash but never rejoins `rq:workers`, so rq tools would miss a live worker for good."""
    from rq import worker_registration

    connection = worker.connection
    if worker.birth_date is None:
        return False  # not registered yet: RQ's own registration comes first
    if connection.sismember(worker.redis_workers_keys, worker.key) and connection.exists(worker.key):
        return False
    with connection.pipeline() as pipeline:
        pipeline.hset(worker.key, mapping=worker.serialize())
        worker_registration.register(worker, pipeline)
        pipeline.expire(worker.key, worker.worker_ttl + 60)
        pipeline.execute()
    log.warning("worker %s registered again: Redis had lost its registration", worker.name)
    return True


def work_until_stopped(current: list[AppWorker], queues: list[str]) -> None:
    """Run the RQ worker until a stop is asked for; RQ quits on a Redis failure it does not expect (a restart, a
    closed connection), so a worker that quit without being asked starts again (under a new name) after a pause.

    No RQ scheduler: nothing here is enqueued for later (retries and paced sends wait in the database), so a killed
    worker's stale scheduler lock holds nothing up. RQ's own three lines per job would cost more than a delivery's
    database work; jobs log their outcome.
    """
    attempt = 0
    while True:
        worker = current[0]
        try:
            worker.work(with_scheduler=False, logging_level="WARNING")
        except (RedisError, OSError, ValueError) as error:
            log.warning("the RQ worker stopped on %s: %s", type(error).__name__, error)
        if AppWorker.stop_asked:
            return
        attempt += 1
        log.warning(
            "the RQ worker quit without being asked (Redis failed?); starting again in %.0f s", backoff(attempt)
        )
        try:
            time.sleep(backoff(attempt))
            current[0] = start_worker(queues, attempt)
        except StopRequested:  # RQ's handler is still in place between runs
            return


def backoff(attempt: int) -> float:
    """Seconds before attempt `attempt` to start the RQ worker again (2, 4, 8... up to 30)."""
    return min(30.0, 2.0 ** min(attempt, 5))


def start_worker(queues: list[str], attempt: int = 0) -> AppWorker:
    """A new RQ worker, waiting with backoff while Redis does not answer (RQ's constructor already talks to it)."""
    while True:
        try:
            return AppWorker(queues, connection=rq_redis())
        except RedisError as error:
            attempt += 1
            log.warning("Redis is not answering (%s); starting the RQ worker again in %.0f s", error, backoff(attempt))
            time.sleep(backoff(attempt))


def main(argv: list[str] | None = None) -> None:
    """Work the queues until SIGTERM (RQ's own handling: finish the current job, then exit)."""
    signal.signal(signal.SIGTERM, _stop_before_work)  # RQ replaces it with its own when work() starts
    configure_logging("worker")
    queues = (argv if argv is not None else sys.argv[1:]) or list(QUEUE_NAMES)
    app = create_app()
    preload()
    with app.app_context():
        # RQ's own connection: RQ raises its socket timeout for blocking reads, which the app's client must not get.
        current = [start_worker(queues)]
        heartbeat = HeartbeatThread(app, Kind.WORKER, also=lambda: rejoin_registry(current[0]))
        heartbeat.start()
        log.info("worker %s listening on %s", current[0].name, ", ".join(queues))
        try:
            work_until_stopped(current, queues)
        finally:
            heartbeat.stop()
            forget(Kind.WORKER)  # a clean stop is not a death: its row goes rather than ageing


if __name__ == "__main__":
    main()
