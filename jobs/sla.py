"""SLA jobs: the periodic evaluator."""

import logging

from webapp.sla.services import evaluate_all as evaluate

log = logging.getLogger(__name__)


def evaluate_all() -> list[str]:
    """Periodic: one pass of the SLA evaluator over every org."""
    lines: list[str] = evaluate()
    log.info("sla evaluator: %s", "; ".join(lines))
    return lines
