"""Routing jobs: Sync Services."""

from webapp.routing.sync import run_sync


def sync_services(org_id: int, run_id: int) -> str:
    """Import the org's PagerDuty services; progress goes to JobRun `run_id`."""
    return run_sync(org_id, run_id)
