"""Connection jobs: Test Connection, restoring routes after a connect, tearing down after a disconnect, webhooks."""

from webapp.connection import lifecycle, probe
from webapp.webhooks import regenerate, setup


def run_test(org_id: int, run_id: int, service_id: int | None = None) -> str:
    """Send a test trigger and resolve for the org (or to one service); progress goes to JobRun `run_id`."""
    return probe.run_test(org_id, run_id, service_id)


def restore_routes(org_id: int, run_id: int) -> str:
    """Find or create each configured service's Events API v2 integration and store its key."""
    return lifecycle.restore_routes(org_id, run_id)


def teardown(org_id: int, run_id: int) -> str:
    """After a disconnect: delete PagerBridge's webhook subscription in PagerDuty, wipe the token."""
    return lifecycle.teardown(org_id, run_id)


def webhook_subscribe(org_id: int, run_id: int) -> str | None:
    """Create or reuse (and repair) the org's webhook subscription."""
    return setup.run(org_id, run_id, "subscribe")


def webhook_enable(org_id: int, run_id: int) -> str | None:
    """Re-enable the org's webhook subscription in PagerDuty."""
    return setup.run(org_id, run_id, "enable")


def webhook_move(org_id: int, run_id: int) -> str:
    """After Regenerate URL: move PagerDuty's subscription to the new URL (one subscription, one secret)."""
    return regenerate.move_subscription(org_id, run_id)


def webhook_remove_stale(org_id: int, run_id: int) -> str | None:
    """Delete the account's subscriptions that still send to an old URL of this org."""
    return regenerate.run_removal(org_id, run_id)
