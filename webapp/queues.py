"""Redis and RQ queues, enqueueing that waits for the database commit, and the senders' wake-up signal.

Deliveries are not RQ jobs: the sender processes claim them from the database, and a signal in Redis wakes an
idle one at once. Everything else (webhooks, SLA, on-call, health, sweeps) runs as RQ jobs on "default". RQ has
its own Redis client (`rq_redis`): an RQ worker raises its client's socket timeout for blocking reads, and the
app's client (pacing, wake-ups, metrics) must keep its short one.
"""

import logging

from flask import current_app
from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from rq import Queue
from sqlalchemy import event

from webapp.audit.services import requester
from webapp.extensions import db

log = logging.getLogger(__name__)
QUEUE_NAMES = ("default",)
SOCKET_TIMEOUT = 5
WAKE_KEY = "pagerbridge:outbox:wake"
WAKE_BACKLOG = 16


def get_redis():
    """The app's Redis connection (one client per app, thread-safe pool): a short socket timeout, and one quick
    retry (a connection dropped by a Redis restart is replaced at once; a Redis that is down fails fast)."""
    return _client("pagerbridge_redis", retry=quick_retry())


def rq_redis():
    """RQ's own Redis connection (one per app): RQ may change its timeouts without touching `get_redis()`'s."""
    return _client("pagerbridge_rq_redis")


def quick_retry():
    """One retry after 20-100 ms, instead of redis-py's three with up to ten seconds of backoff."""
    return Retry(ExponentialBackoff(cap=0.1, base=0.02), 1)


def _client(name, **options):
    client = current_app.extensions.get(name)
    if client is None:
        client = Redis.from_url(
            current_app.config["REDIS_URL"], socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=2, **options
        )
        current_app.extensions[name] = client
    return client


def get_queue(name="default"):
    """An RQ queue on RQ's Redis connection, passed explicitly (RQ 2+)."""
    return Queue(name, connection=rq_redis())


def enqueue(func, *args, queue="default", job_id=None, **kwargs):
    """Enqueue a job now (`func` may be a dotted path); returns None instead of raising when Redis is down (the
    sweep catches up)."""
    try:
        return get_queue(queue).enqueue(func, *args, job_id=job_id, **kwargs)
    except Exception as exc:  # noqa: BLE001 - Redis away or its client broken: the sweep catches up
        log.warning("could not enqueue %s: %s: %s", getattr(func, "__name__", func), type(exc).__name__, exc)
        return None


def enqueue_after_commit(func, *args, queue="default", **kwargs):
    """Enqueue once the current transaction commits, so the job sees the rows that caused it."""
    actor = requester()
    if actor and "meta" not in kwargs:  # what the job changes is audited as the person who started it
        kwargs["meta"] = {"actor": actor}
    session = db.session()
    session.connection()  # begin the transaction now, so that a rollback before any statement still drops the job
    pending = session.info.setdefault("pagerbridge_after_commit", [])
    pending.append((func, args, queue, kwargs))


def wake_senders(count=1):
    """Tell idle delivery engines that something is due now; harmless (and silent) when Redis is down."""
    try:
        with get_redis().pipeline(transaction=False) as pipeline:
            pipeline.lpush(WAKE_KEY, *["1"] * count)
            pipeline.ltrim(WAKE_KEY, 0, WAKE_BACKLOG - 1)
            pipeline.execute()
    except Exception as exc:  # noqa: BLE001 - any failure (redis-py raised AttributeError mid-respawn): senders poll
        log.warning("could not wake the senders: %s: %s", type(exc).__name__, exc)


def wake_senders_after_commit():
    """Wake the delivery engines once the current transaction commits (the rows they claim are visible then)."""
    session = db.session()
    session.connection()
    session.info["pagerbridge_wake"] = True


def _flush_after_commit(session):
    """After the commit the work is stored: nothing here may turn it into an error (logged and counted instead;
    the senders poll and the sweep catches up)."""
    try:
        if session.info.pop("pagerbridge_wake", False):
            wake_senders()
        pending = session.info.pop("pagerbridge_after_commit", [])
        if len(pending) > 1 and not any(kwargs for *_, kwargs in pending):
            return _enqueue_batch(pending)
        for func, args, queue, kwargs in pending:
            enqueue(func, *args, queue=queue, **kwargs)
    except Exception:  # noqa: BLE001
        log.exception("after a commit, waking the senders or queueing jobs failed; the sweep catches up")
        # why: the counters keep their figures in Redis through this module (they import it)
        from webapp.counters import count_after_commit_failure

        count_after_commit_failure()


def _enqueue_batch(pending):
    """Many jobs in one Redis round trip (a pass of the SLA evaluator can queue thousands)."""
    try:
        with rq_redis().pipeline() as pipeline:
            for queue in {queue for _, _, queue, _ in pending}:
                get_queue(queue).enqueue_many(
                    [Queue.prepare_data(func, args=args) for func, args, name, _ in pending if name == queue],
                    pipeline=pipeline,
                )
            pipeline.execute()
    except Exception as exc:  # noqa: BLE001 - as enqueue
        log.warning("could not enqueue %d jobs: %s: %s", len(pending), type(exc).__name__, exc)


def _drop_after_rollback(session, previous_transaction=None):
    session.info.pop("pagerbridge_after_commit", None)
    session.info.pop("pagerbridge_wake", None)


def install_session_hooks():
    """Hook the session class once: enqueue on commit, forget on rollback."""
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _flush_after_commit):
        event.listen(Session, "after_commit", _flush_after_commit)
        event.listen(Session, "after_soft_rollback", _drop_after_rollback)
