"""Small housekeeping jobs."""

import time

from webapp.queues import get_redis

HEARTBEAT_KEY = "pagerbridge:worker-heartbeat"


def heartbeat() -> bool:
    """Record that a worker ran a job just now (readiness and tests read it)."""
    get_redis().set(HEARTBEAT_KEY, time.time(), ex=3600)
    return True
