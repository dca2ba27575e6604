"""Pacing of events per integration key across every worker, kept in Redis (GCRA with slot reservation)."""

import hashlib
import time

from flask import current_app
from redis.exceptions import RedisError

from webapp.queues import get_redis

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


def pace_key(routing_key):
    """The Redis key for an integration key's pace (a hash: the key itself never reaches Redis)."""
    return "pace:" + hashlib.sha256(routing_key.encode()).hexdigest()[:24]


def reserve_slot(routing_key):
    """Seconds to wait before this event may go out; 0 means now. Fails open (0) if Redis is down."""
    per_minute = current_app.config["EVENTS_PER_MINUTE"]
    if not per_minute or per_minute <= 0:
        return 0.0
    interval_ms = 60000.0 / per_minute
    try:
        script = get_redis().register_script(RESERVE_SLOT)
        wait_ms = script(keys=[pace_key(routing_key)], args=[int(time.time() * 1000), interval_ms, BURST])
    except RedisError:
        return 0.0
    return wait_ms / 1000.0
