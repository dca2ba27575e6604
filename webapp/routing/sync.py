"""Sync Services: import every PagerDuty service with visible progress; flag the ones gone."""

from webapp.errors import DomainError
from webapp.extensions import db
from webapp.job_registry import SYNC_SERVICES
from webapp.models import Connection, JobRun, Org, Service
from webapp.models.types import utcnow
from webapp.pagerduty import client
from webapp.pagerduty.accounts import connection_for, credentials_for, mark_auth_failure, note_vdp_service
from webapp.queues import enqueue_after_commit
from webapp.routing.pagerduty_api import list_services


def start_sync(org_id):
    """Create the JobRun the Services tab polls, and queue the job."""
    connection = connection_for(org_id)
    if connection is None or connection.state != "connected" or connection.method != "api_token":
        raise DomainError("Sync Services needs a working API-token connection.")
    run = JobRun(org_id=org_id, kind="sync_services", status="queued", message="Waiting for a worker…")
    db.session.add(run)
    db.session.flush()
    enqueue_after_commit(SYNC_SERVICES, org_id, run.id)
    db.session.commit()
    return run


def run_sync(org_id, run_id=None):
    """Fetch all pages, upsert in bulk, flag removed services; returns a summary line."""
    run = db.session.get(JobRun, run_id) if run_id else None
    _progress(run, "running", "Reading services from PagerDuty…")

    def on_page(fetched, total):
        _progress(run, "running", f"Imported {fetched} of {total or '?'} services", fetched, total)

    try:
        remote = list_services(credentials_for(org_id), on_page)
    except client.PagerDutyError as error:
        if error.is_auth_failure:
            mark_auth_failure(org_id, error.message)
        return _finish(run, "failed", f"Sync failed: {error.message}")
    except DomainError as error:
        return _finish(run, "failed", error.message)
    note_vdp_service(org_id, remote)
    added, updated, removed = upsert_services(org_id, remote)
    return _finish(
        run,
        "done",
        f"Synced {len(remote)} services: {added} new, {updated} updated, {removed} gone from PagerDuty.",
        len(remote),
    )


def upsert_services(org_id, remote):
    """Insert new services, refresh known ones, flag missing ones (kept, not deleted)."""
    now = utcnow()
    known = {s.pd_id: s for s in db.session.scalars(db.select(Service).filter_by(org_id=org_id))}
    added = updated = 0
    for item in remote:
        service = known.pop(item["id"], None)
        if service is None:
            db.session.add(
                Service(
                    org_id=org_id,
                    pd_id=item["id"],
                    name=item.get("name") or item["id"],
                    description=item.get("description"),
                    html_url=item.get("html_url"),
                    pd_status=item.get("status"),
                    synced_at=now,
                )
            )
            added += 1
        else:
            service.name, service.description = item.get("name") or service.name, item.get("description")
            service.html_url, service.pd_status = item.get("html_url"), item.get("status")
            service.removed_at, service.synced_at = None, now
            updated += 1
    for gone in known.values():
        if gone.removed_at is None:
            gone.removed_at = now
    db.session.commit()
    return added, updated, sum(1 for s in known.values())


def _progress(run, status, message, progress=None, total=None):
    if run is None:
        return
    run.status, run.message = status, message
    run.progress = progress if progress is not None else run.progress
    run.total = total if total is not None else run.total
    db.session.commit()


def _finish(run, status, message, total=None):
    if run is not None:
        run.status, run.message, run.finished_at = status, message, utcnow()
        run.progress = total if total is not None else run.progress
        run.total = total if total is not None else run.total
        db.session.commit()
    return message


def sync_services_all(org_id=None):
    """Sync Services for one org, or every connected API-token org, in the foreground; returns a line per org."""
    query = db.select(Connection.org_id).filter_by(state="connected", method="api_token")
    if org_id is not None:
        query = query.where(Connection.org_id == org_id)
    org_ids = db.session.scalars(query).all()
    if org_id is not None and not org_ids:
        return ["this org has no working API-token connection"]
    return [f"{db.session.get(Org, oid).slug}: {run_sync(oid)}" for oid in org_ids]
