"""What the Operations page shows: process liveness, queues, periodic jobs (system-wide) and the org's deliveries."""

import time
from datetime import timedelta
from statistics import quantiles

from redis.exceptions import RedisError
from rq.job import Job

from webapp import counters
from webapp.extensions import db
from webapp.formatting import plural
from webapp.liveness import LIVE_SECONDS
from webapp.metrics import readings
from webapp.models import Delivery
from webapp.models.types import utcnow
from webapp.pagerduty import breaker
from webapp.queues import get_redis

WEB_FRESH_SECONDS = 120
SCHEDULER_LATE_SECONDS = 60
HOURS = 24


def system_status(now=None):
    """Processes, queues, periodic jobs and PagerDuty, each with a state (ok, warning, down) and words for a person.

    Liveness comes from the heartbeats in the database, the rest from Redis; whichever does not answer is said
    ("Redis is not answering") and the other's part still shows.
    """
    now = now or time.time()
    status = {"redis": True, "database": True}
    beats = {}
    try:
        beats = readings.heartbeats(now)
        status.update(
            workers=_workers(beats),
            senders=_senders(beats),
            scheduler=_scheduler(now, beats),
            held=readings.deliveries_held_by_pagerduty(),
        )
    except Exception:  # noqa: BLE001 - PostgreSQL not answering: say so, show what Redis knows
        db.session.rollback()
        status["database"] = False
    try:
        status.update(
            web=_web(now),
            periodic=periodic_jobs(now, beats),
            queues=readings.queue_depths(),
            answers=sorted(counters.pagerduty_responses_since(3600, now).items()),
            rq_workers=readings.rq_workers(),
        )
    except (RedisError, OSError):
        status["redis"] = False
    status["pagerduty"] = _pagerduty()
    return status


def org_view(status, org_id):
    """The system status an org admin sees: each process's state and words, without host names, process or worker
    ids, queue depths, job names, other tenants' waiting deliveries or PagerDuty answer counts (operators see them)."""
    view = {**status, "periodic": [], "queues": {}, "answers": [], "rq_workers": None, "held": None}
    if status.get("database"):
        view["held"] = readings.deliveries_held_by_pagerduty(org_id)
    for part in ("workers", "senders"):
        if part in status:
            view[part] = {**status[part], "list": []}
    if "web" in status:
        view["web"] = {**status["web"], "processes": []}
    return view


def _web(now):
    live = sorted((name, age) for name, age in counters.web_heartbeats(now).items() if age <= WEB_FRESH_SECONDS)
    message = f"{plural(len(live) or 1, 'web process')} served requests lately."
    return {"state": "ok", "processes": live, "message": message}


def _workers(beats):
    rows = readings.processes("worker", beats)
    alive = [row for row in rows if row["alive"]]
    if not alive:
        last = f" (the last one beat {rows[0]['heartbeat_age']:.0f} s ago)" if rows else ""
        message = f"No worker is running{last}: webhooks, SLA, on-call and health jobs wait in the queue. Start one."
        return {"state": "down", "list": rows[:10], "message": message}
    beat = f"each beating every 5 s; one silent for {LIVE_SECONDS:.0f} s is dead"
    message = f"{plural(len(alive), 'worker')} alive, {beat}."
    return {"state": "ok", "list": rows[:10], "message": message}


def _senders(beats):
    rows = readings.processes("sender", beats)
    alive = [row for row in rows if row["alive"]]
    if not alive:
        last = f" (the last one beat {rows[0]['heartbeat_age']:.0f} s ago)" if rows else ""
        message = f"No delivery engine is sending{last}: alerts wait in the database (nothing is lost). Start a worker."
        return {"state": "down", "list": rows[:10], "message": message}
    return {"state": "ok", "list": rows[:10], "message": f"{plural(len(alive), 'delivery engine')} sending."}


def _scheduler(now, beats):
    lag = readings.scheduler_lag_known(now, beats)
    if lag == float("inf"):
        return {"state": "down", "lag": None, "message": "No periodic job is scheduled: start the scheduler process."}
    if lag > SCHEDULER_LATE_SECONDS:
        message = f"Periodic jobs are {lag:.0f} s late: the scheduler process looks stopped; restart it."
        return {"state": "down", "lag": lag, "message": message}
    return {"state": "ok", "lag": lag, "message": "Periodic jobs are queued on time."}


def _pagerduty():
    try:
        return [outage.describe() for outage in breaker.outages().values()]
    except Exception:  # noqa: BLE001 - no state readable: nothing known to be failing
        return []


def periodic_jobs(now=None, beats=None):
    """[{name, age, period, state}] for every periodic job: when it last ran against how often it should."""
    now = now or time.time()
    runs = readings.periodic_last_runs_known(now, beats)
    periods = _periods(list(runs))
    rows = []
    for name, age in sorted(runs.items()):
        period = periods.get(name)
        late = age is None or (period is not None and age > 2 * period + SCHEDULER_LATE_SECONDS)
        rows.append({"name": name, "age": age, "period": period, "state": "warning" if late else "ok"})
    return rows


def _periods(names):
    jobs = Job.fetch_many([readings.PERIODIC_PREFIX + name for name in names], connection=get_redis())
    return {job.id.removeprefix(readings.PERIODIC_PREFIX): job.meta.get("interval") for job in jobs if job is not None}


def org_deliveries(org_id, now=None):
    """The org's deliveries waiting, paused, and the age of the oldest waiting."""
    return {
        "waiting": readings.deliveries_waiting(org_id),
        "paused": readings.deliveries_paused(org_id),
        "oldest_seconds": readings.oldest_waiting_seconds(org_id, now),
    }


def delivery_charts(org_id, now=None):
    """Hourly series over the last 24 hours: deliveries created, delivered, failed, and latency p50/p95 (seconds).

    Latency is from the outbox row to PagerDuty's answer, for deliveries created in that hour and delivered.
    """
    now = now or utcnow()
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=HOURS)
    rows = db.session.execute(
        db.select(Delivery.created_at, Delivery.delivered_at, Delivery.status).where(
            Delivery.org_id == org_id, Delivery.created_at >= start
        )
    ).all()
    hours = [[] for _ in range(HOURS)]
    for row in rows:
        index = int((row.created_at - start).total_seconds() // 3600)
        if 0 <= index < HOURS:
            hours[index].append(row)
    return {
        "x": [int((start + timedelta(hours=i)).timestamp()) for i in range(HOURS)],
        "created": [len(bucket) for bucket in hours],
        "delivered": [sum(1 for r in bucket if r.status == "delivered") for bucket in hours],
        "failed": [sum(1 for r in bucket if r.status == "failed") for bucket in hours],
        **_latency_series(hours),
    }


def _latency_series(hours):
    p50, p95 = [], []
    for bucket in hours:
        latencies = sorted(
            (r.delivered_at - r.created_at).total_seconds() for r in bucket if r.delivered_at is not None
        )
        if not latencies:
            p50.append(None)
            p95.append(None)
        elif len(latencies) == 1:
            p50.append(round(latencies[0], 3))
            p95.append(round(latencies[0], 3))
        else:
            cuts = quantiles(latencies, n=100, method="inclusive")
            p50.append(round(cuts[49], 3))
            p95.append(round(cuts[94], 3))
    return {"p50": p50, "p95": p95}
