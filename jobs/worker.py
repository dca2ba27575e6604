"""The RQ worker process: builds the app once, then runs jobs in that app's context without forking."""

import logging
import signal
import sys
from importlib import import_module

from rq import SimpleWorker

from webapp import create_app
from webapp.extensions import db
from webapp.logs import JobLogging, configure_logging
from webapp.queues import QUEUE_NAMES, get_redis

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


def main(argv=None):
    """Work the queues until SIGTERM (RQ then finishes the current job and exits)."""
    signal.signal(signal.SIGTERM, _remember_stop)
    configure_logging("worker")
    queues = (argv if argv is not None else sys.argv[1:]) or list(QUEUE_NAMES)
    app = create_app()
    preload()
    with app.app_context():
        relax_commit_durability(db.engine)
        worker = AppWorker(queues, connection=get_redis())
        log.info("worker %s listening on %s", worker.name, ", ".join(queues))
        # RQ's own three lines per job would cost more than a delivery's database work; jobs log their outcome.
        worker.work(with_scheduler=True, logging_level="WARNING")


if __name__ == "__main__":
    main()
