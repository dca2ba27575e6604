"""Regenerating the webhook URL without silently stopping acknowledgements: PagerDuty's subscription moves with it,
and any subscription of the account still sending to an old URL of this org is found and can be removed."""

import hashlib

from webapp.audit.services import record
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.findings.services import clear
from webapp.jobruns import progress, start_run
from webapp.models import AuditEntry, JobRun, Org, WebhookSecret
from webapp.models.org import new_webhook_token
from webapp.models.types import utcnow
from webapp.pagerduty import client
from webapp.pagerduty.accounts import connection_for, credentials_for
from webapp.public_urls import external_url, webhook_url

REGENERATED = "webhook.url_regenerated"


def digest(token: str) -> str:
    """What the audit log keeps of an old URL's token: enough to recognise it, useless to send to."""
    return hashlib.sha256(token.encode()).hexdigest()


def moves_subscription(org_id: int) -> bool:
    """Regenerating moves PagerDuty's subscription too (an API-token connection that has one)."""
    connection = connection_for(org_id)
    return bool(
        connection
        and connection.state == "connected"
        and connection.method == "api_token"
        and connection.webhook_subscription_id
    )


def regenerate(org_id: int) -> JobRun | None:
    """A new webhook URL; with an API token, a job moves PagerDuty's subscription to it (returns the JobRun)."""
    org = db.session.get_one(Org, org_id)
    moves = moves_subscription(org_id)
    record(org_id, REGENERATED, {"old_url_sha256": digest(org.webhook_token), "moves_subscription": moves})
    org.webhook_token = new_webhook_token()
    run = None
    if moves:
        run = start_run(
            org_id, "webhook_move", "jobs.connection.webhook_move", total=2, message="Waiting for a worker…"
        )
    db.session.commit()
    return run


def move_subscription(org_id: int, run_id: int | None = None) -> str:
    """The job: create the subscription to the new URL, delete the ones to old URLs, keep only the new secret."""
    # why: setup starts regeneration from here (a cycle inside webhooks)
    from webapp.webhooks.setup import create_subscription

    run = db.session.get(JobRun, run_id) if run_id else None
    progress(run, "running", "Creating PagerDuty's subscription to the new URL…", 0)
    try:
        subscription = create_subscription(org_id)  # it removes the old ones and their secrets too
    except DomainError as error:
        db.session.rollback()
        message = (
            f"{error.message} PagerDuty still sends to the old URL, which refuses it: acknowledgements stop until "
            "Create subscription on the Webhook tab works."
        )
        progress(run, "failed", message, 1)
        return message
    secrets = db.session.scalar(
        db.select(db.func.count()).where(WebhookSecret.org_id == org_id, WebhookSecret.retired_at.is_(None))
    )
    message = (
        f"PagerDuty now sends to the new URL: subscription {subscription.get('id')}, "
        f"{secrets} signing secret{'s' if secrets != 1 else ''} active."
    )
    progress(run, "done", message, 2)
    return message


def _webhook_prefix() -> str:
    return external_url("webhooks.receive", token="T")[:-1]


def old_digests(org_id: int) -> set[str]:
    """The recorded digests of this org's previous webhook URL tokens."""
    entries = db.session.scalars(db.select(AuditEntry).filter_by(org_id=org_id, action=REGENERATED)).all()
    return {str((e.detail or {}).get("old_url_sha256")) for e in entries if (e.detail or {}).get("old_url_sha256")}


def stale_subscriptions(org_id: int, listed: list[dict]) -> list[dict]:
    """The subscriptions in `listed` that send to an old URL of this org (regenerated since)."""
    org = db.session.get_one(Org, org_id)
    prefix, current, digests = _webhook_prefix(), webhook_url(org), old_digests(org_id)
    stale = []
    for subscription in listed:
        url = (subscription.get("delivery_method") or {}).get("url") or ""
        if not url.startswith(prefix) or url == current:
            continue
        token = url[len(prefix) :]
        ours = digest(token) in digests or subscription.get("description") == f"PagerBridge ({org.slug})"
        if ours and db.session.scalar(db.select(Org.id).filter_by(webhook_token=token)) is None:
            stale.append(subscription)
    return stale


def remove_stale(org_id: int, credentials: client.Credentials, keep_secret_id: int | None = None) -> list[str]:
    """Delete every subscription to an old URL of this org; with `keep_secret_id` (a subscription was just created)
    only that secret stays active. Returns the deleted subscriptions' ids (the caller commits)."""
    listed = client.paginate(credentials, "/webhook_subscriptions", "webhook_subscriptions")
    removed = []
    for subscription in stale_subscriptions(org_id, listed):
        try:
            client.rest_response(credentials, "DELETE", f"/webhook_subscriptions/{subscription['id']}")
        except client.PagerDutyError as error:
            if error.status != 404:
                raise
        removed.append(subscription["id"])
    if keep_secret_id is not None:
        db.session.execute(
            db.update(WebhookSecret)
            .where(
                WebhookSecret.org_id == org_id, WebhookSecret.retired_at.is_(None), WebhookSecret.id != keep_secret_id
            )
            .values(retired_at=utcnow())
        )
    if removed:
        clear(org_id, "subscription_stale")
        record(org_id, "webhook.stale_subscriptions_removed", {"subscription_ids": removed})
    return removed


def start_removal(org_id: int) -> JobRun:
    """The health panel's Remove button: a job deletes the subscriptions to old URLs."""
    connection = connection_for(org_id)
    if connection is None or connection.method != "api_token" or connection.state == "disconnected":
        raise DomainError("Removing subscriptions in PagerDuty needs an API-token connection.")
    run = start_run(org_id, "webhook_remove_stale", "jobs.connection.webhook_remove_stale", total=1)
    db.session.commit()
    return run


def run_removal(org_id: int, run_id: int | None = None) -> str | None:
    """The job behind `start_removal`."""
    run = db.session.get(JobRun, run_id) if run_id else None
    progress(run, "running", "Deleting subscriptions to old URLs in PagerDuty…", 0)
    try:
        removed = remove_stale(org_id, credentials_for(org_id))
    except client.PagerDutyError as error:
        db.session.rollback()
        progress(run, "failed", f"PagerDuty did not delete them: {error.message}", 1)
        return run.message if run else error.message
    message = f"Deleted {len(removed)} subscription(s) to old URLs: {', '.join(removed)}." if removed else ""
    progress(run, "done", message or "No subscription sends to an old URL.", 1)
    return message or "No subscription sends to an old URL."
