"""Counters and a histogram kept in Redis, shared by every web, worker and scheduler process on every machine.

prometheus-client's multiprocess mode adds up the processes of one machine only: behind Heroku's router a scrape
reaches one random web dyno, and the workers (which make most PagerDuty calls) run on other dynos. Redis is what they
all share, so each increment is one pipelined round trip there, and a scrape reads the totals back. A sender
process, which counts two things per send, keeps them in memory and writes them once a second (`keep_in_process`).
"""

import bisect
import logging
import os
import threading
import time
from collections import Counter
from functools import wraps

from flask import request
from werkzeug.exceptions import HTTPException

from webapp.config import host_name
from webapp.queues import get_redis

log = logging.getLogger(__name__)
# The session key under which the sender and the ORM hook collect delivery latencies until the commit.
LATENCIES = "pagerbridge_delivery_latencies"
WEBHOOK_OUTCOMES = {202: "accepted", 400: "invalid", 401: "unauthorized", 413: "too_large"}
PREFIX = "pagerbridge:metrics:"
RESPONSES_KEY = PREFIX + "pagerduty-responses"
WEBHOOKS_KEY = PREFIX + "webhooks-received"
LATENCY_KEY = PREFIX + "delivery-latency"
SLA_PASS_KEY = PREFIX + "sla-pass"
WEB_HEARTBEATS_KEY = "pagerbridge:heartbeats:web"
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
MINUTE_TTL = 2 * 3600
WEB_HEARTBEAT_EVERY = 15.0
PAUSE_AFTER_FAILURE = 10.0
_last_web_heartbeat = [0.0]
_paused_until = [0.0]


def _minute_key(at):
    return f"{RESPONSES_KEY}:{int(at // 60)}"


def _run(pipeline_steps):
    """Run Redis commands in one round trip. A metric never breaks the work it counts: when Redis fails, the
    increment is lost and this process stops counting for 10 s, so an outage costs one slow call, not one per event."""
    if time.monotonic() < _paused_until[0]:
        return
    try:
        with get_redis().pipeline() as pipeline:
            pipeline_steps(pipeline)
            pipeline.execute()
    except Exception as exc:  # noqa: BLE001 - any failure of Redis or its client: the work itself stands
        _paused_until[0] = time.monotonic() + PAUSE_AFTER_FAILURE
        log.warning("metrics not recorded for %.0f s: Redis failed (%s)", PAUSE_AFTER_FAILURE, exc)


class _Pending:
    """Counts a process keeps in memory until `flush` (a sender's: two fewer Redis round trips per send)."""

    def __init__(self) -> None:
        self.on = False
        self.lock = threading.Lock()
        self.responses: Counter[tuple[str, str]] = Counter()  # (minute key, "api|status") -> answers
        self.latencies: list[float] = []


_pending = _Pending()


def keep_in_process(on: bool = True) -> None:
    """From now on PagerDuty answers and delivery latencies add up in this process until `flush()` writes them in one
    round trip (the sender process flushes every second; a killed sender's last second is not counted); off writes
    each at once, as web and workers do."""
    _pending.on = on


def flush() -> None:
    """Write what this process kept (see `keep_in_process`) to Redis in one round trip; lost if Redis fails."""
    with _pending.lock:
        responses, _pending.responses = _pending.responses, Counter()
        latencies, _pending.latencies = _pending.latencies, []
    if not responses and not latencies:
        return

    def steps(pipeline):
        for (minute_key, field), count in responses.items():
            pipeline.hincrby(RESPONSES_KEY, field, count)
            pipeline.hincrby(minute_key, field, count)
        for minute_key in {minute_key for minute_key, _ in responses}:
            pipeline.expire(minute_key, MINUTE_TTL)
        _latency_steps(pipeline, latencies)

    _run(steps)


def count_pagerduty_response(api, status, at=None):
    """One answer from PagerDuty (api 'events' or 'rest'; status an HTTP code or 'network_error'/'timeout')."""
    at = at or time.time()
    field = f"{api}|{status}"
    if _pending.on:
        with _pending.lock:
            _pending.responses[(_minute_key(at), field)] += 1
        return

    def steps(pipeline):
        pipeline.hincrby(RESPONSES_KEY, field, 1)
        pipeline.hincrby(_minute_key(at), field, 1)
        pipeline.expire(_minute_key(at), MINUTE_TTL)

    _run(steps)


AFTER_COMMIT_FAILURES_KEY = PREFIX + "after-commit-failures"
_after_commit_failures = [0]


def count_after_commit_failure():
    """Work after a commit failed (waking senders, queueing jobs): counted here and in this process."""
    _after_commit_failures[0] += 1
    _run(lambda pipeline: pipeline.incr(AFTER_COMMIT_FAILURES_KEY))


def after_commit_failures():
    """How many times work after a commit failed, every process together (this process's count without Redis)."""
    return int(get_redis().get(AFTER_COMMIT_FAILURES_KEY) or 0)


