"""Bad-signature refusals of the webhook endpoint, counted in Redis for an hour: the health checks read the count."""

from redis.exceptions import RedisError

from webapp.queues import get_redis
from webapp.webhooks.credentials import org_and_secrets

REFUSALS_KEY = "pagerbridge:webhook-refusals:{}"
REFUSAL_WINDOW = 3600


def count_webhook_refusal(token: str) -> None:
    """The webhook endpoint refused a bad signature for a known URL: count it for an hour after the latest (one
    Redis round trip; the org comes from the endpoint's own cache)."""
    org_id, _ = org_and_secrets(token)
    if org_id is None:
        return
    key = REFUSALS_KEY.format(org_id)
    try:
        with get_redis().pipeline() as pipeline:
            pipeline.incr(key).expire(key, REFUSAL_WINDOW).execute()
    except RedisError:
        pass  # counting is best effort; the refusal itself stands


def webhook_refusals(org_id: int) -> int:
    """Bad-signature refusals in the hour up to the latest one (0 when none for an hour)."""
    return int(get_redis().get(REFUSALS_KEY.format(org_id)) or 0)
