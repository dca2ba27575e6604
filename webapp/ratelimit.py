"""Fixed-window rate limits kept in Redis, shared by every web process."""

import logging
import time

from redis.exceptions import RedisError

from webapp.queues import get_redis

log = logging.getLogger(__name__)


def allow(key, limit, window_seconds):
    """Count one hit on key; False once the window already holds `limit` hits. Fails open if Redis is down."""
    bucket = f"ratelimit:{key}:{int(time.time() // window_seconds)}"
    try:
        pipe = get_redis().pipeline()
        pipe.incr(bucket)
        pipe.expire(bucket, window_seconds + 1)
        count, _ = pipe.execute()
    except RedisError as exc:
        log.warning("rate limit check skipped, Redis unavailable: %s", exc)
        return True
    return count <= limit
