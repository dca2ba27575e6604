"""Findings about what runs PagerBridge and what it talks to: PagerDuty failing or throttling, no sender alive,
Redis not answering. Each comes from the same state the senders use (the breaker, the outbox, the heartbeats)."""

import time
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from webapp import liveness
from webapp.extensions import db
from webapp.findings.services import Finding
from webapp.models import Delivery
from webapp.models.types import utcnow
from webapp.models.vocabularies import WAITING_DELIVERY_STATUSES
from webapp.pagerduty import breaker
from webapp.pagerduty.client import api_base, events_base
from webapp.queues import get_redis

# An alert due this long ago and still not taken by a sender means no sender is sending.
OVERDUE_SECONDS = 120
REDIS_CHECK_SECONDS = 5.0
WAITING_ON_PAGERDUTY = (
    "Nothing is lost: PagerBridge keeps retrying, and sends everything waiting as soon as "
    "PagerDuty answers again. See status.pagerduty.com."
)
_redis_seen = [0.0, True]


def _at(moment: datetime | None) -> str:
    return moment.strftime("%H:%M:%S UTC") if moment else "unknown"


def _waiting(count: int, next_try: datetime | None) -> str:
    if not count:
        return "no alert waiting"
    alerts = f"{count} alert{'s' if count != 1 else ''} waiting"
    return f"{alerts}, next try at {_at(max(next_try, utcnow()) if next_try else None)}"


def pagerduty_findings(org_id: int, connection) -> list[Finding]:
    """PagerDuty answering 5xx, timing out or refusing connections (from the breaker, or failing deliveries when
    Redis forgot it), and keys PagerDuty is throttling."""
    held = db.session.execute(
        select(func.count(), func.min(Delivery.next_attempt_at), func.min(Delivery.updated_at)).where(
            Delivery.org_id == org_id,
            Delivery.status == "retrying",
            or_(Delivery.last_status_code.is_(None), Delivery.last_status_code >= 500),
        )
    ).one()
    count, next_try, oldest = held
    region = connection.region or "us"
    everywhere = breaker.outages()
    outage = everywhere.get(breaker.breaker_name(events_base(region) + "/v2/enqueue"))
    found = _rest_failing(everywhere.get(breaker.breaker_name(api_base(region) + "/")))
    if outage is not None:
        every = db.session.scalar(
            select(func.count()).where(Delivery.org_id == org_id, Delivery.status.in_(WAITING_DELIVERY_STATUSES))
        )
        found.append(
            Finding(
                "pagerduty_failing",
                f"{outage.describe()}; {_waiting(every, next_try)}",
                WAITING_ON_PAGERDUTY,
                since=outage.since,
            )
        )
    elif count:
        last = _last_failure(org_id)
        found.append(
            Finding(
                "pagerduty_failing",
                f"PagerDuty failed the last try of {_waiting(count, next_try)} ({last})",
                WAITING_ON_PAGERDUTY,
                since=oldest,
            )
        )
    return found + _throttled(org_id)


def _rest_failing(outage) -> list[Finding]:
    if outage is None:
        return []
    return [
        Finding(
            "pagerduty_api_failing",
            f"{outage.describe()}: alerts still go out by the Events API, but notes, on-call sync, health checks "
            "and reconciliation wait",
            "Nothing to do: PagerBridge tries again and this clears by itself once PagerDuty answers.",
            since=outage.since,
        )
    ]


def _last_failure(org_id: int) -> str:
    row = db.session.execute(
        select(Delivery.last_status_code, Delivery.last_response)
        .where(Delivery.org_id == org_id, Delivery.status == "retrying")
        .order_by(Delivery.updated_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return "no answer"
    if row.last_status_code:
        return f"HTTP {row.last_status_code}"
    return (row.last_response or "no answer").split(".")[0][:120]


def _throttled(org_id: int) -> list[Finding]:
    rows = db.session.execute(
        select(Delivery.pace_group, func.max(Delivery.target_label), func.count(), func.min(Delivery.next_attempt_at))
        .where(Delivery.org_id == org_id, Delivery.status == "retrying", Delivery.last_status_code == 429)
        .group_by(Delivery.pace_group)
    ).all()
    return [
        Finding(
            "pagerduty_throttling",
            f"PagerDuty is throttling the key of {label or 'an integration'} (HTTP 429); {_waiting(count, next_try)}",
            "PagerBridge waits as PagerDuty asks and paces that key; many alerts at once to one service are "
            "throttled by PagerDuty. Nothing is lost.",
            subject=group or "",
        )
        for group, label, count, next_try in rows
    ]


def sender_findings(org_id: int) -> list[Finding]:
    """No sender alive: a sender has run here and none beats now, or alerts are overdue with none alive."""
    ages = liveness.ages(liveness.Kind.SENDER)  # read once: a beat landing between two reads must not look dead
    seen = min(ages.values()) if ages else None
    if seen is not None and seen <= liveness.LIVE_SECONDS:
        return []
    waiting, overdue = _due(org_id)
    if seen is None and not overdue:
        return []  # a fresh install with nothing stuck: no sender has ever run to be missed
    last = f"the last one beat {seen:.0f} s ago" if seen is not None else "none has ever run"
    return [
        Finding(
            "no_sender",
            f"no worker is sending alerts ({last}); {waiting} alert{'s' if waiting != 1 else ''} waiting",
            "Start a worker process (Settings → Operations shows which are alive); nothing is lost meanwhile.",
        )
    ]


def _due(org_id: int) -> tuple[int, int]:
    now = utcnow()
    free = or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)
    waiting = Delivery.org_id == org_id, Delivery.status.in_(WAITING_DELIVERY_STATUSES)
    total = db.session.scalar(select(func.count()).where(*waiting))
    overdue = (
        db.session.scalar(
            select(func.count()).where(
                *waiting, free, Delivery.next_attempt_at < now - timedelta(seconds=OVERDUE_SECONDS)
            )
        )
        if total
        else 0
    )
    return total, overdue


def redis_answers() -> bool:
    """Whether Redis answers a ping (checked at most every 5 s per process)."""
    if time.monotonic() - _redis_seen[0] < REDIS_CHECK_SECONDS:
        return _redis_seen[1]
    try:
        answers = bool(get_redis().ping())
    except Exception:  # noqa: BLE001 - any failure to answer is "not answering"
        answers = False
    _redis_seen[:] = [time.monotonic(), answers]
    return answers


def redis_findings() -> list[Finding]:
    """Redis not answering: alerts are still taken and sent (the outbox is in the database), but more slowly."""
    if redis_answers():
        return []
    return [
        Finding(
            "redis_unreachable",
            "Redis is not answering: alerts are still taken and sent from the database, but periodic jobs "
            "(SLA, on-call, health checks) wait and senders only poll",
            "Check the Redis add-on (REDIS_URL); PagerBridge reconnects by itself.",
        )
    ]
