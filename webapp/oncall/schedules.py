"""The account's PagerDuty schedules for the picker: a job reads them into Redis, a page request only reads Redis."""

import json
import logging

from redis.exceptions import RedisError

from webapp.errors import DomainError
from webapp.job_registry import READ_SCHEDULES
from webapp.oncall.pagerduty_api import list_schedules
from webapp.pagerduty import client
from webapp.pagerduty.accounts import credentials_for, mark_auth_failure
from webapp.queues import enqueue, get_redis

log = logging.getLogger(__name__)
KEPT_SECONDS = 300  # a list read 5 minutes ago is still the account's list for a picker
FAILURE_KEPT_SECONDS = 30  # long enough to show, short enough that a retry soon reads again
READING_LEASE_SECONDS = 60


def _key(org_id):
    return f"pagerbridge:oncall-schedules:{org_id}"


def picker_state(org_id):
    """What the picker shows: {"state": "ready", "schedules": [[id, name]]}, {"state": "failed", "error"}, or
    {"state": "loading"} after queueing a read (at most one at a time per org)."""
    try:
        redis = get_redis()
        stored = redis.get(_key(org_id))
        if stored:
            return json.loads(stored)
        if redis.set(f"{_key(org_id)}:reading", 1, nx=True, ex=READING_LEASE_SECONDS):
            enqueue(READ_SCHEDULES, org_id)
    except RedisError as error:
        log.warning("schedule picker for org %s: %s", org_id, error)
        return {"state": "failed", "error": "PagerBridge's queue is unreachable; try again in a moment."}
    return {"state": "loading"}


def forget(org_id):
    """Drop the stored list so that the next look reads PagerDuty again (the picker's Retry and Refresh)."""
    try:
        get_redis().delete(_key(org_id), f"{_key(org_id)}:reading")
    except RedisError as error:
        log.warning("could not drop the schedules of org %s: %s", org_id, error)


def schedule_name(org_id, schedule_id):
    """The name the stored list gives `schedule_id`, or None (nothing is read from PagerDuty for it)."""
    try:
        stored = get_redis().get(_key(org_id)) if schedule_id else None
    except RedisError:
        stored = None
    schedules = json.loads(stored).get("schedules", []) if stored else []
    return dict(map(tuple, schedules)).get(schedule_id)


def read_schedules(org_id):
    """The job: list the account's schedules and keep them (or why they could not be read) for the picker."""
    try:
        state = {"state": "ready", "schedules": list_schedules(credentials_for(org_id))}
    except DomainError as error:
        state = {"state": "failed", "error": error.message}
    except client.PagerDutyError as error:
        if error.is_auth_failure:
            mark_auth_failure(org_id, error.message)
        state = {"state": "failed", "error": f"Could not read schedules from PagerDuty: {error.message}"}
    kept = KEPT_SECONDS if state["state"] == "ready" else FAILURE_KEPT_SECONDS
    redis = get_redis()
    redis.set(_key(org_id), json.dumps(state), ex=kept)
    redis.delete(f"{_key(org_id)}:reading")
    return state["state"]
