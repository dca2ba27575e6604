"""Health jobs: the periodic fan-out (one job per connected org), and one org's check."""

import logging

from jobs.fanout import one_job_per_org
from webapp.health import services

log = logging.getLogger(__name__)


def check_all() -> int:
    """Periodic: one check per connected API-token org, with a fixed id so a slow round never stacks duplicates."""
    return one_job_per_org(services.orgs_to_check(), check_org, "health-check")


def check_org(org_id: int, run_id: int | None = None) -> str:
    """Check org `org_id` against PagerDuty and store its findings (progress to JobRun `run_id` when given)."""
    outcome: str = services.check_org(org_id, run_id)
    log.info("health check org %s: %s", org_id, outcome)
    return outcome
