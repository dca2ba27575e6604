"""The audit log page."""

from flask import render_template, request
from flask_login import current_user

from webapp.audit import bp, display, services
from webapp.tenancy import admin_required


@bp.get("/")
@admin_required
def index():
    """List the org's settings changes, newest first."""
    page = services.entries_for_org(current_user.org_id, request.args.get("page", 1, type=int))
    names = display.service_names(current_user.org_id)
    return render_template("audit/index.html", page=page, describe=lambda detail: display.describe(detail, names))
