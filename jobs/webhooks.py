"""Webhook jobs: drain the inbox, apply one stored delivery, sweep the ones no job applied."""

import logging

from webapp.queues import enqueue
from webapp.webhooks import inbox, services

log = logging.getLogger(__name__)


def process_receipt(receipt_id: int) -> str | None:
    """Apply webhook receipt `receipt_id` once."""
    outcome = services.apply_receipt(receipt_id)
    log.info("webhook receipt %s: %s", receipt_id, outcome)
    return outcome


def drain_inbox() -> int:
    """Apply the receipts waiting in the webhook inbox."""
    applied: int = inbox.drain()
    log.info("webhook inbox: %s applied", applied)
    return applied


def sweep_receipts() -> int:
    """Periodic: queue receipts that were stored but never applied."""
    ids: list[int] = list(services.unprocessed_ids())
    for receipt_id in ids:
        enqueue(process_receipt, receipt_id, queue="default")
    return len(ids)
