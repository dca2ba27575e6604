"""The sender process: the delivery engine, many calls to PagerDuty in flight, claimed from the database.

    python -m jobs.sender

Run as many as needed: deliveries are leased in the database, so any number share them, and a sender seen dead
(no heartbeat for ten seconds) leaves its leases to the others. Environment: PAGERBRIDGE_SENDS_IN_FLIGHT (default
48), PAGERBRIDGE_ORG_IN_FLIGHT (default 80, across all senders), PAGERBRIDGE_LEASE_SECONDS (default 60).
"""

import logging
import signal
import threading
from typing import TYPE_CHECKING, Any

from flask import Flask
from sqlalchemy import Engine

from webapp import config, counters, create_app
from webapp.alerts.engine import DeliveryEngine
from webapp.extensions import db
from webapp.liveness import Kind, forget
from webapp.logs import configure_logging

if TYPE_CHECKING:
    from webapp.alerts.engine import DeliveryEngine

log = logging.getLogger("pagerbridge.sender")


def relax_commit_durability(engine: Engine) -> None:
    """The sender's commits record what was sent; the outbox rows themselves are written durably by the web.

    Only a PostgreSQL crash can forget the last few milliseconds of these commits (a sender's own crash cannot:
    the server still writes them). What it forgets is a suffix, in order: those triggers, acknowledgements and
    resolves are sent again under the same dedup key (PagerDuty merges them, and a resolve is never resent before
    its trigger). Notes are not harmless to resend, so every note's in-doubt mark and outcome commit durably
    (`SET LOCAL synchronous_commit TO on` in the sender).
    """
    if engine.dialect.name != "postgresql":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _async_commits(connection: Any, _record: object) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
        connection.commit()


def build_app(in_flight: int, lease_seconds: int) -> Flask:
    """The app, with a connection pool sized for the sender threads (they hold a connection only between calls).

    Connections idle for a while are pinged before use (webapp/dbpool.py), busy ones not: after a database restart
    SQLAlchemy drops the whole pool at the first error, and the one delivery that met it is sent again when its
    lease lapses.
    """
    return create_app(
        {
            "LEASE_SECONDS": lease_seconds,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_recycle": 1800,
                "pool_size": min(8, max(in_flight, 1)),
                "max_overflow": max(in_flight // 4, 4),
            },
        }
    )


def main() -> None:
    """Send deliveries until SIGTERM or SIGINT (then finish what is in flight and exit)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    configure_logging("sender")
    in_flight, org_limit, lease_seconds = config.engine_settings()
    in_flight = max(in_flight, 1)  # a sender exists to send
    app = build_app(in_flight, lease_seconds)
    counters.keep_in_process()  # answers and latencies go to Redis once a second, not twice per send
    with app.app_context():
        relax_commit_durability(db.engine)
    engine = _start(app, in_flight, org_limit, stop)
    if engine is None:
        return
    log.info("sender %s started: %s sends in flight, %s per org", engine.name, in_flight, org_limit)
    stop.wait()
    log.info("sender %s stopping: finishing the sends in flight", engine.name)
    engine.stop()
    with app.app_context():
        forget(Kind.SENDER)  # a clean stop is not a death: its heartbeat row goes rather than ageing


def _start(app: Flask, in_flight: int, org_limit: int, stop: threading.Event) -> "DeliveryEngine | None":
    """Start the engine, waiting with backoff while the database cannot be reached (never exit for it)."""
    backoff = 0.5
    while not stop.is_set():
        try:
            return DeliveryEngine(app, in_flight, org_limit).start()
        except Exception:  # noqa: BLE001 - the database is not up yet: try again
            log.warning("could not register the sender; again in %.1f s", backoff, exc_info=True)
            stop.wait(backoff)
            backoff = min(backoff * 2, 10.0)
    return None


if __name__ == "__main__":
    main()
