"""Optional error reporting to Sentry (Flask and RQ integrations), on only when SENTRY_DSN is set."""

from webapp.config import sentry_settings
from webapp.logs import WEBHOOK_PATH


def scrub_event(event, _hint=None):
    """Sentry's own scrubbing drops cookies and auth headers; the webhook URL's token is ours to mask."""
    request = event.get("request") or {}
    if isinstance(request.get("url"), str):
        request["url"] = WEBHOOK_PATH.sub(r"\1[redacted]", request["url"])
    request.pop("data", None)  # bodies may hold reports' details or PagerDuty payloads
    return event


def init_error_reporting(process_name, env=None):
    """Start Sentry for this process when SENTRY_DSN is set; returns whether it did."""
    settings = sentry_settings() if env is None else sentry_settings(env)
    if settings is None:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.rq import RqIntegration

    sentry_sdk.init(
        dsn=settings.dsn,
        integrations=[FlaskIntegration(), RqIntegration()],
        environment=settings.environment,
        server_name=process_name,
        send_default_pii=False,
        before_send=scrub_event,
    )
    return True
