"""What the running system looks like right now, read from the database and Redis (for /metrics and Operations)."""

import time

from redis.exceptions import RedisError
from rq import Queue, Worker
from sqlalchemy import func

from webapp import counters
from webapp.alerts.outbox import PRIORITY
from webapp.extensions import db
from webapp.liveness import FORGET_AFTER, LIVE_SECONDS
from webapp.models import Delivery, Heartbeat
from webapp.models.types import utcnow
from webapp.models.vocabularies import WAITING_DELIVERY_STATUSES
from webapp.queues import QUEUE_NAMES, get_redis

PERIODIC_LAST_RUN_KEY = "pagerbridge:periodic:last-run"
SCHEDULED_JOBS_KEY = "rq:scheduler:scheduled_jobs"
PERIODIC_PREFIX = "periodic-"
WAITING_STATUSES = WAITING_DELIVERY_STATUSES


def deliveries_waiting(org_id=None):
    """{queue: count} of deliveries waiting to be sent (pending or retrying), every queue present."""
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


def heartbeats(now=None):
    """{kind: {name: seconds since its last beat}} of every heartbeat of the last day, in one query."""
    now = now or time.time()
    rows = db.session.execute(
        db.select(Heartbeat.kind, Heartbeat.name, Heartbeat.beat_at).where(Heartbeat.beat_at >= utcnow() - FORGET_AFTER)
    ).all()
    found = {}
    for kind, name, beat_at in rows:
        found.setdefault(kind, {})[name] = max(0.0, now - beat_at.timestamp())
    return found


def processes(kind, beats=None, now=None):
    """[{name, heartbeat_age, alive}] of the processes of `kind` (worker, sender, scheduler) seen in the last
    day, live ones first: alive while the heartbeat is younger than liveness.LIVE_SECONDS."""
    beats = beats if beats is not None else heartbeats(now)
    rows = [
        {"name": name, "heartbeat_age": age, "alive": age <= LIVE_SECONDS} for name, age in beats.get(kind, {}).items()
    ]
    return sorted(rows, key=lambda row: row["heartbeat_age"])


def workers(now=None, beats=None):
    """The live RQ worker processes, by their own heartbeat (not RQ's registry, which outlives a killed worker)."""
    return [row for row in processes("worker", beats, now) if row["alive"]]


def freshest_age(kind, beats=None, now=None):
    """Seconds since the freshest heartbeat of `kind`; +Inf when none in the last day."""
    ages = (beats if beats is not None else heartbeats(now)).get(kind, {})
    return min(ages.values()) if ages else float("inf")


def worker_heartbeat_age(now=None, beats=None):
    """Seconds since the freshest worker heartbeat; +Inf when no worker beat in the last day."""
    return freshest_age("worker", beats, now)


def rq_workers():
    """How many workers RQ's registry lists (it outlives a killed worker by minutes; shown beside, never trusted)."""
    return len(Worker.all_keys(connection=get_redis()))


def deliveries_held_by_pagerduty(org_id: int | None = None):
    """{reason: count} of deliveries (of one org, or all) backing off because of PagerDuty: 'failing' (5xx, timeouts,
    refused) and 'throttled' (429)."""
    from sqlalchemy import case, or_

    reason = case((Delivery.last_status_code == 429, "throttled"), else_="failing")
    rows = db.session.execute(
        db.select(reason, func.count())
        .where(
            Delivery.status == "retrying",
            or_(
                Delivery.last_status_code.is_(None), Delivery.last_status_code >= 500, Delivery.last_status_code == 429
            ),
        )
        .where(Delivery.org_id == org_id if org_id is not None else True)
        .group_by(reason)
    ).all()
    return {"failing": 0, "throttled": 0, **dict(rows)}


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


def periodic_last_runs_known(now=None, beats=None):
    """{job: seconds since its last run} from the database, and from Redis when it answers (the fresher wins);
    a Redis flush or outage leaves the database's figures, so a stopped scheduler's jobs keep ageing."""
    runs = dict((beats if beats is not None else heartbeats(now)).get("periodic", {}))
    try:
        for name, age in periodic_last_runs(now).items():
            if name not in runs or (age is not None and age < runs[name]):
                runs[name] = age
    except (RedisError, OSError):
        pass
    return runs


def scheduler_lag_known(now=None, beats=None):
    """The scheduler's lag even when Redis is down or was flushed: the larger of rq-scheduler's own lag and how
    long the scheduler's heartbeat (in the database) is overdue; +Inf when no scheduler was ever seen."""
    now = now or time.time()
    beat_age = (beats if beats is not None else heartbeats(now)).get("scheduler", {})
    from_beat = max(0.0, min(beat_age.values()) - LIVE_SECONDS) if beat_age else None
    try:
        from_redis = scheduler_lag(now)
    except (RedisError, OSError):
        from_redis = None
    known = [lag for lag in (from_beat, from_redis) if lag is not None]
    return max(known) if known else float("inf")


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
