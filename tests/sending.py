"""Send one delivery in the test process the way a sender does: lease it (its slot taken) with the claim's RETURNING,
then `send_leased` on that row."""

import uuid
from datetime import timedelta

from sqlalchemy import update

from webapp.alerts.claiming import claim_rows, claimed_columns
from webapp.alerts.sender import send_leased
from webapp.extensions import db
from webapp.models import Delivery
from webapp.models.types import utcnow


def lease_row(delivery_id, owner="test-sender"):
    """Lease `delivery_id` as a sender's claim would, holding its pace slot now; returns (the row as the claim
    returns it, the lease token)."""
    token, now = uuid.uuid4().hex, utcnow()
    row = (
        db.session.connection()
        .execute(
            update(Delivery)
            .where(Delivery.id == delivery_id)
            .values(lease_token=token, lease_until=now + timedelta(seconds=60), lease_owner=owner, slot_at=now)
            .returning(*claimed_columns())
        )
        .one()
    )
    db.session.commit()
    return row, token


def lease(delivery_id, owner="test-sender"):
    """Lease `delivery_id` as a sender's claim would, holding its pace slot now; returns the token."""
    return lease_row(delivery_id, owner)[1]


def claimed_ids(limit, org_limit, owner=None, take_over_silent=True):
    """The ids a sender's claim leases now, in the order it would start them."""
    return [row.id for row, _ in claim_rows(limit, org_limit, owner, take_over_silent)]


def send_now(delivery_id, writer=None):
    """Lease and send one delivery now; returns the outcome ("delivered", "retrying", "paused"...)."""
    outcome, _due = send_leased(*lease_row(delivery_id), writer)
    db.session.expire_all()
    return outcome
