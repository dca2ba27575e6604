"""Reconciliation jobs: the periodic fan-out, and one org's read-back of its quiet open PagerDuty incidents."""

import logging

from rq.exceptions import NoSuchJobError
from rq.job import Job

from webapp.queues import enqueue, get_redis
from webapp.webhooks import reconcile

log = logging.getLogger(__name__)
WAITING = ("queued", "started", "deferred", "scheduled")


def reconcile_all():
    """Periodic: one job per org connected with an API token, under a fixed id so a slow round never stacks."""
    org_ids = reconcile.orgs_to_reconcile()
    for org_id in org_ids:
        job_id = f"reconcile-{org_id}"
        if not _waiting(job_id):
            enqueue(reconcile_org, org_id, queue="default", job_id=job_id)
    return len(org_ids)


def _waiting(job_id):
    try:
        return Job.fetch(job_id, connection=get_redis()).get_status() in WAITING
    except NoSuchJobError:
        return False


def reconcile_org(org_id):
    """Reconcile org `org_id`."""
    lines = reconcile.reconcile_org(org_id)
    log.info("reconcile org %s: %s", org_id, "; ".join(lines))
    return lines
