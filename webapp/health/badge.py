"""The status badge on every settings page, from the connection and the one health model."""

from webapp.findings.services import findings
from webapp.pagerduty.accounts import connection_for

BADGE_LABELS = {
    "connected": "Connected",
    "attention": "Connected, needs attention",
    "error": "Error",
    "disconnected": "Not connected",
}


def status_badge(org_id):
    """{"state": connected|attention|error|disconnected, "label", "error", "error_at", "findings"}.

    Green only when nothing stands between an alert and PagerDuty: any warning of the health model turns it amber.
    """
    connection = connection_for(org_id)
    state = connection.state if connection else "disconnected"
    standing = [f for f in findings(org_id) if f.counts] if state != "disconnected" else []
    if state == "connected" and standing:
        state = "attention"
    failed = connection is not None and state == "error"
    return {
        "state": state,
        "label": BADGE_LABELS[state],
        "error": connection.last_error if failed else None,
        "error_at": connection.last_error_at if failed else None,
        "findings": standing,
    }
