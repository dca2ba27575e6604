"""The audit log page."""

from flask import render_template, request
from flask_login import current_user

from webapp.audit import bp, services
from webapp.tenancy import admin_required


@bp.get("/")
@admin_required
def index():
    """List the org's settings changes, newest first."""
    page = services.entries_for_org(current_user.org_id, request.args.get("page", 1, type=int))
    return render_template("audit/index.html", page=page)
