"""Webhook setup: create the PagerDuty subscription, paste or rotate secrets, regenerate the URL."""

from collections.abc import Sequence
from typing import Any

from webapp.audit.services import record
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.findings.services import clear, findings
from webapp.jobruns import progress, start_run
from webapp.models import Connection, JobRun, Org, WebhookSecret
from webapp.models.types import utcnow
from webapp.pagerduty import client
from webapp.pagerduty.accounts import connection_for, credentials_for
from webapp.pagerduty.client import Credentials
from webapp.public_urls import webhook_url
from webapp.webhooks.credentials import add_signing_secret
from webapp.webhooks.events import EventType
from webapp.webhooks.regenerate import regenerate, remove_stale

SUBSCRIBED_EVENTS = [event_type.value for event_type in EventType]


def _subscription_body(org: Org, url: str) -> dict[str, Any]:
    return {
        "webhook_subscription": {
            "type": "webhook_subscription",
            "description": f"PagerBridge ({org.slug})",
            "events": SUBSCRIBED_EVENTS,
            "delivery_method": {"type": "http_delivery_method", "url": url},
            "filter": {"type": "account_reference"},
        }
    }


def _api_connection(org_id: int) -> Connection:
    connection = connection_for(org_id)
    if connection is None or connection.state != "connected" or connection.method != "api_token":
        raise DomainError("Creating the subscription needs a working API-token connection; paste a secret instead.")
    return connection


def subscriptions_to(credentials: Credentials, url: str) -> list[dict[str, Any]]:
    """Every subscription of the account that delivers to `url` (all pages)."""
    listed = client.paginate(credentials, "/webhook_subscriptions", "webhook_subscriptions")
    return [s for s in listed if (s.get("delivery_method") or {}).get("url") == url]


def holds_secret_of(org_id: int, connection: Connection, subscription: dict[str, Any]) -> bool:
    """Whether PagerBridge holds the secret this subscription signs with (PagerDuty never shows it again).

    One PagerBridge created carries the secret PagerDuty returned then (source "pagerduty"): it must still be
    active. One made in PagerDuty by hand is signed with a secret an admin pasted (source "manual").
    """
    sources = {row.source for row in active_secret_rows(org_id)}
    if connection.subscription_owned and subscription.get("id") == connection.webhook_subscription_id:
        return "pagerduty" in sources
    return "manual" in sources and not connection.subscription_owned


def create_subscription(org_id: int, url: str | None = None) -> dict[str, Any]:
    """Idempotent: reuse (and repair) the account's subscription to this org's URL, else create one.

    A subscription whose secret PagerBridge does not hold (`holds_secret_of`) is replaced (PagerDuty returns a secret
    only on create);
    duplicates to the same URL are deleted, so each acknowledgement arrives once. Returns the subscription.
    """
    connection = _api_connection(org_id)
    org = db.session.get_one(Org, org_id)
    url = url or webhook_url(org)
    credentials = credentials_for(org_id)
    try:
        existing = subscriptions_to(credentials, url)
        existing.sort(key=lambda s: s.get("id") != connection.webhook_subscription_id)
        keep = existing[0] if existing and holds_secret_of(org_id, connection, existing[0]) else None
        for extra in existing[1:] if keep else existing:
            client.rest_response(credentials, "DELETE", f"/webhook_subscriptions/{extra['id']}")
        if keep is not None:
            subscription = _repair(credentials, keep)
            outcome = "webhook.subscription_reused"
        else:
            created = client.rest(credentials, "POST", "/webhook_subscriptions", json=_subscription_body(org, url))
            subscription = created["webhook_subscription"]
            outcome = "webhook.subscription_created"
    except client.PagerDutyError as error:
        raise DomainError(f"PagerDuty did not create the subscription: {error.message}") from None
    if outcome == "webhook.subscription_created":
        secret = (subscription.get("delivery_method") or {}).get("secret")
        if not secret:
            raise DomainError("PagerDuty created the subscription but returned no signing secret.")
        add_signing_secret(org_id, secret, "pagerduty")
        connection.subscription_owned = True
    else:
        connection.subscription_owned = connection.subscription_owned or str(
            subscription.get("description", "")
        ).startswith("PagerBridge")
    connection.webhook_subscription_id = subscription.get("id")
    _remove_old_urls(org_id, credentials, outcome == "webhook.subscription_created")
    _clear_subscription_findings(org_id)
    record(org_id, outcome, {"subscription_id": subscription.get("id")})
    db.session.commit()
    return subscription


def ensure_events(credentials: Credentials, subscription: dict[str, Any]) -> dict[str, Any]:
    """Add the event types PagerBridge uses that a subscription lacks (one PUT, keeping any others it has)."""
    listed = subscription.get("events") or []
    missing = [event_type for event_type in SUBSCRIBED_EVENTS if event_type not in listed]
    if not missing:
        return subscription
    body = {"webhook_subscription": {"events": [*listed, *missing]}}
    return client.rest(credentials, "PUT", f"/webhook_subscriptions/{subscription['id']}", json=body)[
        "webhook_subscription"
    ]


def _remove_old_urls(org_id: int, credentials: Credentials, created: bool) -> None:
    """Exactly one subscription and, when PagerDuty just gave a new secret, only that secret: the account's
    subscriptions to an old URL of this org (regenerated since) are deleted."""
    db.session.flush()
    newest = active_secret_rows(org_id)[0].id if created else None
    try:
        remove_stale(org_id, credentials, keep_secret_id=newest)
    except client.PagerDutyError as error:
        raise DomainError(f"PagerDuty did not delete the subscription to the old URL: {error.message}") from None


