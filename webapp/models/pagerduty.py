"""The org's PagerDuty side: connection, services, webhook secrets and receipts."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.types import EncryptedText, OrgRecord, OrgScoped, UTCDateTime, org_index, utcnow
from webapp.models.vocabularies import ConnectionMethod, ConnectionState, Region, words

CONNECTION_METHODS = words(ConnectionMethod)
CONNECTION_STATES = words(ConnectionState)
REGIONS = words(Region)


class Connection(db.Model):
    """An org's PagerDuty connection; one row per org, kept when disconnected so rules and routes survive."""

    __tablename__ = "pagerduty_connections"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), unique=True)
    method: Mapped[str] = mapped_column(db.String(16), default="api_token")
    region: Mapped[str] = mapped_column(db.String(2), default="us")
    state: Mapped[str] = mapped_column(db.String(16), default="disconnected")
    api_token: Mapped[str | None] = mapped_column(EncryptedText)
    integration_key: Mapped[str | None] = mapped_column(EncryptedText)
    routing_key: Mapped[str | None] = mapped_column(EncryptedText)
    service_name: Mapped[str | None] = mapped_column(db.String(200))
    account_email: Mapped[str | None] = mapped_column(db.String(254))
    account_summary: Mapped[str | None] = mapped_column(db.String(200))
    last_error: Mapped[str | None] = mapped_column(db.Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    webhook_subscription_id: Mapped[str | None] = mapped_column(db.String(32))
    subscription_owned: Mapped[bool] = mapped_column(db.Boolean, default=False, server_default=db.false())
    last_webhook_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_webhook_outcome: Mapped[str | None] = mapped_column(db.String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_connected(self):
        return self.state == "connected"

    @property
    def uses_api_token(self):
        return self.method == "api_token"


class WebhookSecret(OrgRecord, db.Model):
    """A v3 webhook signing secret; up to two are active while a rotation is under way."""

    __tablename__ = "webhook_secrets"
    id: Mapped[int] = mapped_column(primary_key=True)
    secret: Mapped[str] = mapped_column(EncryptedText)
    source: Mapped[str] = mapped_column(db.String(16), default="manual")
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (org_index("webhook_secrets"),)


class WebhookReceipt(OrgScoped, db.Model):
    """A verified webhook delivery, stored once per X-Webhook-Id so retries have one effect."""

    __tablename__ = "webhook_receipts"
    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[str] = mapped_column(db.String(100))
    event_type: Mapped[str] = mapped_column(db.String(100), default="")
    pd_incident_id: Mapped[str | None] = mapped_column(db.String(32))
    body: Mapped[dict] = mapped_column(db.JSON)
    outcome: Mapped[str | None] = mapped_column(db.String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Applying failed this many times; at the limit the receipt is quarantined (kept, shown, retryable by hand).
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(db.String(500))
    quarantined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The signed body's event.id: the same signed event sent again under another X-Webhook-Id is one receipt.
    event_id: Mapped[str | None] = mapped_column(db.String(100))
    # How often the signed event came again under another webhook id (a replay), refused each time.
    replays: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = (
        db.UniqueConstraint("org_id", "webhook_id", name="uq_webhook_receipts_org_webhook"),
        db.UniqueConstraint("org_id", "event_id", name="uq_webhook_receipts_org_event"),
    )


class Service(OrgScoped, db.Model):
    """A PagerDuty service imported by Sync Services; enabled ones carry an Events API v2 key."""

    __tablename__ = "pagerduty_services"
    id: Mapped[int] = mapped_column(primary_key=True)
    pd_id: Mapped[str] = mapped_column(db.String(32))
    name: Mapped[str] = mapped_column(db.String(255))
    description: Mapped[str | None] = mapped_column(db.Text)
    html_url: Mapped[str | None] = mapped_column(db.String(500))
    pd_status: Mapped[str | None] = mapped_column(db.String(32))
    enabled: Mapped[bool] = mapped_column(db.Boolean, default=False)
    integration_id: Mapped[str | None] = mapped_column(db.String(32))
    integration_key: Mapped[str | None] = mapped_column(EncryptedText)
    is_default: Mapped[bool] = mapped_column(db.Boolean, default=False)
    is_vdp: Mapped[bool] = mapped_column(db.Boolean, default=False)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    broken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    broken_reason: Mapped[str | None] = mapped_column(db.Text)

    __table_args__ = (
        org_index("pagerduty_services"),
        db.UniqueConstraint("org_id", "pd_id", name="uq_pagerduty_services_org_pd"),
        db.Index(
            "uq_pagerduty_services_one_default",
            "org_id",
            unique=True,
            sqlite_where=db.text("is_default"),
            postgresql_where=db.text("is_default"),
        ),
        db.Index(
            "uq_pagerduty_services_one_vdp",
            "org_id",
            unique=True,
            sqlite_where=db.text("is_vdp"),
            postgresql_where=db.text("is_vdp"),
        ),
        db.Index("ix_pagerduty_services_org_name", "org_id", "name"),
    )
