"""Every job function that is enqueued or scheduled by name: the one list of them, imported whole by one test.

The jobs import webapp, so webapp names them by dotted path instead of importing them (that would be a cycle). Enqueue
with these names, never with a string spelled out: `tests/jobs/test_registry.py` imports each one, and fails on any
`"jobs.…"` string in webapp/ or jobs/ that does not resolve to a function here.
"""

from typing import Final

# Deliveries and the outbox.
SWEEP_OUTBOX: Final = "jobs.alerts.sweep"
# Connection runs with progress (JobRun).
RUN_TEST: Final = "jobs.connection.run_test"
RESTORE_ROUTES: Final = "jobs.connection.restore_routes"
TEARDOWN: Final = "jobs.connection.teardown"
WEBHOOK_SUBSCRIBE: Final = "jobs.connection.webhook_subscribe"
WEBHOOK_ENABLE: Final = "jobs.connection.webhook_enable"
WEBHOOK_MOVE: Final = "jobs.connection.webhook_move"
WEBHOOK_REMOVE_STALE: Final = "jobs.connection.webhook_remove_stale"
# Health.
CHECK_HEALTH_ALL: Final = "jobs.health.check_all"
CHECK_HEALTH_ORG: Final = "jobs.health.check_org"
# On-call.
SYNC_ONCALL_ALL: Final = "jobs.oncall.sync_all"
SYNC_ONCALL_ORG: Final = "jobs.oncall.sync_org"
READ_SCHEDULES: Final = "jobs.oncall.read_schedules"
# Reconciliation of missed webhooks.
RECONCILE_ALL: Final = "jobs.reconcile.reconcile_all"
RECONCILE_ORG: Final = "jobs.reconcile.reconcile_org"
# Routing.
SYNC_SERVICES: Final = "jobs.routing.sync_services"
# SLA.
EVALUATE_SLA: Final = "jobs.sla.evaluate_all"
# Webhooks received.
PROCESS_WEBHOOK: Final = "jobs.webhooks.process_receipt"
DRAIN_WEBHOOK_INBOX: Final = "jobs.webhooks.drain_inbox"
SWEEP_WEBHOOKS: Final = "jobs.webhooks.sweep_receipts"
# The scheduler's runner of every periodic job, and the workers' heartbeat.
RUN_PERIODIC: Final = "jobs.schedule.run_periodic"
HEARTBEAT: Final = "jobs.maintenance.heartbeat"

WEBHOOK_ACTIONS: Final = {"subscribe": WEBHOOK_SUBSCRIBE, "enable": WEBHOOK_ENABLE}


def all_jobs() -> tuple[str, ...]:
    """Every job named here, as dotted paths."""
    return tuple(value for name, value in globals().items() if name.isupper() and isinstance(value, str))
