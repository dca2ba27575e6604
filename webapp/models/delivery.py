"""The outbox: every call to PagerDuty, written in the transaction that causes it."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.types import EncryptedText, OrgRecord, UTCDateTime, utcnow
from webapp.models.vocabularies import WAITING_DELIVERY_STATUSES, DeliveryAction, DeliveryStatus, words

DELIVERY_ACTIONS = words(DeliveryAction)
DELIVERY_STATUSES = words(DeliveryStatus)
OPEN_DELIVERY_STATUSES = (*WAITING_DELIVERY_STATUSES, DeliveryStatus.PAUSED.value)


class Delivery(OrgRecord, db.Model):
    """One call to PagerDuty and its fate: target, attempts, next try, last response (secrets removed)."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(db.String(16))
    event_type: Mapped[str] = mapped_column(db.String(40))
    subject_type: Mapped[str | None] = mapped_column(db.String(16))
    subject_id: Mapped[int | None] = mapped_column(db.Integer)
    dedup_key: Mapped[str | None] = mapped_column(db.String(255))
    severity: Mapped[str | None] = mapped_column(db.String(16))
    priority: Mapped[int] = mapped_column(default=0)
    target_kind: Mapped[str] = mapped_column(db.String(16), default="events")
    target_label: Mapped[str | None] = mapped_column(db.String(255))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("pagerduty_services.id", ondelete="SET NULL"))
    routing_key: Mapped[str | None] = mapped_column(EncryptedText)
    route_reason: Mapped[str | None] = mapped_column(db.Text)
    payload: Mapped[dict] = mapped_column(db.JSON, default=dict)
    status: Mapped[str] = mapped_column(db.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_token: Mapped[str | None] = mapped_column(db.String(32))
    # The sender process holding the lease: its leases lapse as soon as it is seen dead (see webapp.alerts.liveness).
    lease_owner: Mapped[str | None] = mapped_column(db.String(64))
    # Set (durably) just before a note is posted and cleared with its outcome: a note found in doubt after a crash
    # is looked up in PagerDuty before it is posted again.
    in_doubt_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which pace this delivery counts against (a hash of its key), and the paced slot it holds, if any.
    pace_group: Mapped[str | None] = mapped_column(db.String(24))
    slot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(db.Integer)
    last_response: Mapped[str | None] = mapped_column(db.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        db.Index("ix_deliveries_org_created", "org_id", "created_at"),
        db.Index("ix_deliveries_due", "status", "next_attempt_at"),
        db.Index("ix_deliveries_org_dedup", "org_id", "dedup_key", "id"),
        db.Index("ix_deliveries_pace_group", "pace_group", "slot_at"),
    )


class Sender(db.Model):
    """One running sender process (`python -m jobs.sender`) and when it last said it was alive."""

    __tablename__ = "senders"
    name: Mapped[str] = mapped_column(db.String(64), primary_key=True)
    host: Mapped[str] = mapped_column(db.String(255))
    pid: Mapped[int] = mapped_column(db.Integer)
    in_flight: Mapped[int] = mapped_column(db.Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
