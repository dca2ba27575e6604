"""One job per org under a fixed id, so a slow round of a periodic job never stacks duplicates."""

from collections.abc import Callable, Sequence

from rq.exceptions import NoSuchJobError
from rq.job import Job

from webapp.queues import enqueue, get_redis

WAITING = ("queued", "started", "deferred", "scheduled")


def one_job_per_org(org_ids: Sequence[int], func: Callable[[int], object], prefix: str, queue: str = "default") -> int:
    """Enqueue `func(org_id)` as job `<prefix>-<org_id>` for each org, unless that job is still waiting or running."""
    for org_id in org_ids:
        job_id = f"{prefix}-{org_id}"
        if not _still_waiting(job_id):
            enqueue(func, org_id, queue=queue, job_id=job_id)
    return len(org_ids)


def _still_waiting(job_id: str) -> bool:
    try:
        return Job.fetch(job_id, connection=get_redis()).get_status() in WAITING
    except NoSuchJobError:
        return False
