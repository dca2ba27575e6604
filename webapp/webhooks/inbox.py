"""The webhook inbox: accepted receipts wait in a Redis list that one job at a time drains.

Queuing one RQ job per webhook costs more than everything else the endpoint does; a list push does not. A flag
(SET NX with a timeout) makes sure a drain job is queued when the first receipt of a burst arrives and that only one
runs; the periodic sweep applies anything a lost job or a Redis outage left behind, and applying is idempotent.
A receipt that fails to apply is counted and left for the sweep (quarantined after a few failures): it never stops
the drain.
"""

import logging
from contextlib import suppress

from redis.exceptions import RedisError

from webapp.queues import enqueue, get_redis
from webapp.webhooks import services

log = logging.getLogger(__name__)
INBOX_KEY = "pagerbridge:webhook-inbox"
DRAINING_KEY = "pagerbridge:webhook-inbox:draining"
DRAIN_LEASE_SECONDS = 60
DRAIN_JOB = "jobs.webhooks.drain_inbox"


def push(receipt_id: int) -> None:
    """Put a stored receipt in the inbox, and queue a drain job unless one is queued or running."""
    try:
        with get_redis().pipeline(transaction=False) as pipeline:
            pipeline.rpush(INBOX_KEY, receipt_id)
            pipeline.set(DRAINING_KEY, 1, nx=True, ex=DRAIN_LEASE_SECONDS)
            _, first = pipeline.execute()
    except RedisError as error:
        log.warning("webhook receipt %s waits for the sweep: %s", receipt_id, error)
        return
    if first:
        try:
            enqueue(DRAIN_JOB, queue="default")
        except RedisError as error:  # no job holds the flag: let the next push (or the sweep) queue one at once
            log.warning(
                "webhook drain job not queued, receipt %s waits for the next push or the sweep: %s", receipt_id, error
            )
            _drop_flag()


def _drop_flag() -> None:
    with suppress(RedisError):
        get_redis().delete(DRAINING_KEY)


def drain(limit: int = 10_000) -> int:
    """Apply receipts from the inbox until it is empty; returns how many were taken (failures included)."""
    redis, applied = get_redis(), 0
    while applied < limit:
        receipt_id = redis.lpop(INBOX_KEY)
        if receipt_id is None:
            redis.delete(DRAINING_KEY)
            # A push may have landed between the empty pop and the delete: take the flag back and go on.
            if not redis.llen(INBOX_KEY) or not redis.set(DRAINING_KEY, 1, nx=True, ex=DRAIN_LEASE_SECONDS):
                return applied
            continue
        services.apply_receipt(int(receipt_id))
        redis.expire(DRAINING_KEY, DRAIN_LEASE_SECONDS)
        applied += 1
    redis.delete(DRAINING_KEY)
    enqueue(DRAIN_JOB, queue="default")  # a long burst: hand over to a fresh job, and let others run between
    return applied
