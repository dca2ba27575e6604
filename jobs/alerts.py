"""Alert delivery jobs: sweep what is due (the senders send; they also look every second by themselves)."""

import logging

from webapp.alerts import outbox

log = logging.getLogger(__name__)


def sweep():
    """Periodic: wake the senders when anything is due."""
    lines = outbox.sweep()
    log.info("sweep: %s", "; ".join(lines))
    return lines
