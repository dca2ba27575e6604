"""The worker process: the delivery engine (many sends in flight) beside an RQ worker for every other job.

    python -m jobs.worker [queue ...]

Environment: PAGERBRIDGE_SENDS_IN_FLIGHT (default 32; 0 runs no engine, only RQ jobs), PAGERBRIDGE_ORG_IN_FLIGHT
(default 48, across all workers), PAGERBRIDGE_LEASE_SECONDS (default 60).
"""

import logging
import signal
import sys
import time
from importlib import import_module

from redis.exceptions import RedisError
from rq import SimpleWorker

from webapp import config, create_app
from webapp.extensions import db
from webapp.health.liveness import HeartbeatThread, Kind, forget
from webapp.logs import JobLogging, configure_logging
from webapp.queues import QUEUE_NAMES, get_redis

log = logging.getLogger("pagerbridge.worker")
SWITCH_INTERVAL = 0.0005
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

    stop_before_start = False

    def _install_signal_handlers(self):
        """RQ installs its handlers late in start-up; a SIGTERM that came before still means a graceful stop."""
        super()._install_signal_handlers()
        if AppWorker.stop_before_start:
            self._stop_requested = True

    def execute_job(self, job, queue):
        try:
            return super().execute_job(job, queue)
        finally:
            db.session.remove()


def relax_commit_durability(engine):
    """Worker commits only record what was sent; the outbox rows themselves are written durably by the web.

    A crash may forget the last few milliseconds of status updates: those deliveries are sent again under the
    same dedup key, which PagerDuty merges. In exchange a delivery costs a fraction of the fsyncs.
    """
    if engine.dialect.name != "postgresql":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _async_commits(connection, _record):
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
        connection.commit()


def preload():
    """Import every job's code before the first job comes: the first alert after a deploy should not wait for it."""
    for name in JOB_MODULES:
        import_module(name)


def _remember_stop(_signum, _frame):
    AppWorker.stop_before_start = True


def engine_settings(env=None):
    """(sends in flight per worker, sends in flight per org, lease seconds) from the environment."""
    return config.engine_settings() if env is None else config.engine_settings(env)


def build_app(in_flight, lease_seconds):
    """The app, with a connection pool sized for the sender threads (they hold a connection only between calls).

    No ping before each use (a send checks a connection out three times): after a database restart SQLAlchemy
    drops the whole pool at the first error, and the one delivery that met it is sent again when its lease lapses.
    """
    return create_app(
        {
            "LEASE_SECONDS": lease_seconds,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_pre_ping": False,
                "pool_recycle": 1800,
                "pool_size": min(8, max(in_flight, 1)),
                "max_overflow": max(in_flight // 4, 4),
            },
        }
    )


def rejoin_registry(worker):
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


def work_until_stopped(current, queues):
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
        if worker._stop_requested or AppWorker.stop_before_start:
            return
        attempt += 1
        wait = min(30.0, 2.0 ** min(attempt, 5))
        log.warning("the RQ worker quit without being asked (Redis failed?); starting again in %.0f s", wait)
        time.sleep(wait)
        current[0] = AppWorker(queues, connection=get_redis())


def main(argv=None):
    """Send deliveries and work the queues until SIGTERM (then finish what is in flight and exit)."""
    from webapp.alerts.engine import DeliveryEngine

    signal.signal(signal.SIGTERM, _remember_stop)
    configure_logging("worker")
    queues = (argv if argv is not None else sys.argv[1:]) or list(QUEUE_NAMES)
    in_flight, org_limit, lease_seconds = engine_settings()
    # Sender threads mostly wait on sockets; a thread whose answer came back should not wait 5 ms (CPython's
    # default) for another thread's turn with the interpreter before it can go on.
    sys.setswitchinterval(SWITCH_INTERVAL)
    app = build_app(in_flight, lease_seconds)
    preload()
    with app.app_context():
        relax_commit_durability(db.engine)
        engine = DeliveryEngine(app, in_flight, org_limit).start() if in_flight > 0 else None
        current = [AppWorker(queues, connection=get_redis())]
        heartbeat = HeartbeatThread(app, Kind.WORKER, also=lambda: rejoin_registry(current[0]))
        heartbeat.start()
        log.info(
            "worker %s listening on %s; %s",
            current[0].name,
            ", ".join(queues),
            f"{in_flight} sends in flight" if engine else "no delivery engine",
        )
        try:
            work_until_stopped(current, queues)
        finally:
            heartbeat.stop()
            if engine is not None:
                engine.stop()
                forget(Kind.SENDER)  # a clean stop is not a death: its row goes rather than ageing


if __name__ == "__main__":
    main()
