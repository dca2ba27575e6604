"""The scheduler process: reconciles the periodic job list, then enqueues jobs as they fall due."""

import logging

from jobs.schedule import build_scheduler, periodic_jobs, reconcile
from webapp import create_app
from webapp.logs import configure_logging
from webapp.queues import get_redis

log = logging.getLogger("pagerbridge.scheduler")


def main():
    """Reconcile, then run until stopped (rq-scheduler's lock keeps a second scheduler idle)."""
    configure_logging("scheduler")
    app = create_app()
    with app.app_context():
        scheduler = build_scheduler(get_redis())
        ids = reconcile(scheduler, periodic_jobs(app.config))
        log.info("periodic jobs: %s", ", ".join(ids))
        scheduler.run()


if __name__ == "__main__":
    main()
