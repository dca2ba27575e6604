"""GET /metrics: 404 while METRICS_TOKEN is unset, 401 without the right bearer token."""

import hmac

from flask import abort, current_app, request
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from webapp.metrics import bp, collector


def _authorized(token):
    supplied = request.headers.get("Authorization", "")
    scheme, _, value = supplied.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


@bp.get("/metrics")
def metrics():
    """Prometheus text format, for a scraper holding METRICS_TOKEN."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    if not _authorized(token):
        return "Unauthorized: send Authorization: Bearer <METRICS_TOKEN>.\n", 401, {"WWW-Authenticate": "Bearer"}
    # generate_latest writes the classic 0.0.4 text format, which every Prometheus version reads.
    return collector.render(), 200, {"Content-Type": CONTENT_TYPE_PLAIN_0_0_4, "Cache-Control": "no-store"}
