"""Recording and listing settings changes."""

from flask import g, has_request_context
from flask_login import current_user

from webapp.extensions import db
from webapp.models import AuditEntry

PAGE_SIZE = 50


def current_actor():
    """Whoever is acting: the logged-in user; the API token; in a job, whoever started it; else the command line."""
    if has_request_context():
        if current_user and current_user.is_authenticated:
            return current_user.email
        if getattr(g, "api_token_id", None):
            return f"api (token #{g.api_token_id})"
        return "cli"
    return job_actor() or "cli"


def job_actor():
    """The person who started the running background job (the page enqueues it with meta["actor"]), if any."""
    from rq import get_current_job

    job = get_current_job()
    if job is None:
        return None
    return job.meta.get("actor") or "PagerBridge"


def requester():
    """The signed-in person (or API token) behind this request, to carry into the jobs it starts; None elsewhere."""
    if not has_request_context():
        return None
    actor = current_actor()
    return None if actor == "cli" else actor


def record(org_id, action, detail=None, actor=None):
    """Add an audit entry to the session (committed with the change it describes)."""
    entry = AuditEntry(org_id=org_id, actor=actor or current_actor(), action=action, detail=detail or {})
    db.session.add(entry)
    return entry


def record_change(org_id, action, before, after, actor=None):
    """Audit what a save really changed, key by key ({key: {"from", "to"}}); nothing when nothing changed."""
    changed = {
        key: {"from": before.get(key), "to": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
    return record(org_id, action, changed, actor) if changed else None


def entries_for_org(org_id, page=1):
    """One page of the org's audit log, newest first."""
    query = db.select(AuditEntry).filter_by(org_id=org_id).order_by(AuditEntry.id.desc())
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
