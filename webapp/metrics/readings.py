"""What the running system looks like right now, read from the database and Redis (for /metrics and Operations)."""

import time

from rq import Queue, Worker
from sqlalchemy import func

from webapp.extensions import db
from webapp.metrics import counters
from webapp.models import Delivery
from webapp.models.types import utcnow
from webapp.models.vocabularies import WAITING_DELIVERY_STATUSES
from webapp.queues import QUEUE_NAMES, get_redis

PERIODIC_LAST_RUN_KEY = "pagerbridge:periodic:last-run"
SCHEDULED_JOBS_KEY = "rq:scheduler:scheduled_jobs"
PERIODIC_PREFIX = "periodic-"
WAITING_STATUSES = WAITING_DELIVERY_STATUSES


def deliveries_waiting(org_id=None):
    """{queue: count} of deliveries waiting to be sent (pending or retrying), every queue present."""
    from webapp.alerts.outbox import PRIORITY  # the alerts package imports the PagerDuty client, which counts here

    query = db.select(Delivery.priority, func.count()).where(Delivery.status.in_(WAITING_STATUSES))
    if org_id is not None:
        query = query.where(Delivery.org_id == org_id)
    counts = {"alerts-critical": 0, "alerts": 0}
    for priority, count in db.session.execute(query.group_by(Delivery.priority)):
        counts["alerts-critical" if priority >= PRIORITY["critical"] else "alerts"] += count
    return counts


def deliveries_paused(org_id=None):
    """How many deliveries wait for their org to reconnect PagerDuty."""
    query = db.select(func.count()).select_from(Delivery).where(Delivery.status == "paused")
    if org_id is not None:
        query = query.where(Delivery.org_id == org_id)
    return db.session.scalar(query)


def oldest_waiting_seconds(org_id=None, now=None):
    """Age in seconds of the oldest delivery still waiting to be sent; 0 when none waits."""
    query = db.select(func.min(Delivery.created_at)).where(Delivery.status.in_(WAITING_STATUSES))
    if org_id is not None:
        query = query.where(Delivery.org_id == org_id)
    oldest = db.session.scalar(query)
    if oldest is None:
        return 0.0
    return max(0.0, ((now or utcnow()) - oldest).total_seconds())


def queue_depths():
    """{queue: jobs waiting in RQ} for every queue PagerBridge uses."""
    redis = get_redis()
    return {name: Queue(name, connection=redis).count for name in QUEUE_NAMES}


def workers(now=None):
    """[{name, queues, state, heartbeat_age}] of the RQ workers registered in Redis, freshest first.

    An idle worker beats when it wakes to wait again, about every worker_ttl - 15 s (405 s by default); a worker
    that dies leaves the registry worker_ttl + 60 s after its last beat.
    """
    now = now or time.time()
    found = []
    for worker in Worker.all(connection=get_redis()):
        beat = worker.last_heartbeat.timestamp() if worker.last_heartbeat else None
        found.append(
            {
                "name": worker.name,
                "queues": worker.queue_names(),
                "state": worker.get_state(),
                "heartbeat_age": max(0.0, now - beat) if beat else None,
            }
        )
    return sorted(found, key=lambda w: w["heartbeat_age"] if w["heartbeat_age"] is not None else float("inf"))


def worker_heartbeat_age(now=None):
    """Seconds since the freshest worker heartbeat; +Inf when no worker is registered."""
    ages = [w["heartbeat_age"] for w in workers(now) if w["heartbeat_age"] is not None]
    return min(ages) if ages else float("inf")


def periodic_last_runs(now=None):
    """{periodic job name: seconds since it last ran, or None when scheduled but never run}.

    Runs come from the hash every periodic run writes; the names also from rq-scheduler's periodic job ids, so a job
    that never ran shows too.
    """
    now = now or time.time()
    redis = get_redis()
    runs = {
        job_id.decode().removeprefix(PERIODIC_PREFIX): None
        for job_id in redis.zrange(SCHEDULED_JOBS_KEY, 0, -1)
        if job_id.startswith(PERIODIC_PREFIX.encode())
    }
    for field, value in redis.hgetall(PERIODIC_LAST_RUN_KEY).items():
        try:
            runs[field.decode()] = max(0.0, now - float(value))
        except ValueError:
            continue
    return runs


def scheduler_lag(now=None):
    """How late the most overdue periodic job is in rq-scheduler (0 when on time, None when nothing is scheduled).

    A live scheduler moves each job to its next time as it queues it; a stopped one leaves them in the past.
    """
    first = get_redis().zrange(SCHEDULED_JOBS_KEY, 0, 0, withscores=True)
    if not first:
        return None
    return max(0.0, (now or time.time()) - first[0][1])


def sla_pass_seconds():
    """Seconds the last SLA evaluator pass took, or None before the first."""
    last = counters.last_sla_pass()
    return last["seconds"] if last else None
