"""Which settings pages a user may see: /settings and the 403 page both ask here."""

from flask import current_app

from webapp.extensions import db
from webapp.layout import SETTINGS_NAV
from webapp.models import User

MEMBER_PAGES = (
    ("Dashboard", "main.dashboard"),
    ("Reports", "reports.index"),
    ("Incidents", "incidents.index"),
    ("On-call", "oncall.index"),
    ("My account", "auth.account"),
)


def may_see(user, endpoint: str) -> bool:
    """The user may open the page at `endpoint` (members are kept from admin-only views)."""
    view = current_app.view_functions.get(endpoint)
    return view is not None and (user.is_admin or not getattr(view, "admin_only", False))


def first_settings_page(user) -> str:
    """The endpoint of the first settings page the user may see, else their own account page."""
    pages = (endpoint for _, section in SETTINGS_NAV for _, endpoint in section)
    return next((endpoint for endpoint in pages if may_see(user, endpoint)), "auth.account")


def admin_emails(org_id: int) -> list[str]:
    """The addresses of the org's admins: who can change a setting a member cannot."""
    query = db.select(User.email).filter_by(org_id=org_id, role="admin").order_by(User.email)
    return list(db.session.scalars(query))


def member_pages(user) -> list[tuple[str, str]]:
    """(label, endpoint) of the pages worth looking at instead of one the user may not open."""
    return [(label, endpoint) for label, endpoint in MEMBER_PAGES if may_see(user, endpoint)]
