"""The audit log page."""

from flask import render_template, request

from webapp.audit import bp, services
from webapp.tenancy import admin_required, current_org_id


@bp.get("/")
@admin_required
def index():
    """List the org's settings changes, newest first."""
    page = services.entries_for_org(current_org_id(), request.args.get("page", 1, type=int))
    return render_template("audit/index.html", page=page)
