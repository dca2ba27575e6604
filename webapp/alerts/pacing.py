"""Pacing of events per integration key across every sender, kept in Redis (GCRA with slot reservation).

While Redis is away each sender paces on its own, conservatively: no burst, and each key's interval multiplied by
the number of live senders, so that together they still stay under PagerDuty's per-key limit.
"""

import hashlib
import logging
import threading
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


def pace_group(routing_key: str) -> str:
    """A short, stable name for an integration key's pace: it groups deliveries without revealing the key."""
    return hashlib.sha256(routing_key.encode()).hexdigest()[:24]


def pace_key(routing_key: str) -> str:
    """The Redis key for an integration key's pace (a hash: the key itself never reaches Redis)."""
    return group_key(pace_group(routing_key))


def group_key(group: str) -> str:
    """The Redis key of a pace group."""
    return "pace:" + group


def _interval_ms() -> float | None:
    per_minute = current_app.config["EVENTS_PER_MINUTE"]
    return 60000.0 / per_minute if per_minute and per_minute > 0 else None


class LocalPace:
    """This process's own pace per key (GCRA without burst), for while Redis is away."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.senders = 1
        self.next_free: dict[str, float] = {}  # pace key -> epoch ms of its next free slot in this process

    def reserve(self, key: str, interval_ms: float, now_ms: int) -> float:
        """Reserve the key's next local slot; returns how many ms to wait for it."""
        with self.lock:
            slot = max(self.next_free.get(key, now_ms), now_ms)
            self.next_free[key] = slot + interval_ms * max(self.senders, 1)
            if len(self.next_free) > 10000:  # forget keys whose slots have passed
                self.next_free = {k: v for k, v in self.next_free.items() if v > now_ms}
            return slot - now_ms

    def hold(self, key: str, until_ms: int) -> None:
        with self.lock:
            self.next_free[key] = max(self.next_free.get(key, 0), until_ms)


LOCAL = LocalPace()


def set_senders_alive(count: int) -> None:
    """How many senders share each key's pace while Redis is away (from their heartbeats)."""
    LOCAL.senders = max(count, 1)


def reserve_slot(routing_key: str) -> float:
    """Seconds until the slot reserved now for this key; 0 means send now. With Redis down, a local pace."""
    return reserve_slots([pace_group(routing_key)])[0]


def reserve_slots(groups: list[str]) -> list[float]:
    """Seconds until the slot reserved now for each pace group (`pace_group` of a key, one slot per item), in one
    Redis round trip for all: a sender reserves the slots of a claim's rows at once. With Redis down, a local pace."""
    interval_ms = _interval_ms()
    if interval_ms is None or not groups:
        return [0.0] * len(groups)
    now_ms = int(time.time() * 1000)
    try:
        with get_redis().pipeline(transaction=False) as pipeline:
            for group in groups:
                pipeline.eval(RESERVE_SLOT, 1, group_key(group), now_ms, interval_ms, BURST)
            waits_ms = pipeline.execute()
    except RedisError as exc:
        log.warning("pacing in Redis failed (%s); pacing these keys locally", exc)
        waits_ms = [LOCAL.reserve(group_key(group), interval_ms, now_ms) for group in groups]
    return [wait_ms / 1000.0 for wait_ms in waits_ms]


def hold(routing_key: str, seconds: float) -> None:
    """No slot of this key before `seconds` from now (PagerDuty asked us to wait); every worker sees it."""
    now_ms = int(time.time() * 1000)
    interval_ms = _interval_ms() or 0.0
    try:
        get_redis().register_script(HOLD)(
            keys=[pace_key(routing_key)], args=[now_ms + int(seconds * 1000), BURST, interval_ms, now_ms]
        )
    except RedisError as exc:  # the delivery itself still waits its Retry-After; this sender's others of the key too
        log.warning("could not hold a paced key for %s s: %s", seconds, exc)
        LOCAL.hold(pace_key(routing_key), now_ms + int(seconds * 1000))
