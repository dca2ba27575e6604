"""Send one delivery in the test process, the way a sender does: lease it, then `send_claimed` (its slot taken)."""

import uuid
from datetime import timedelta

from sqlalchemy import update

from webapp.alerts.sender import send_claimed
from webapp.extensions import db
from webapp.models import Delivery
from webapp.models.types import utcnow


def lease(delivery_id, owner="test-sender"):
    """Lease `delivery_id` as a sender's claim would, holding its pace slot now; returns the token."""
    token, now = uuid.uuid4().hex, utcnow()
    db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(lease_token=token, lease_until=now + timedelta(seconds=60), lease_owner=owner, slot_at=now)
    )
    db.session.commit()
    return token


def send_now(delivery_id):
    """Lease and send one delivery now; returns the outcome ("delivered", "retrying", "paused"...)."""
    outcome, _due = send_claimed(delivery_id, lease(delivery_id))
    db.session.expire_all()
    return outcome
