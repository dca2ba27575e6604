"""The worker process: a plain RQ worker for the jobs (webhooks, SLA, on-call, health, sweeps).

    python -m jobs.worker [queue ...]

Deliveries are not RQ jobs: the sender processes (`python -m jobs.sender`) send them. Scale the two apart.
"""

import logging
import signal
import sys
from importlib import import_module

from rq import SimpleWorker

from webapp import create_app
from webapp.extensions import db
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

    def execute_job(self, job, queue):
        try:
            return super().execute_job(job, queue)
        finally:
            db.session.remove()


def preload() -> None:
    """Import every job's code before the first job comes: the first job after a deploy should not wait for it."""
    for name in JOB_MODULES:
        import_module(name)


def _stop_before_work(_signum, _frame):
    """A SIGTERM before RQ has installed its own handlers: nothing is running yet, so stop cleanly now."""
    raise SystemExit(0)


def main(argv=None) -> None:
    """Work the queues until SIGTERM (RQ's own handling: finish the current job, then exit)."""
    signal.signal(signal.SIGTERM, _stop_before_work)  # RQ replaces it with its own when work() starts
    configure_logging("worker")
    queues = (argv if argv is not None else sys.argv[1:]) or list(QUEUE_NAMES)
    app = create_app()
    preload()
    with app.app_context():
        # RQ's own connection: RQ raises its socket timeout for blocking reads, which the app's client must not get.
        worker = AppWorker(queues, connection=rq_redis())
        log.info("worker %s listening on %s", worker.name, ", ".join(queues))
        worker.work(with_scheduler=False, logging_level="WARNING")


if __name__ == "__main__":
    main()
