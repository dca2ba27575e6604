"""Reconciliation jobs: the periodic fan-out, and one org's read-back of its quiet open PagerDuty incidents."""

import logging

from jobs.fanout import one_job_per_org
from webapp.webhooks import reconcile

log = logging.getLogger(__name__)


def reconcile_all() -> int:
    """Periodic: one job per org connected with an API token, under a fixed id so a slow round never stacks."""
    return one_job_per_org(reconcile.orgs_to_reconcile(), reconcile_org, "reconcile")


def reconcile_org(org_id: int) -> list[str]:
    """Reconcile org `org_id`."""
    lines: list[str] = reconcile.reconcile_org(org_id)
    log.info("reconcile org %s: %s", org_id, "; ".join(lines))
    return lines
