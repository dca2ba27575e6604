"""The checks against PagerDuty behind the health job: a handful of REST calls per org, well inside its limits."""

import logging

from webapp.alerts.refusals import mark_broken, mark_sound
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.findings.services import Finding
from webapp.models import OnCallSettings, Org, Service, WebhookSecret
from webapp.models.types import utcnow
from webapp.oncall.pagerduty_api import list_schedules
from webapp.pagerduty import client
from webapp.pagerduty.accounts import connection_for, mark_auth_failure, note_vdp_service, validate_api_token
from webapp.public_urls import webhook_url
from webapp.webhooks.refusals import webhook_refusals
from webapp.webhooks.regenerate import stale_subscriptions
from webapp.webhooks.setup import ensure_events, subscriptions_to

log = logging.getLogger(__name__)
CHECKED_CODES = (
    "token_refused",
    "pagerduty_unreachable",
    "subscription_missing",
    "subscription_disabled",
    "no_signing_secret",
    "schedule_missing",
    "webhooks_refused",
    "subscription_stale",
)
REFUSED_MESSAGE = "PagerDuty's acknowledgements are being refused: the signing secret does not match"


def run_checks(org_id, connection, credentials, standing_codes):
    """Every check; returns the Finding list (the caller stores it). Stops early when PagerDuty refuses the token."""
    try:
        validate_api_token(credentials.api_token, credentials.region)
    except DomainError as error:
        return [_token_finding(org_id, error)]
    found = _services(org_id, credentials)
    found += _subscription(org_id, connection, credentials, "subscription_missing" in standing_codes)
    found += _stale(org_id, credentials)
    found += _schedule(org_id, credentials)
    refused = webhook_refusals(org_id)
    if refused:
        found.append(
            Finding(
                "webhooks_refused",
                f"{REFUSED_MESSAGE} ({refused} refused in the last hour)",
                "Create the subscription again from the Webhook tab (PagerBridge keeps its new secret), "
                "or paste the secret shown in PagerDuty.",
            )
        )
    return found


def _token_finding(org_id, error):
    reason = error.fields.get("api_token") or error.message
    if "HTTP 401" in reason or "HTTP 403" in reason:
        mark_auth_failure(org_id, reason)
        return Finding("token_refused", f"PagerDuty refused the API token ({reason})", "Reconnect with a new token.")
    return Finding(
        "pagerduty_unreachable",
        f"PagerDuty could not be checked ({reason})",
        "Nothing to do if it passes at the next check (every 5 minutes).",
    )


def _services(org_id, credentials):
    """Each configured service and its integration still exist (all services, 100 a call)."""
    configured = db.session.scalars(
        db.select(Service).filter_by(org_id=org_id, enabled=True).where(Service.integration_key.isnot(None))
    ).all()
    connection = connection_for(org_id)
    if not configured and not (connection and connection.integration_key):
        return []
    listed = client.paginate(credentials, "/services", "services", params={"include[]": "integrations"})
    note_vdp_service(org_id, listed)
    remote = {s["id"]: s for s in listed}
    for service in configured:
        item = remote.get(service.pd_id)
        if item is None:
            service.removed_at = service.removed_at or utcnow()
            continue  # the route-level finding names it (the resolver sees it gone)
        service.removed_at = None
        keys = {i.get("id"): i.get("integration_key") for i in item.get("integrations") or []}
        if service.integration_key in keys.values():
            if service.broken_at is not None:
                mark_sound(service)
            continue
        mark_broken(service, "its Events API v2 integration was deleted in PagerDuty")
    db.session.commit()
    return []  # a broken or gone service is named by the route-level finding, from the resolver


def _subscription(org_id, connection, credentials, was_missing):
    """The subscription exists and is on; a secret exists while it does."""
    secrets = db.session.scalar(
        db.select(db.func.count()).where(WebhookSecret.org_id == org_id, WebhookSecret.retired_at.is_(None))
    )
    subscription = None
    if connection.webhook_subscription_id:
        try:
            subscription = client.rest(
                credentials, "GET", f"/webhook_subscriptions/{connection.webhook_subscription_id}"
            )["webhook_subscription"]
        except client.PagerDutyError as error:
            if error.status != 404:
                raise
            connection.webhook_subscription_id, connection.subscription_owned = None, False
    if subscription is not None and _delivers_to(subscription) != _current_url(org_id):
        subscription = None  # it sends to an old URL of this org: _stale names it, and it is not ours any more
    if subscription is None:
        matches = subscriptions_to(credentials, webhook_url(db.session.get(Org, org_id)))
        subscription = matches[0] if matches else None
        if subscription is not None:
            connection.webhook_subscription_id = subscription["id"]
    if subscription is not None:
        try:
            subscription = ensure_events(credentials, subscription)  # older subscriptions lack the events F47 uses
        except client.PagerDutyError as error:  # the check itself must go on: the next run tries again
            log.warning("could not add event types to subscription %s: %s", subscription.get("id"), error)
    db.session.commit()
    if subscription is None:
        if not (secrets or was_missing):
            return []
        return [
            Finding(
                "subscription_missing",
                "PagerDuty has no webhook subscription to this org's URL: acknowledgements do not reach PagerBridge",
                "Webhook tab → Create subscription in PagerDuty.",
            )
        ]
    found = []
    method = subscription.get("delivery_method") or {}
    if subscription.get("active") is False or method.get("temporarily_disabled"):
        why = "switched off" if subscription.get("active") is False else "disabled by PagerDuty after failed deliveries"
        found.append(
            Finding(
                "subscription_disabled",
                f"the webhook subscription {subscription['id']} is {why}: acknowledgements do not reach PagerBridge",
                "Click Re-enable.",
            )
        )
    if not secrets:
        found.append(
            Finding(
                "no_signing_secret",
                "the webhook subscription exists but PagerBridge holds no signing secret: every webhook is refused",
                "Webhook tab → Create subscription (it replaces the subscription and keeps the new secret), "
                "or paste the secret.",
                "error",
            )
        )
    return found


def _delivers_to(subscription):
    return (subscription.get("delivery_method") or {}).get("url")


def _current_url(org_id):
    return webhook_url(db.session.get(Org, org_id))


def _stale(org_id, credentials):
    """Subscriptions of the account that still send to an old URL of this org (its URL was regenerated)."""
    listed = client.paginate(credentials, "/webhook_subscriptions", "webhook_subscriptions")
    return [
        Finding(
            "subscription_stale",
            f"PagerDuty's webhook subscription {s['id']} still sends to an old URL of this org, which refuses it",
            "Click Remove old subscriptions (PagerBridge deletes it in PagerDuty); "
            "Create subscription makes one to the current URL.",
            subject=s["id"],
        )
        for s in stale_subscriptions(org_id, listed)
    ]


def _schedule(org_id, credentials):
    """The on-call schedule of PagerDuty mode still exists."""
    oncall = db.session.get(OnCallSettings, org_id)
    if not (oncall and oncall.mode == "pagerduty" and oncall.schedule_id):
        return []
    if oncall.schedule_id in dict(list_schedules(credentials)):
        return []
    return [
        Finding(
            "schedule_missing",
            f"the on-call schedule {oncall.schedule_name or oncall.schedule_id} is gone from PagerDuty: "
            "on-call no longer follows it",
            "On-call settings → pick another schedule.",
        )
    ]