def _repair(credentials: Credentials, subscription: dict[str, Any]) -> dict[str, Any]:
    """Turn a kept subscription back on: PUT active when switched off, POST enable when PagerDuty disabled it; and
    subscribe it to every event type PagerBridge uses."""
    subscription = ensure_events(credentials, subscription)
    if subscription.get("active") is False:
        body = {"webhook_subscription": {"active": True}}
        subscription = client.rest(credentials, "PUT", f"/webhook_subscriptions/{subscription['id']}", json=body)[
            "webhook_subscription"
        ]
    if (subscription.get("delivery_method") or {}).get("temporarily_disabled"):
        subscription = client.rest(credentials, "POST", f"/webhook_subscriptions/{subscription['id']}/enable")[
            "webhook_subscription"
        ]
    return subscription


def enable_subscription(org_id: int) -> dict[str, Any]:
    """The Re-enable button: turn the org's subscription back on in PagerDuty."""
    connection = _api_connection(org_id)
    if not connection.webhook_subscription_id:
        raise DomainError("There is no webhook subscription to re-enable: create one on the Webhook tab.")
    credentials = credentials_for(org_id)
    try:
        found = client.rest(credentials, "GET", f"/webhook_subscriptions/{connection.webhook_subscription_id}")
        subscription = _repair(credentials, found["webhook_subscription"])
    except client.PagerDutyError as error:
        raise DomainError(f"PagerDuty did not re-enable the subscription: {error.message}") from None
    _clear_subscription_findings(org_id)
    record(org_id, "webhook.subscription_enabled", {"subscription_id": subscription.get("id")})
    db.session.commit()
    return subscription


def _clear_subscription_findings(org_id: int) -> None:
    for code in ("subscription_disabled", "subscription_missing", "no_signing_secret"):
        clear(org_id, code)


def start(org_id: int, action: str) -> JobRun:
    """Run `subscribe` or `enable` in a job the page polls (no PagerDuty call inside a page request)."""
    connection = _api_connection(org_id)
    if action == "enable" and not connection.webhook_subscription_id:
        raise DomainError("There is no webhook subscription to re-enable: create one on the Webhook tab.")
    run = start_run(org_id, f"webhook_{action}", f"jobs.connection.webhook_{action}", total=1)
    db.session.commit()
    return run


def run(org_id: int, run_id: int, action: str) -> str | None:
    """The job behind `start`: its outcome in words on the JobRun."""
    job_run = db.session.get_one(JobRun, run_id)
    progress(job_run, "running", "Asking PagerDuty…")
    try:
        subscription = (create_subscription if action == "subscribe" else enable_subscription)(org_id)
    except DomainError as error:
        db.session.rollback()
        progress(job_run, "failed", error.message, 1)
        return error.message
    progress(job_run, "done", f"Subscription {subscription.get('id')} is active in PagerDuty.", 1)
    return job_run.message


def paste_secret(org_id: int, secret: str | None) -> None:
    """The manual path: store a signing secret copied from PagerDuty."""
    secret = (secret or "").strip()
    if len(secret) < 8:
        raise DomainError("Paste the signing secret from the PagerDuty subscription.", fields={"secret": "too short"})
    add_signing_secret(org_id, secret, "manual")
    db.session.commit()


def retire_secret(org_id: int, secret_id: int) -> None:
    """End a secret's use (after a rotation)."""
    secret = db.session.get(WebhookSecret, secret_id)
    if secret is None or secret.org_id != org_id or secret.retired_at is not None:
        raise DomainError("No such active secret.", status=404, code="not_found")
    secret.retired_at = utcnow()
    record(org_id, "webhook.secret_retired", {"secret_id": secret_id})
    db.session.commit()


def regenerate_token(org_id: int) -> Org:
    """A new webhook URL; the old one stops working at once (PagerDuty's subscription follows in a job)."""
    regenerate(org_id)
    return db.session.get_one(Org, org_id)


def active_secret_rows(org_id: int) -> Sequence[WebhookSecret]:
    """Active secrets, newest first."""
    return db.session.scalars(
        db.select(WebhookSecret).filter_by(org_id=org_id, retired_at=None).order_by(WebhookSecret.id.desc())
    ).all()


def webhook_findings(org_id: int) -> list[Any]:
    """What the last health check found wrong with the subscription, its secret or the signatures."""
    codes = ("subscription_missing", "subscription_disabled", "no_signing_secret", "webhooks_refused")
    return [f for f in findings(org_id) if f.code in codes]


def latest_run(org_id: int) -> JobRun | None:
    """The newest subscribe or re-enable run, while it runs or for a few minutes after (the tab shows it)."""
    from datetime import timedelta

    run = db.session.scalar(
        db.select(JobRun)
        .where(
            JobRun.org_id == org_id,
            JobRun.kind.in_(("webhook_subscribe", "webhook_enable", "webhook_move", "webhook_remove_stale")),
        )
        .order_by(JobRun.id.desc())
        .limit(1)
    )
    if run is None or (run.finished_at and utcnow() - run.finished_at > timedelta(minutes=10)):
        return None
    return run
