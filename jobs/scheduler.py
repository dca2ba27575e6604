"""The scheduler process: registers the periodic job list, then queues jobs as they fall due and keeps them listed.

Redis going away does not end it: each failure is logged and the scheduler reconnects with backoff (1 s doubling to
30 s), registering again under a fresh name once Redis answers (a stale registration or lock of the old one only
delays the first pass). Its heartbeat is in the database, so its lag shows while it cannot run.
"""

import logging
import time
from collections.abc import Sequence

from flask import Flask
from redis.exceptions import RedisError

from jobs.schedule import PeriodicJob, build_scheduler, periodic_jobs, reconcile
from webapp import create_app
from webapp.logs import configure_logging
from webapp.queues import rq_redis

log = logging.getLogger("pagerbridge.scheduler")
FIRST_WAIT, MAX_WAIT = 1.0, 30.0


def backoff(attempt: int) -> float:
    """Seconds to wait before reconnect attempt `attempt` (1, 2, 4, ... up to 30)."""
    return min(MAX_WAIT, FIRST_WAIT * 2 ** max(0, attempt - 1))


def run_once(app: Flask, jobs: Sequence[PeriodicJob]) -> None:
    """Reconcile, then run until stopped or Redis fails (which raises)."""
    scheduler = build_scheduler(rq_redis(), periodic=jobs)
    ids = reconcile(scheduler, jobs)
    log.info("periodic jobs: %s", ", ".join(ids))
    scheduler.run()


def main() -> None:
    """Run until stopped; every pass also restores missing registrations (the watchdog), and a Redis outage is
    waited out rather than ending the process.

    rq-scheduler's lock keeps a second scheduler idle, and the fixed job ids keep it from doubling anything.
    """
    configure_logging("scheduler")
    app = create_app()
    attempt = 0
    with app.app_context():
        jobs = periodic_jobs(app.config)
        while True:
            started = time.monotonic()
            try:
                run_once(app, jobs)
                return
            except (RedisError, OSError) as error:
                attempt = 1 if time.monotonic() - started > MAX_WAIT else attempt + 1
                wait = backoff(attempt)
                log.warning(
                    "Redis is not answering (%s: %s); reconnecting in %.0f s (attempt %d)",
                    type(error).__name__,
                    error,
                    wait,
                    attempt,
                )
                time.sleep(wait)


if __name__ == "__main__":
    main()
