"""The Prometheus collector: every value read from the database and Redis at scrape time."""

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from redis.exceptions import RedisError

from webapp.metrics import counters, readings

NAMESPACE = "pagerbridge_"
INF, NAN = float("inf"), float("nan")


def _gauge(name, documentation, value=None, labels=(), samples=()):
    family = GaugeMetricFamily(NAMESPACE + name, documentation, value=value, labels=labels or None)
    for label_values, sample in samples:
        family.add_metric(label_values, sample)
    return family


class PagerBridgeCollector:
    """Yields PagerBridge's metric families; reading them costs a handful of indexed queries and Redis reads."""

    def collect(self):
        yield from self.deliveries()
        try:
            families = [*self.latency(), *self.pagerduty(), *self.processes()]
        except (RedisError, OSError):
            families = []  # the database's figures still answer while Redis is down
        yield _gauge(
            "redis_up", "Whether Redis answered this scrape (its figures are missing when 0).", int(bool(families))
        )
        yield from families

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

    def processes(self):
        yield _gauge(
            "worker_heartbeat_age_seconds",
            "Seconds since the freshest RQ worker heartbeat (+Inf when no worker is registered).",
            readings.worker_heartbeat_age(),
        )
        yield _gauge("workers", "RQ workers registered in Redis.", len(readings.workers()))
        yield _gauge(
            "queue_jobs",
            "Jobs waiting in each RQ queue.",
            labels=("queue",),
            samples=[((name,), depth) for name, depth in readings.queue_depths().items()],
        )
        yield _gauge(
            "scheduler_last_run_seconds",
            "Seconds since each periodic job last ran.",
            labels=("job",),
            samples=[((job,), _or(age, INF)) for job, age in sorted(readings.periodic_last_runs().items())],
        )
        lag = readings.scheduler_lag()
        if lag is not None:
            yield _gauge("scheduler_lag_seconds", "How late the most overdue periodic job is in the scheduler.", lag)
        yield _gauge(
            "sla_pass_seconds",
            "Seconds the last SLA evaluator pass took (NaN before the first).",
            _or(readings.sla_pass_seconds(), NAN),
        )
        yield _gauge("web_processes", "Web processes that served a request in the last 2 minutes.", _live_web())


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
