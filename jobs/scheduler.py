"""The scheduler process: registers the periodic job list, then queues jobs as they fall due and keeps them listed."""

import logging

from jobs.schedule import build_scheduler, periodic_jobs, reconcile
from webapp import create_app
from webapp.logs import configure_logging
from webapp.queues import rq_redis

log = logging.getLogger("pagerbridge.scheduler")


def main():
    """Reconcile, then run until stopped; every pass also restores missing registrations (the watchdog).

    rq-scheduler's lock keeps a second scheduler idle, and the fixed job ids keep it from doubling anything.
    """
    configure_logging("scheduler")
    app = create_app()
    with app.app_context():
        jobs = periodic_jobs(app.config)
        scheduler = build_scheduler(rq_redis(), periodic=jobs)
        ids = reconcile(scheduler, jobs)
        log.info("periodic jobs: %s", ", ".join(ids))
        scheduler.run()


if __name__ == "__main__":
    main()
