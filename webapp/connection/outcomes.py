"""How a finished run's outcome is styled: from the run and the live badge, so a result never contradicts it."""

from webapp.health.badge import status_badge
from webapp.models import JobRun

# Runs whose message reports what stands (the check's findings, the routes it could not restore): their level is the
# badge's, so "Checked: alerts are paused" is never green.
REPORTS_STATE = ("health_check", "restore_routes", "webhook_remove_stale")
BADGE_LEVELS = {"connected": "success", "attention": "warning", "error": "danger", "disconnected": "secondary"}


def run_level(run: JobRun | None) -> str:
    """success, warning, danger or info for the run's result box and toast."""
    if run is None or not run.is_finished:
        return "info"
    if run.status == "failed":
        return "danger"

    state = status_badge(run.org_id)["state"]
    if state == "error":
        return "danger"  # the run worked, yet PagerDuty refuses the credentials: no green next to a red badge
    if run.kind in REPORTS_STATE:
        return BADGE_LEVELS[state]
    return "success"
