"""Health jobs: the periodic fan-out (one job per connected org), and one org's check."""

import logging

from jobs.oncall import _still_waiting
from webapp.health import services
from webapp.queues import enqueue

log = logging.getLogger(__name__)


def check_all():
    """Periodic: one check per connected API-token org, with a fixed id so a slow round never stacks duplicates."""
    org_ids = services.orgs_to_check()
    for org_id in org_ids:
        if not _still_waiting(f"health-check-{org_id}"):
            enqueue(check_org, org_id, queue="default", job_id=f"health-check-{org_id}")
    return len(org_ids)


def check_org(org_id, run_id=None):
    """Check org `org_id` against PagerDuty and store its findings (progress to JobRun `run_id` when given)."""
    outcome = services.check_org(org_id, run_id)
    log.info("health check org %s: %s", org_id, outcome)
    return outcome
