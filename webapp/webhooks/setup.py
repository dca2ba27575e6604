"""Webhook setup: create the PagerDuty subscription, paste or rotate secrets, regenerate the URL."""

from webapp.audit.services import record
from webapp.connection.services import add_signing_secret, connection_for, credentials_for
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.models import Org, WebhookSecret
from webapp.models.org import new_webhook_token
from webapp.models.types import utcnow
from webapp.pagerduty import client
from webapp.public_urls import webhook_url

SUBSCRIBED_EVENTS = ["incident.acknowledged", "incident.resolved", "incident.reopened", "incident.annotated"]


def create_subscription(org_id, url=None):
    """Create the v3 subscription in PagerDuty and keep the secret it returns (only that answer carries it)."""
    connection = connection_for(org_id)
    if connection is None or connection.state != "connected" or connection.method != "api_token":
        raise DomainError("Creating the subscription needs a working API-token connection; paste a secret instead.")
    org = db.session.get(Org, org_id)
    body = {
        "webhook_subscription": {
            "type": "webhook_subscription",
            "description": f"PagerBridge ({org.slug})",
            "events": SUBSCRIBED_EVENTS,
            "delivery_method": {"type": "http_delivery_method", "url": url or webhook_url(org)},
            "filter": {"type": "account_reference"},
        }
    }
    try:
        created = client.rest(credentials_for(org_id), "POST", "/webhook_subscriptions", json=body)
    except client.PagerDutyError as error:
        raise DomainError(f"PagerDuty did not create the subscription: {error.message}") from None
    subscription = created["webhook_subscription"]
    secret = (subscription.get("delivery_method") or {}).get("secret")
    if not secret:
        raise DomainError("PagerDuty created the subscription but returned no signing secret.")
    connection.webhook_subscription_id = subscription.get("id")
    add_signing_secret(org_id, secret, "pagerduty")
    record(org_id, "webhook.subscription_created", {"subscription_id": subscription.get("id")})
    db.session.commit()
    return subscription


def paste_secret(org_id, secret):
    """The manual path: store a signing secret copied from PagerDuty."""
    secret = (secret or "").strip()
    if len(secret) < 8:
        raise DomainError("Paste the signing secret from the PagerDuty subscription.", fields={"secret": "too short"})
    add_signing_secret(org_id, secret, "manual")
    db.session.commit()


def retire_secret(org_id, secret_id):
    """End a secret's use (after a rotation)."""
    secret = db.session.get(WebhookSecret, secret_id)
    if secret is None or secret.org_id != org_id or secret.retired_at is not None:
        raise DomainError("No such active secret.", status=404, code="not_found")
    secret.retired_at = utcnow()
    record(org_id, "webhook.secret_retired", {"secret_id": secret_id})
    db.session.commit()


def regenerate_token(org_id):
    """A new webhook URL; the old one stops working at once."""
    org = db.session.get(Org, org_id)
    org.webhook_token = new_webhook_token()
    record(org_id, "webhook.url_regenerated", {})
    db.session.commit()
    return org


def active_secret_rows(org_id):
    """Active secrets, newest first."""
    return db.session.scalars(
        db.select(WebhookSecret).filter_by(org_id=org_id, retired_at=None).order_by(WebhookSecret.id.desc())
    ).all()
