"""The Operations tab: one view, the full page or (for htmx polling) the live part."""

from flask_login import current_user

from webapp.hx import render
from webapp.operations import bp, services
from webapp.tenancy import admin_required


@bp.get("/")
@admin_required
def index():
    """Liveness, queues, periodic jobs, PagerDuty answers, and the org's delivery charts."""
    system = services.system_status()
    operator = bool(current_user.is_operator)  # granted only by `flask users operator`
    context = {
        "operator": operator,
        "system": system if operator else services.org_view(system, current_user.org_id),
        "deliveries": services.org_deliveries(current_user.org_id),
        "charts": services.delivery_charts(current_user.org_id),
    }
    return render("operations/index.html", "operations/_live.html", "operations-live", **context)
