"""Alert delivery jobs: sweep what is due (the senders send; they also look every second by themselves)."""

import logging

from webapp.alerts import liveness, outbox

log = logging.getLogger(__name__)


def sweep() -> list[str]:
    """Periodic: wake the senders when anything is due; forget senders dead for an hour."""
    lines: list[str] = outbox.sweep()
    liveness.forget_dead()
    log.info("sweep: %s", "; ".join(lines))
    return lines
