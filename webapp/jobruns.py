"""A background run (Sync Services, Test Connection, health checks, repairs): starting it, recording its progress,
and the component its page polls."""

from flask import render_template

from webapp.errors import DomainError
from webapp.extensions import db
from webapp.hx import STOP_POLLING, respond
from webapp.models import JobRun
from webapp.models.types import utcnow
from webapp.queues import enqueue_after_commit
from webapp.tenancy import get_in_org


def start_run(org_id, kind, job, total=None, message="Waiting for a worker…", queue="default"):
    """A JobRun the page polls, and its job enqueued by dotted path after commit (the caller commits)."""
    run = JobRun(org_id=org_id, kind=kind, status="queued", total=total, message=message)
    db.session.add(run)
    db.session.flush()
    enqueue_after_commit(job, org_id, run.id, queue=queue)
    return run


def progress(run, status, message, step=None):
    """Record a run's progress and commit what the work did so far (so the polling page sees it); without a run
    (the CLI's foreground work) the work is committed all the same."""
    if run is None:
        db.session.commit()
        return
    run.status, run.message = status, message
    run.progress = step if step is not None else run.progress
    if status in ("done", "failed"):
        run.finished_at = utcnow()
    db.session.commit()


def started(start, org_id, template, finished):
    """Start a run with `start(org_id)` and answer its component, or the reason it could not start.

    A run the worker already finished (the job ran while this answer was being made) is answered by `finished(run_id)`,
    the view its polling would have called: its toast and events (lists and panels that follow) are never lost."""
    try:
        run = start(org_id)
    except DomainError as error:
        return render_template(template, run=None, error=error.message)
    if run.is_finished:
        return finished(run.id)
    return render_template(template, run=run, error=None)


def polled(org_id, run_id, template, what, events=None, level=None):
    """The run's component while it works; once it is finished, 286 stops the polling with a toast and `events`.

    `level(run)` styles the toast (by default done is success and failed is danger)."""
    run = get_in_org(JobRun, org_id, run_id, what)
    db.session.refresh(run)
    body = render_template(template, run=run, error=None)
    if not run.is_finished:
        return body
    chosen = level(run) if level else ("success" if run.status == "done" else "danger")
    return respond(body, STOP_POLLING, chosen, run.message, events=events)
