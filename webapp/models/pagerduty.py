"""The org's PagerDuty side: connection, services, webhook secrets and receipts, background runs."""

from webapp.extensions import db
from webapp.models.types import EncryptedText, UTCDateTime, utcnow

CONNECTION_METHODS = ("api_token", "routing_key")
CONNECTION_STATES = ("connected", "error", "disconnected")
REGIONS = ("us", "eu")


class Connection(db.Model):
    """An org's PagerDuty connection; one row per org, kept when disconnected so rules and routes survive."""

    __tablename__ = "pagerduty_connections"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False, unique=True)
    method = db.Column(db.String(16), nullable=False, default="api_token")
    region = db.Column(db.String(2), nullable=False, default="us")
    state = db.Column(db.String(16), nullable=False, default="disconnected")
    api_token = db.Column(EncryptedText)
    integration_key = db.Column(EncryptedText)
    routing_key = db.Column(EncryptedText)
    service_name = db.Column(db.String(200))
    account_email = db.Column(db.String(254))
    account_summary = db.Column(db.String(200))
    last_error = db.Column(db.Text)
    last_error_at = db.Column(UTCDateTime)
    connected_at = db.Column(UTCDateTime)
    webhook_subscription_id = db.Column(db.String(32))
    last_webhook_at = db.Column(UTCDateTime)
    last_webhook_outcome = db.Column(db.String(200))
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    @property
    def is_connected(self):
        return self.state == "connected"

    @property
    def uses_api_token(self):
        return self.method == "api_token"


class WebhookSecret(db.Model):
    """A v3 webhook signing secret; up to two are active while a rotation is under way."""

    __tablename__ = "webhook_secrets"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False, index=True)
    secret = db.Column(EncryptedText, nullable=False)
    source = db.Column(db.String(16), nullable=False, default="manual")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    retired_at = db.Column(UTCDateTime)


class WebhookReceipt(db.Model):
    """A verified webhook delivery, stored once per X-Webhook-Id so retries have one effect."""

    __tablename__ = "webhook_receipts"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    webhook_id = db.Column(db.String(100), nullable=False)
    event_type = db.Column(db.String(100), nullable=False, default="")
    pd_incident_id = db.Column(db.String(32))
    body = db.Column(db.JSON, nullable=False)
    outcome = db.Column(db.String(200))
    received_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    processed_at = db.Column(UTCDateTime)
    # Applying failed this many times; at the limit the receipt is quarantined (kept, shown, retryable by hand).
    attempts = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    last_error = db.Column(db.String(500))
    quarantined_at = db.Column(UTCDateTime)

    __table_args__ = (db.UniqueConstraint("org_id", "webhook_id", name="uq_webhook_receipts_org_webhook"),)


class Service(db.Model):
    """A PagerDuty service imported by Sync Services; enabled ones carry an Events API v2 key."""

    __tablename__ = "pagerduty_services"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False, index=True)
    pd_id = db.Column(db.String(32), nullable=False)
    name = db.Column(db.String(255), nullable=False)
    description = db.Column(db.Text)
    html_url = db.Column(db.String(500))
    pd_status = db.Column(db.String(32))
    enabled = db.Column(db.Boolean, nullable=False, default=False)
    integration_id = db.Column(db.String(32))
    integration_key = db.Column(EncryptedText)
    is_default = db.Column(db.Boolean, nullable=False, default=False)
    is_vdp = db.Column(db.Boolean, nullable=False, default=False)
    removed_at = db.Column(UTCDateTime)
    synced_at = db.Column(UTCDateTime)

    __table_args__ = (
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


class JobRun(db.Model):
    """A user-started background run (Sync Services, Test Connection) whose progress a page polls."""

    __tablename__ = "job_runs"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = db.Column(db.String(32), nullable=False)
    status = db.Column(db.String(16), nullable=False, default="queued")
    progress = db.Column(db.Integer, nullable=False, default=0)
    total = db.Column(db.Integer)
    message = db.Column(db.Text)
    started_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    finished_at = db.Column(UTCDateTime)

    @property
    def is_finished(self):
        return self.status in ("done", "failed")
