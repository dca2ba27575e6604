"""What every page's layout needs: navigation, settings tabs, the PagerDuty badge, banners."""

from flask import current_app, request, url_for
from flask_login import current_user

MAIN_NAV = (
    ("Dashboard", "main.dashboard", False),
    ("Reports", "reports.index", False),
    ("Incidents", "incidents.index", False),
    ("On-call", "oncall.index", False),
    ("Settings", "connection.overview", True),
)
SETTINGS_TABS = (
    ("Overview", "connection.overview"),
    ("Alert rules", "alerts.rules"),
    ("Services", "routing.services"),
    ("Namespaces", "routing.namespaces"),
    ("Cloud resources", "routing.resources"),
    ("Route preview", "routing.preview"),
    ("SLA", "sla.policy"),
    ("On-call", "oncall.settings"),
    ("Webhook", "webhooks.settings"),
    ("Delivery log", "deliveries.index"),
    ("Users", "users.index"),
    ("API tokens", "tokens.index"),
    ("Import/export", "transfer.index"),
    ("Audit log", "audit.index"),
    ("Operations", "operations.index"),
)
BANNER_PROVIDERS = []


def register_banner(provider):
    """Add a function org_id -> [{"level", "message", "link"?}] whose banners show across the org's pages."""
    BANNER_PROVIDERS.append(provider)
    return provider


def _existing(endpoint):
    return endpoint in current_app.view_functions


def layout_context():
    """Template globals for base.html."""
    if not current_user.is_authenticated:
        return {"main_nav": (), "settings_tabs": (), "banners": ()}
    nav = [
        (label, endpoint)
        for label, endpoint, admin_only in MAIN_NAV
        if _existing(endpoint) and (current_user.is_admin or not admin_only)
    ]
    tabs = [(label, endpoint) for label, endpoint in SETTINGS_TABS if _existing(endpoint)]
    banners = [banner for provider in BANNER_PROVIDERS for banner in provider(current_user.org_id)]
    return {"main_nav": nav, "settings_tabs": tabs, "banners": banners, "active_endpoint": request.endpoint}


def url_if(endpoint, **values):
    """The URL of an endpoint, or '#' while that page does not exist yet."""
    return url_for(endpoint, **values) if _existing(endpoint) else "#"


def pagerduty_badge():
    """The org's connection badge, for the settings pages."""
    from webapp.connection.services import status_badge

    return status_badge(current_user.org_id)


def register_layout(app):
    """Install the context processor and globals."""
    app.context_processor(layout_context)
    app.jinja_env.globals.update(pagerduty_badge=pagerduty_badge, url_if=url_if)
    from webapp.formatting import register_filters

    register_filters(app)
