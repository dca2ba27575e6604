"""Alert delivery jobs: send one delivery (a redelivery, outside the engines), sweep what is due."""

import logging

from rq import get_current_job

from webapp.alerts import outbox, sender

log = logging.getLogger(__name__)


def send_delivery(delivery_id: int, slot_reserved: bool = False) -> str:
    """Send delivery `delivery_id` to PagerDuty (claimed with a lease, so duplicates of this job are harmless)."""
    outcome: str = sender.send_delivery(delivery_id, slot_reserved)
    job = get_current_job()
    log.info("job %s delivery %s: %s", job.id if job else "-", delivery_id, outcome)
    return outcome


def sweep() -> list[str]:
    """Periodic: wake the delivery engines when anything is due (they also look every second by themselves)."""
    lines: list[str] = outbox.sweep()
    log.info("sweep: %s", "; ".join(lines))
    return lines
