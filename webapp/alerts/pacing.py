"""Pacing of events per integration key across every worker, kept in Redis (GCRA with slot reservation)."""

import hashlib
import logging
import time

from flask import current_app
from redis.exceptions import RedisError

from webapp.queues import get_redis

log = logging.getLogger(__name__)
BURST = 5
# Reserve the next free slot for this key; returns how many ms to wait before sending in that slot.
RESERVE_SLOT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - now - burst * interval
if wait < 0 then wait = 0 end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil(tat + interval - now + 60000))
return math.floor(wait)
"""
# Push the key's next free slot to at least `until` (ms), e.g. when PagerDuty answered 429 with a Retry-After.
HOLD = """
local held = tonumber(ARGV[1]) + tonumber(ARGV[2]) * tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or 0)
if tat < held then
  redis.call('SET', KEYS[1], held, 'PX', math.ceil(held - tonumber(ARGV[4]) + 60000))
end
return 1
"""


def pace_group(routing_key):
    """A short, stable name for an integration key's pace: it groups deliveries without revealing the key."""
    return hashlib.sha256(routing_key.encode()).hexdigest()[:24]


def pace_key(routing_key):
    """The Redis key for an integration key's pace (a hash: the key itself never reaches Redis)."""
    return "pace:" + pace_group(routing_key)


def _interval_ms():
    per_minute = current_app.config["EVENTS_PER_MINUTE"]
    return 60000.0 / per_minute if per_minute and per_minute > 0 else None


def reserve_slot(routing_key):
    """Seconds until the slot reserved now for this key; 0 means send now. Fails open (0) if Redis is down."""
    interval_ms = _interval_ms()
    if interval_ms is None:
        return 0.0
    try:
        script = get_redis().register_script(RESERVE_SLOT)
        wait_ms = script(keys=[pace_key(routing_key)], args=[int(time.time() * 1000), interval_ms, BURST])
    except RedisError:
        return 0.0
    return wait_ms / 1000.0


def hold(routing_key, seconds):
    """No slot of this key before `seconds` from now (PagerDuty asked us to wait); every worker sees it."""
    now_ms = int(time.time() * 1000)
    interval_ms = _interval_ms() or 0.0
    try:
        get_redis().register_script(HOLD)(
            keys=[pace_key(routing_key)], args=[now_ms + int(seconds * 1000), BURST, interval_ms, now_ms]
        )
    except RedisError as exc:  # the delivery itself still waits its Retry-After; only its key's others may not
        log.warning("could not hold a paced key for %s s: %s", seconds, exc)
