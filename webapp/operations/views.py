"""The Operations tab: one view, the full page or (for htmx polling) the live part."""

from flask import render_template
from flask_htmx import make_response
from flask_login import current_user

from webapp.extensions import htmx
from webapp.operations import bp, services
from webapp.tenancy import admin_required


@bp.get("/")
@admin_required
def index():
    """Liveness, queues, periodic jobs, PagerDuty answers, and the org's delivery charts."""
    context = {
        "system": services.system_status(),
        "deliveries": services.org_deliveries(current_user.org_id),
        "charts": services.delivery_charts(current_user.org_id),
    }
    template = "operations/_live.html" if htmx and htmx.target == "operations-live" else "operations/index.html"
    response = make_response(render_template(template, **context))
    response.headers["Vary"] = "HX-Request"
    return response
