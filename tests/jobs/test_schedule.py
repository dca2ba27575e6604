"""The periodic job list is reconciled with deterministic ids: restarts and two schedulers never double a job."""

from jobs.schedule import PERIODIC_PREFIX, build_scheduler, periodic_jobs, reconcile


def _periodic(scheduler):
    return sorted((job.id, job.meta["interval"]) for job in scheduler.get_jobs() if job.id.startswith(PERIODIC_PREFIX))


def test_reconcile_is_idempotent_across_schedulers(app, redis):
    jobs = periodic_jobs(app.config)
    first, second = build_scheduler(redis), build_scheduler(redis)
    reconcile(first, jobs)
    once = _periodic(first)
    reconcile(second, jobs)
    reconcile(first, jobs)
    assert _periodic(first) == once
    assert len(once) == len(jobs)
    assert ("periodic-sla-evaluator", app.config["SLA_PERIOD_SECONDS"]) in once


def test_reconcile_replaces_changed_and_drops_stale_jobs(app, redis):
    scheduler = build_scheduler(redis)
    reconcile(
        scheduler,
        [
            ("old-job", "jobs.maintenance.heartbeat", 60, "default"),
            ("sla-evaluator", "jobs.sla.evaluate_all", 60, "default"),
        ],
    )
    reconcile(scheduler, [("sla-evaluator", "jobs.sla.evaluate_all", 900, "default")])
    assert _periodic(scheduler) == [("periodic-sla-evaluator", 900)]
