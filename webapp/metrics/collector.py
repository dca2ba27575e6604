"""The Prometheus collector: every value read from the database and Redis at scrape time."""

import contextlib
import logging

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from webapp import counters
from webapp.extensions import db
from webapp.metrics import readings
from webapp.pagerduty import breaker

log = logging.getLogger(__name__)

NAMESPACE = "pagerbridge_"
INF, NAN = float("inf"), float("nan")


def _gauge(name, documentation, value=None, labels=(), samples=()):
    family = GaugeMetricFamily(NAMESPACE + name, documentation, value=value, labels=labels or None)
    for label_values, sample in samples:
        family.add_metric(label_values, sample)
    return family


class PagerBridgeCollector:
    """Yields PagerBridge's metric families; reading them costs a handful of indexed queries and Redis reads.

    The database's figures and Redis's are read apart: whichever does not answer is said (`database_up`,
    `redis_up` 0) and the other's figures still come, so a scrape never fails during an outage.
    """

    def collect(self):
        database = _safely(lambda: [*self.deliveries(), *self.liveness()])
        yield _gauge(
            "database_up",
            "Whether PostgreSQL answered this scrape (its figures are missing when 0).",
            int(bool(database)),
        )
        yield from database or []
        families = _safely(lambda: [*self.latency(), *self.pagerduty(), *self.processes()])
        yield _gauge(
            "redis_up",
            "Whether Redis answered this scrape (its figures are missing when 0).",
            int(families is not None),
        )
        yield from families or []
        yield from _safely(self.breaker) or []

    def describe(self):
        return []

    def deliveries(self):
        waiting = readings.deliveries_waiting()
        yield _gauge(
            "deliveries_pending",
            "Deliveries waiting to be sent (pending or retrying), by queue.",
            labels=("queue",),
            samples=[((queue,), count) for queue, count in waiting.items()],
        )
        yield _gauge("deliveries_paused", "Deliveries paused until their org reconnects.", readings.deliveries_paused())
        yield _gauge(
            "oldest_pending_delivery_seconds",
            "Age of the oldest delivery waiting to be sent (0 when none waits).",
            readings.oldest_waiting_seconds(),
        )
        yield _gauge(
            "deliveries_held_by_pagerduty",
            "Deliveries backing off because of PagerDuty: failing (5xx, timeouts, refused) or throttled (429).",
            labels=("reason",),
            samples=[((reason,), count) for reason, count in sorted(readings.deliveries_held_by_pagerduty().items())],
        )

    def liveness(self):
        """Processes by their own heartbeats in the database: neither a killed process nor a Redis flush lies here."""
        beats = readings.heartbeats()
        yield _gauge(
            "worker_heartbeat_age_seconds",
            "Seconds since the freshest worker heartbeat (every 5 s while alive; +Inf when none in a day).",
            readings.worker_heartbeat_age(beats=beats),
        )
        yield _gauge("workers", "Worker processes alive (heartbeat within 15 s).", len(readings.workers(beats=beats)))
        senders = readings.processes("sender", beats)
        yield _gauge(
            "senders", "Delivery engines alive (heartbeat within 15 s).", sum(1 for row in senders if row["alive"])
        )
        yield _gauge(
            "sender_heartbeat_age_seconds",
            "Seconds since the freshest delivery-engine heartbeat (+Inf when none in a day).",
            readings.freshest_age("sender", beats),
        )
        yield _gauge(
            "scheduler_heartbeat_age_seconds",
            "Seconds since the scheduler last passed with Redis answering (+Inf when none in a day).",
            readings.freshest_age("scheduler", beats),
        )
        yield _gauge(
            "scheduler_lag_seconds",
            "How late the scheduler is: rq-scheduler's most overdue job, or its heartbeat overdue when Redis is "
            "down or was flushed (+Inf when no scheduler was ever seen).",
            readings.scheduler_lag_known(beats=beats),
        )
        yield _gauge(
            "scheduler_last_run_seconds",
            "Seconds since each periodic job last ran.",
            labels=("job",),
            samples=[
                ((job,), _or(age, INF)) for job, age in sorted(readings.periodic_last_runs_known(beats=beats).items())
            ],
        )

    def breaker(self):
        outages = breaker.outages()
        yield _gauge(
            "pagerduty_failing",
            "1 while PagerDuty's host answers 5xx, times out or refuses connections (its breaker is open).",
            labels=("host", "status"),
            samples=[((host, outage.status), 1) for host, outage in sorted(outages.items())],
        )
        yield _gauge(
            "pagerduty_failing_seconds",
            "Seconds since PagerDuty's host began failing (per open breaker).",
            labels=("host",),
            samples=[((host,), outage.age()) for host, outage in sorted(outages.items())],
        )

    def latency(self):
        buckets, total, _count = counters.delivery_latency()
        histogram = HistogramMetricFamily(
            NAMESPACE + "delivery_latency_seconds",
            "Seconds from the outbox row being written to PagerDuty accepting the delivery.",
            buckets=[(_bound(bound), value) for bound, value in buckets],
            sum_value=total,
        )
        yield histogram

    def pagerduty(self):
        responses = CounterMetricFamily(
            NAMESPACE + "pagerduty_responses",
            "Answers from PagerDuty, by API and HTTP status.",
            labels=("api", "status"),
        )
        for (api, status), value in sorted(counters.pagerduty_responses().items()):
            responses.add_metric((api, status), value)
        yield responses
        webhooks = CounterMetricFamily(
            NAMESPACE + "webhooks_received",
            "Requests to the PagerDuty webhook endpoint, by outcome.",
            labels=("outcome",),
        )
        for outcome, value in sorted(counters.webhooks_received().items()):
            webhooks.add_metric((outcome,), value)
        yield webhooks
        failures = CounterMetricFamily(
            NAMESPACE + "after_commit_failures",
            "Work after a commit that failed (waking senders, queueing jobs); what was stored stands.",
        )
        failures.add_metric((), counters.after_commit_failures())
        yield failures

    def processes(self):
        yield _gauge(
            "rq_workers", "Workers RQ's registry lists (outlives a killed worker by minutes).", readings.rq_workers()
        )
        yield _gauge(
            "queue_jobs",
            "Jobs waiting in each RQ queue.",
            labels=("queue",),
            samples=[((name,), depth) for name, depth in readings.queue_depths().items()],
        )
        yield _gauge(
            "sla_pass_seconds",
            "Seconds the last SLA evaluator pass took (NaN before the first).",
            _or(readings.sla_pass_seconds(), NAN),
        )
        yield _gauge("web_processes", "Web processes that served a request in the last 2 minutes.", _live_web())


def _safely(read):
    """The families `read` returns, or None when the database or Redis failed them (logged)."""
    try:
        return list(read())
    except Exception as error:  # noqa: BLE001 - a scrape answers with what it can read
        log.warning("metrics: %s", error.__class__.__name__)
        with contextlib.suppress(Exception):
            db.session.rollback()
        return None


def _or(value, default):
    return default if value is None else value


def _bound(bound):
    return "+Inf" if bound == float("inf") else repr(float(bound))


def _live_web():
    return sum(1 for age in counters.web_heartbeats().values() if age <= 120)


def render():
    """The exposition text of one scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PagerBridgeCollector())
    return generate_latest(registry)
