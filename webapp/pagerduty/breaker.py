"""PagerDuty's own health, per host: a circuit breaker fed by every answer PagerDuty gives (or does not give).

A 5xx, a timeout or a refused connection opens the host's breaker (kept in Redis for every process, and in this
process); any other answer closes it. Closing releases at once every delivery backing off because of PagerDuty:
they fall due now and go out in their key's pace as usual, instead of each waiting out its own backoff. While the
breaker is open and deliveries wait, a light probe (an empty event, which PagerDuty refuses with a 400 when it is
up; nothing is created) asks every few seconds whether PagerDuty answers again. The health model reads the state.
"""

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask
from sqlalchemy import ColumnElement, and_, func, or_, select, update

from webapp.config import REGION_HOSTS
from webapp.extensions import db
from webapp.models import Connection, Delivery
from webapp.models.types import utcnow
from webapp.pagerduty.client import api_base, events_base
from webapp.queues import get_redis, wake_senders

log = logging.getLogger(__name__)
KEY = "pagerbridge:pagerduty:host:{}"
OPEN_HOSTS = "pagerbridge:pagerduty:open-hosts"
PROBE_LOCK = "pagerbridge:pagerduty:probe"
OPEN_SECONDS = 120  # an open breaker no failure has refreshed for this long is forgotten
PROBE_SECONDS = 5.0
PROBE_TIMEOUT = (3.05, 5)
REMOTE_CHECK_SECONDS = 1.0
_local: dict[str, dict] = {}
_remote_seen: dict[str, tuple[float, bool]] = {}
_lock = threading.Lock()
_last_probe = [0.0]
_probing = threading.Event()


@dataclass(frozen=True)
class Outage:
    """PagerDuty failing at one host: since when, and what the last failure was (an HTTP status, timeout...)."""

    host: str
    since: datetime
    status: str
    last_at: datetime
    failures: int

    def age(self) -> float:
        """Seconds since PagerDuty began failing here."""
        return max(0.0, time.time() - self.since.timestamp())

    def describe(self) -> str:
        """What is happening, in words: "PagerDuty is answering 500 to events since 14:02 UTC"."""
        since = self.since.strftime("%H:%M UTC")
        if self.status == "timeout":
            return f"PagerDuty is not answering (calls time out) since {since}"
        if self.status == "network_error":
            return f"PagerDuty is not answering (connections refused or cut) since {since}"
        what = "events" if self.host.startswith("events:") else "API calls"
        return f"PagerDuty is answering {self.status} to {what} since {since}"


def failing_status(status: int | str) -> bool:
    """An answer that means PagerDuty itself is failing: 5xx, a timeout, a network error."""
    return not isinstance(status, int) or status >= 500


def host_of(url: str) -> str:
    """The host:port a URL reaches."""
    return urlsplit(url).netloc


def breaker_name(url: str) -> str:
    """One breaker per API and host ("events:events.pagerduty.com"): the Events API can fail while REST answers."""
    return f"{'events' if url.endswith('/v2/enqueue') else 'rest'}:{host_of(url)}"


def answered(url: str, status: int | str) -> None:
    """Feed one answer from PagerDuty (an HTTP status, or 'timeout'/'network_error'); never raises."""
    try:
        host = breaker_name(url)
        if status == 429:
            return  # a throttled key, not PagerDuty failing: the key's own wait covers it
        if failing_status(status):
            _opened(host, str(status))
        else:
            _closed(host)
    except Exception:  # noqa: BLE001 - the breaker never breaks the call it watches
        log.warning("the PagerDuty breaker could not record an answer", exc_info=True)


def _redis() -> Any:  # the shared client (answers bytes)
    return get_redis()


def _opened(host: str, status: str) -> None:
    now = time.time()
    with _lock:
        state = _local.setdefault(host, {"since": now, "failures": 0})
        state.update(status=status, last_at=now, failures=state["failures"] + 1)
    key = KEY.format(host)
    try:
        with _redis().pipeline(transaction=False) as pipeline:
            pipeline.hsetnx(key, "since", repr(now))
            pipeline.hset(key, mapping={"status": status, "last_at": repr(now)})
            pipeline.hincrby(key, "failures", 1)
            pipeline.expire(key, OPEN_SECONDS)
            pipeline.sadd(OPEN_HOSTS, host)
            pipeline.execute()
        _remote_seen[host] = (time.monotonic(), True)
    except Exception as error:  # noqa: BLE001 - Redis away: this process still knows
        log.debug("breaker state of %s kept in this process only: %s", host, error)


def _remote_open(host: str) -> bool:
    """Whether Redis says the host's breaker is open (checked at most once a second per host)."""
    checked = _remote_seen.get(host)
    if checked and time.monotonic() - checked[0] < REMOTE_CHECK_SECONDS:
        return checked[1]
    try:
        is_open = bool(_redis().exists(KEY.format(host)))
    except Exception:  # noqa: BLE001
        is_open = False
    _remote_seen[host] = (time.monotonic(), is_open)
    return is_open


def _closed(host: str) -> None:
    with _lock:
        was_local = _local.pop(host, None) is not None
    if not (was_local or _remote_open(host)):
        return  # the usual case: nothing was failing
    try:
        with _redis().pipeline(transaction=False) as pipeline:
            pipeline.delete(KEY.format(host))
            pipeline.srem(OPEN_HOSTS, host)
            deleted, _ = pipeline.execute()
    except Exception:  # noqa: BLE001
        deleted = 0
    _remote_seen[host] = (time.monotonic(), False)
    if deleted or was_local:
        released = release_held(host)
        log.warning("PagerDuty (%s) answers again: %d held deliveries are due now", host, released)


