"""The outbox: every call to PagerDuty, written in the transaction that causes it."""

from webapp.extensions import db
from webapp.models.types import EncryptedText, UTCDateTime, utcnow

DELIVERY_ACTIONS = ("trigger", "acknowledge", "resolve", "note", "test")
DELIVERY_STATUSES = ("pending", "delivered", "retrying", "paused", "failed", "cancelled", "no_route")
OPEN_DELIVERY_STATUSES = ("pending", "retrying", "paused")


class Delivery(db.Model):
    """One call to PagerDuty and its fate: target, attempts, next try, last response (secrets removed)."""

    __tablename__ = "deliveries"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    action = db.Column(db.String(16), nullable=False)
    event_type = db.Column(db.String(40), nullable=False)
    subject_type = db.Column(db.String(16))
    subject_id = db.Column(db.Integer)
    dedup_key = db.Column(db.String(255))
    severity = db.Column(db.String(16))
    priority = db.Column(db.Integer, nullable=False, default=0)
    target_kind = db.Column(db.String(16), nullable=False, default="events")
    target_label = db.Column(db.String(255))
    service_id = db.Column(db.Integer, db.ForeignKey("pagerduty_services.id", ondelete="SET NULL"))
    routing_key = db.Column(EncryptedText)
    route_reason = db.Column(db.Text)
    payload = db.Column(db.JSON, nullable=False, default=dict)
    status = db.Column(db.String(16), nullable=False, default="pending")
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(UTCDateTime, default=utcnow)
    lease_until = db.Column(UTCDateTime)
    lease_token = db.Column(db.String(32))
    # Which pace this delivery counts against (a hash of its key), and the paced slot it holds, if any.
    pace_group = db.Column(db.String(24))
    slot_at = db.Column(UTCDateTime)
    last_status_code = db.Column(db.Integer)
    last_response = db.Column(db.Text)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    delivered_at = db.Column(UTCDateTime)

    __table_args__ = (
        db.Index("ix_deliveries_org_created", "org_id", "created_at"),
        db.Index("ix_deliveries_due", "status", "next_attempt_at"),
        db.Index("ix_deliveries_org_dedup", "org_id", "dedup_key", "id"),
        db.Index("ix_deliveries_pace_group", "pace_group", "slot_at"),
    )
