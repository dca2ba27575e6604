"""On-call jobs: the periodic fan-out, and one org's sync."""

import logging

from rq.exceptions import NoSuchJobError
from rq.job import Job

from webapp.oncall import schedules
from webapp.oncall.services import orgs_in_pagerduty_mode
from webapp.oncall.sync import sync_org as sync
from webapp.queues import enqueue, get_redis

WAITING = ("queued", "started", "deferred", "scheduled")

log = logging.getLogger(__name__)


def sync_all():
    """Periodic: one job per org in PagerDuty mode, with a fixed id so a slow round never stacks duplicates."""
    org_ids = orgs_in_pagerduty_mode()
    for org_id in org_ids:
        if not _still_waiting(f"oncall-sync-{org_id}"):
            enqueue(sync_org, org_id, queue="default", job_id=f"oncall-sync-{org_id}")
    return len(org_ids)


def _still_waiting(job_id):
    try:
        return Job.fetch(job_id, connection=get_redis()).get_status() in WAITING
    except NoSuchJobError:
        return False


def sync_org(org_id):
    """Sync org `org_id`'s on-call with its PagerDuty schedule."""
    outcome = sync(org_id)
    log.info("on-call sync org %s: %s", org_id, outcome)
    return outcome


def read_schedules(org_id):
    """Read org `org_id`'s PagerDuty schedules for the on-call picker."""
    outcome = schedules.read_schedules(org_id)
    log.info("schedules of org %s: %s", org_id, outcome)
    return outcome