def _regions_of(host: str) -> list[str]:
    host = host.partition(":")[2]
    return [r for r in REGION_HOSTS if host in (host_of(events_base(r)), host_of(api_base(r)))]


def _held_by_pagerduty() -> tuple[ColumnElement[bool], ...]:
    """Deliveries backing off because PagerDuty failed (not a 429: a throttled key keeps its own wait)."""
    return (
        Delivery.status == "retrying",
        or_(Delivery.last_status_code.is_(None), Delivery.last_status_code >= 500),
    )


def release_held(host: str) -> int:
    """Make every delivery held by a PagerDuty failure at this host due now; returns how many."""
    now = utcnow()
    orgs = select(Connection.org_id).where(Connection.region.in_(_regions_of(host) or ["us", "eu"]))
    # A note whose answer never came keeps its wait: PagerDuty may still carry out the call it held, and the note
    # is looked for only once that call can have landed (else it is posted twice).
    unanswered_note = and_(Delivery.in_doubt_since.is_not(None), Delivery.last_status_code.is_(None))
    statement = (
        update(Delivery)
        .where(*_held_by_pagerduty(), Delivery.next_attempt_at > now, Delivery.org_id.in_(orgs), ~unanswered_note)
        .values(next_attempt_at=now)
    )
    with db.engine.begin() as connection:
        released = connection.execute(statement).rowcount
    if released:
        wake_senders(4)
    return released


def outages() -> dict[str, Outage]:
    """{host: Outage} of every host whose breaker is open (Redis, or this process when Redis does not answer)."""
    try:
        redis = _redis()
        hosts = [h.decode() for h in redis.smembers(OPEN_HOSTS)]
        found = {}
        for host in hosts:
            raw = {k.decode(): v.decode() for k, v in redis.hgetall(KEY.format(host)).items()}
            if "since" not in raw:
                redis.srem(OPEN_HOSTS, host)
                continue
            found[host] = _outage(host, raw)
        return found
    except Exception:  # noqa: BLE001 - Redis away: what this process saw
        with _lock:
            local = {h: dict(s) for h, s in _local.items() if time.time() - s["last_at"] < OPEN_SECONDS}
        return {h: _outage(h, s) for h, s in local.items()}


def _outage(host: str, raw: dict) -> Outage:
    def at(value: str) -> datetime:
        return datetime.fromtimestamp(float(value), UTC)

    return Outage(
        host,
        at(raw["since"]),
        str(raw.get("status", "?")),
        at(raw.get("last_at", raw["since"])),
        int(raw.get("failures", 0)),
    )


def outage_for_region(region: str) -> Outage | None:
    """The outage at the Events API host of `region`, or None while PagerDuty answers."""
    return outages().get(breaker_name(events_base(region) + "/v2/enqueue"))


def probe() -> None:
    """While deliveries wait on PagerDuty (or a breaker is open), ask every PROBE_SECONDS whether it answers again;
    one prober in the fleet at a time, in its own thread (a hanging PagerDuty never stalls the caller)."""
    if _probing.is_set() or time.monotonic() - _last_probe[0] < PROBE_SECONDS:
        return
    _last_probe[0] = time.monotonic()
    targets = _probe_targets()
    if not targets or not _take_probe_turn():
        return
    from flask import current_app

    _probing.set()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    threading.Thread(target=_probe, args=(app, targets), daemon=True).start()


def _probe_targets() -> list[str]:
    """Events URLs worth probing: those of regions whose held deliveries all wait longer than a probe period (a
    retry due sooner asks PagerDuty itself), and of hosts whose breaker is open with nothing held."""
    soon = utcnow() + timedelta(seconds=PROBE_SECONDS)
    rows = db.session.execute(
        select(Connection.region, func.min(Delivery.next_attempt_at))
        .join(Delivery, Delivery.org_id == Connection.org_id)
        .where(*_held_by_pagerduty())
        .group_by(Connection.region)
    ).all()
    urls = {events_base(region) + "/v2/enqueue" for region, due in rows if due is None or due > soon}
    held_regions = {region for region, _ in rows}
    hosts = set(outages())
    urls |= {
        events_base(r) + "/v2/enqueue"
        for r in ("us", "eu")
        if r not in held_regions and breaker_name(events_base(r) + "/v2/enqueue") in hosts
    }
    return sorted(urls)


def _take_probe_turn() -> bool:
    try:
        return bool(_redis().set(PROBE_LOCK, "1", nx=True, px=int(PROBE_SECONDS * 1000)))
    except Exception:  # noqa: BLE001 - Redis away: each sender probes on its own clock
        return True


def _probe(app: Flask, urls: list[str]) -> None:
    try:
        with app.app_context():
            for url in urls:
                answered(url, _ask(url))
    finally:
        _probing.clear()


def _ask(url: str) -> int | str:
    """An empty event: PagerDuty answers 400 (invalid event) when it is up; nothing is created."""
    try:
        return requests.post(
            url, data=json.dumps({}), timeout=PROBE_TIMEOUT, headers={"Content-Type": "application/json"}
        ).status_code
    except requests.Timeout:
        return "timeout"
    except requests.RequestException:
        return "network_error"


def reset() -> None:
    """Forget this process's view (tests)."""
    with _lock:
        _local.clear()
    _remote_seen.clear()
    _last_probe[0] = 0.0
