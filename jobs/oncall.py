"""On-call jobs: the periodic fan-out, and one org's sync."""

import logging

from jobs.fanout import one_job_per_org
from webapp.oncall import schedules
from webapp.oncall.services import orgs_in_pagerduty_mode
from webapp.oncall.sync import sync_oncall

log = logging.getLogger(__name__)


def sync_all() -> int:
    """Periodic: one job per org in PagerDuty mode, with a fixed id so a slow round never stacks duplicates."""
    return one_job_per_org(orgs_in_pagerduty_mode(), sync_org, "oncall-sync")


def sync_org(org_id: int) -> str:
    """Sync org `org_id`'s on-call with its PagerDuty schedule."""
    outcome: str = sync_oncall(org_id)
    log.info("on-call sync org %s: %s", org_id, outcome)
    return outcome


def read_schedules(org_id: int) -> str:
    """Read org `org_id`'s PagerDuty schedules for the on-call picker."""
    outcome: str = schedules.read_schedules(org_id)
    log.info("schedules of org %s: %s", org_id, outcome)
    return outcome
