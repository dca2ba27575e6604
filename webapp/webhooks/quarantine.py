"""Webhooks that could not be applied: listed in the delivery log with their error, retried by hand."""

from collections.abc import Sequence

from webapp.errors import Conflict, NotFound
from webapp.extensions import db
from webapp.models import WebhookReceipt
from webapp.queues import enqueue_after_commit


def failing_receipts(org_id: int, limit: int = 50) -> Sequence[WebhookReceipt]:
    """The org's receipts that failed to apply at least once and are not applied yet, quarantined ones first."""
    return db.session.scalars(
        db.select(WebhookReceipt)
        .where(WebhookReceipt.org_id == org_id, WebhookReceipt.attempts > 0, WebhookReceipt.processed_at.is_(None))
        .order_by(WebhookReceipt.quarantined_at.is_(None), WebhookReceipt.id.desc())
        .limit(limit)
    ).all()


def retry(org_id: int, receipt_id: int) -> WebhookReceipt:
    """Apply a failing or quarantined receipt again, with its count of failures started afresh."""
    receipt = db.session.get(WebhookReceipt, receipt_id)
    if receipt is None or receipt.org_id != org_id:
        raise NotFound("No such webhook.")
    if receipt.processed_at is not None:
        raise Conflict("This webhook has been applied already.")
    receipt.attempts, receipt.last_error, receipt.quarantined_at, receipt.outcome = 0, None, None, None
    enqueue_after_commit("jobs.webhooks.process_receipt", receipt.id, queue="default")
    db.session.commit()
    return receipt