def count_webhook(outcome):
    """One request to the webhook endpoint, by outcome (accepted, duplicate, unauthorized, invalid, ...)."""
    _run(lambda pipeline: pipeline.hincrby(WEBHOOKS_KEY, outcome, 1))


def observe_delivery_latencies(seconds_list):
    """Delivery latencies (outbox row written to PagerDuty's answer), all in one round trip."""
    if not seconds_list:
        return
    if _pending.on:
        with _pending.lock:
            _pending.latencies.extend(seconds_list)
        return
    _run(lambda pipeline: _latency_steps(pipeline, seconds_list))


def _latency_steps(pipeline, seconds_list: list[float]) -> None:
    """The histogram's increments for these latencies: one per bucket touched, the sum and the count."""
    if not seconds_list:
        return
    buckets = Counter(bisect.bisect_left(LATENCY_BUCKETS, seconds) for seconds in seconds_list)
    for bucket, count in buckets.items():
        pipeline.hincrby(LATENCY_KEY, f"b{bucket}", count)
    pipeline.hincrbyfloat(LATENCY_KEY, "sum", sum(seconds_list))
    pipeline.hincrby(LATENCY_KEY, "count", len(seconds_list))


def record_sla_pass(seconds, at=None):
    """How long the last SLA evaluator pass took, and when it ended."""
    _run(lambda pipeline: pipeline.hset(SLA_PASS_KEY, mapping={"seconds": seconds, "at": at or time.time()}))


def process_name():
    """This process as the operations page names it: the dyno (Heroku) or host, and the pid."""
    return f"{host_name()}:{os.getpid()}"


def web_heartbeat(now=None):
    """Note that this web process is serving, at most every 15 s (a sorted set: process -> last seen)."""
    now = now or time.time()
    if now - _last_web_heartbeat[0] < WEB_HEARTBEAT_EVERY:
        return
    _last_web_heartbeat[0] = now

    def steps(pipeline):
        pipeline.zadd(WEB_HEARTBEATS_KEY, {process_name(): now})
        pipeline.zremrangebyscore(WEB_HEARTBEATS_KEY, "-inf", now - 3600)

    _run(steps)


def pagerduty_responses():
    """{(api, status): count} since Redis began counting."""
    return {tuple(field.decode().split("|", 1)): int(value) for field, value in _hgetall(RESPONSES_KEY).items()}


def pagerduty_responses_since(seconds, now=None):
    """{status: count} of PagerDuty answers over the last `seconds` (minute resolution), every api together."""
    now = now or time.time()
    minutes = range(int((now - seconds) // 60) + 1, int(now // 60) + 1)
    totals = {}
    with get_redis().pipeline(transaction=False) as pipeline:
        for minute in minutes:
            pipeline.hgetall(f"{RESPONSES_KEY}:{minute}")
        for counts in pipeline.execute():
            for field, value in counts.items():
                status = field.decode().split("|", 1)[1]
                totals[status] = totals.get(status, 0) + int(value)
    return totals


def webhooks_received():
    """{outcome: count}."""
    return {field.decode(): int(value) for field, value in _hgetall(WEBHOOKS_KEY).items()}


def delivery_latency():
    """(cumulative [(upper bound, count)] ending with +Inf, sum, count) for a Prometheus histogram."""
    raw = {field.decode(): value for field, value in _hgetall(LATENCY_KEY).items()}
    buckets, running = [], 0
    for index, bound in enumerate((*LATENCY_BUCKETS, float("inf"))):
        running += int(raw.get(f"b{index}", 0))
        buckets.append((bound, running))
    return buckets, float(raw.get("sum", 0)), int(raw.get("count", 0))


def last_sla_pass():
    """{'seconds': float, 'at': unix time} of the last SLA pass, or None before the first."""
    raw = _hgetall(SLA_PASS_KEY)
    if not raw:
        return None
    return {field.decode(): float(value) for field, value in raw.items()}


def web_heartbeats(now=None):
    """{process: seconds since it last served a request}, for the processes seen in the last hour."""
    now = now or time.time()
    return {
        name.decode(): now - score for name, score in get_redis().zrange(WEB_HEARTBEATS_KEY, 0, -1, withscores=True)
    }


def _hgetall(key):
    return get_redis().hgetall(key)


def counted_webhook(view):
    """Count each request to the webhook endpoint by outcome (a 202 for a webhook already stored is 'duplicate')."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            result = view(*args, **kwargs)
        except HTTPException as error:  # Flask refusing the request itself (e.g. a body over MAX_CONTENT_LENGTH)
            count_webhook(WEBHOOK_OUTCOMES.get(error.code, str(error.code)))
            raise
        except Exception:
            count_webhook("error")
            raise
        body, status = result if isinstance(result, tuple) else (result, 200)
        outcome = WEBHOOK_OUTCOMES.get(status, str(status))
        if status == 202 and (body.get_json(silent=True) or {}).get("duplicate"):
            replay = request.environ.get("pagerbridge.webhook_replay")  # a signed event stored under another id
            outcome = "replay" if replay else "duplicate"
        count_webhook(outcome)
        return result

    return wrapped
