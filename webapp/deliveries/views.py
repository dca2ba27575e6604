"""Settings → PagerDuty → Delivery log: every call to PagerDuty, filtered, self-refreshing, redeliverable."""

from flask import render_template, request
from flask_htmx import make_response
from flask_login import current_user

from webapp.deliveries import bp, services
from webapp.errors import DomainError
from webapp.extensions import htmx
from webapp.models.delivery import DELIVERY_ACTIONS, DELIVERY_STATUSES
from webapp.tenancy import admin_required


def _filters():
    return {
        "status": request.args.get("status") or None,
        "action": request.args.get("action") or None,
        "search": request.args.get("q") or None,
    }


@bp.get("/")
@admin_required
def index():
    """The log; htmx polls the rows fragment so it refreshes itself."""
    filters = _filters()
    try:
        page = services.page_of(current_user.org_id, request.args.get("page", 1, type=int), **filters)
    except DomainError:
        filters, page = {}, services.page_of(current_user.org_id)
    context = {"page": page, "filters": filters, "statuses": DELIVERY_STATUSES, "actions": DELIVERY_ACTIONS}
    template = "deliveries/_rows.html" if htmx and htmx.target == "delivery-rows" else "deliveries/index.html"
    response = make_response(render_template(template, **context))
    response.headers["Vary"] = "HX-Request"
    return response


@bp.post("/<id:delivery_id>/redeliver")
@admin_required
def redeliver(delivery_id):
    """Send a failed delivery again."""
    try:
        services.redeliver(current_user.org_id, delivery_id)
    except DomainError as error:
        return make_response(
            "",
            error.status if error.status != 404 else 404,
            trigger={"toast": {"level": "danger", "message": error.message}},
        )
    return make_response(
        "", 200, trigger={"toast": {"level": "success", "message": "Queued for redelivery."}, "deliveriesChanged": True}
    )
