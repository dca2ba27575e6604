"""Webhook jobs: apply a stored delivery; sweep the ones a job never applied."""
import logging

from webapp.queues import enqueue
from webapp.webhooks import services

log = logging.getLogger(__name__)


def process_receipt(receipt_id):
    """Apply webhook receipt `receipt_id` once."""
    outcome = services.process(receipt_id)
    log.info("webhook receipt %s: %s", receipt_id, outcome)
    return outcome


def sweep_receipts():
    """Periodic: queue receipts that were stored but never applied."""
    ids = services.unprocessed_ids()
    for receipt_id in ids:
        enqueue(process_receipt, receipt_id, queue="default")
    return len(ids)
