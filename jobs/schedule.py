"""The periodic jobs, in one list, and their reconciliation with rq-scheduler under deterministic ids."""

from datetime import UTC, datetime

from rq_scheduler import Scheduler

PERIODIC_PREFIX = "periodic-"


def periodic_jobs(config):
    """(name, function path, period in seconds, queue) for every periodic job."""
    return [
        ("outbox-sweep", "jobs.alerts.sweep", config["SWEEP_PERIOD_SECONDS"], "alerts"),
        ("sla-evaluator", "jobs.sla.evaluate_all", config["SLA_PERIOD_SECONDS"], "default"),
        ("oncall-sync", "jobs.oncall.sync_all", config["ONCALL_PERIOD_SECONDS"], "default"),
        ("webhook-sweep", "jobs.webhooks.sweep_receipts", config["SWEEP_PERIOD_SECONDS"], "default"),
        ("pagerduty-reconcile", "jobs.reconcile.reconcile_all", 300, "default"),
        ("health-check", "jobs.health.check_all", config.get("HEALTH_PERIOD_SECONDS", 300), "default"),
    ]


def reconcile(scheduler, jobs, now=None):
    """Make the scheduler hold exactly these jobs, once each; safe to repeat and to run from two schedulers."""
    wanted = {PERIODIC_PREFIX + name: (func, period, queue) for name, func, period, queue in jobs}
    for job in scheduler.get_jobs():
        if job.id.startswith(PERIODIC_PREFIX):
            current = (job.func_name, job.meta.get("interval"), job.origin)
            if wanted.get(job.id) != current:
                scheduler.cancel(job)
    existing = {job.id for job in scheduler.get_jobs()}
    for job_id, (func, period, queue) in wanted.items():
        if job_id not in existing:
            scheduler.schedule(
                scheduled_time=now or datetime.now(UTC),
                func=func,
                interval=period,
                repeat=None,
                id=job_id,
                queue_name=queue,
                result_ttl=period * 2,
            )
    return sorted(wanted)


def build_scheduler(connection, interval=5):
    """An rq-scheduler Scheduler on the app's Redis."""
    return Scheduler(queue_name="default", connection=connection, interval=interval)
