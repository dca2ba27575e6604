"""What every page's layout needs: navigation, the grouped settings navigation, the PagerDuty badge, banners."""

from flask import request
from flask_login import current_user

from webapp.connection.services import connection_banner
from webapp.formatting import register_filters
from webapp.health.badge import status_badge
from webapp.sla.services import war_room_banner

MAIN_NAV = (
    ("Dashboard", "main.dashboard", False),
    ("Reports", "reports.index", False),
    ("Incidents", "incidents.index", False),
    ("On-call", "oncall.index", False),
    ("Analytics", "analytics.index", False),
    ("Settings", "connection.overview", True),
)
# The settings pages in a few sections; a new page is one (label, endpoint) line in its section.
SETTINGS_NAV = (
    (
        "PagerDuty",
        (
            ("Overview", "connection.overview"),
            ("Alert rules", "alerts.rules"),
            ("Webhook", "webhooks.settings"),
            ("Delivery log", "deliveries.index"),
            ("Operations", "operations.index"),
        ),
    ),
    (
        "Routing",
        (
            ("Services", "routing.services"),
            ("Namespaces", "routing.namespaces"),
            ("Cloud resources", "routing.resources"),
            ("Route preview", "routing.preview"),
        ),
    ),
    (
        "Response",
        (
            ("SLA", "sla.policy"),
            ("On-call", "oncall.settings"),
        ),
    ),
    (
        "Organisation",
        (
            ("Users", "users.index"),
            ("API tokens", "tokens.index"),
            ("Import/export", "transfer.index"),
            ("Audit log", "audit.index"),
        ),
    ),
)
# Functions org_id -> [{"level", "message", "kind", "link"?, "link_label"?}]: what every page of the org shows.
BANNER_PROVIDERS = (connection_banner, war_room_banner)


def layout_context():
    """Template globals for base.html."""
    if not current_user.is_authenticated:
        return {"main_nav": (), "settings_nav": (), "banners": ()}
    nav = [(label, endpoint) for label, endpoint, admin_only in MAIN_NAV if current_user.is_admin or not admin_only]
    banners = [banner for provider in BANNER_PROVIDERS for banner in provider(current_user.org_id)]
    return {
        "main_nav": nav,
        "active_nav": active_nav(request.endpoint),
        "settings_nav": SETTINGS_NAV,
        "banners": banners,
        "active_endpoint": request.endpoint,
    }


def active_nav(endpoint):
    """The main-navigation label a page belongs to: every settings page is under Settings, others by area."""
    if any(endpoint == page for _, pages in SETTINGS_NAV for _, page in pages):
        return "Settings"
    area = (endpoint or "").split(".")[0]
    return next((label for label, nav_endpoint, _ in MAIN_NAV if nav_endpoint.split(".")[0] == area), None)


def pagerduty_badge():
    """The org's connection badge, for the settings pages."""
    return status_badge(current_user.org_id)


def register_layout(app):
    """Install the context processor, globals and filters."""
    app.context_processor(layout_context)
    app.jinja_env.globals.update(pagerduty_badge=pagerduty_badge)
    register_filters(app)
