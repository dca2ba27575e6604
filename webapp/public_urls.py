"""Absolute URLs under PUBLIC_URL (what PagerDuty and the CLI see), the same inside a request or outside one."""

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint, **values):
    """The full URL of `endpoint` under PUBLIC_URL, built from the route like url_for(..., _external=True)."""
    public = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(public.netloc, script_name=public.path or "/", url_scheme=public.scheme)
    return adapter.build(endpoint, values, force_external=True)


def webhook_url(org):
    """The org's webhook URL, for PagerDuty's v3 subscription."""
    return external_url("webhooks.receive", token=org.webhook_token)
