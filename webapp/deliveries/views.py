"""Settings → PagerDuty → Delivery log: every call to PagerDuty, filtered, self-refreshing, redeliverable."""

from flask import request
from flask_login import current_user

from webapp.deliveries import bp, services
from webapp.errors import DomainError
from webapp.hx import STOP_POLLING, act, render, wants_fragment
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
    """The log; its rows poll while a delivery is in flight, and a 286 stops them once none is."""
    filters = _filters()
    try:
        page = services.page_of(current_user.org_id, request.args.get("page", 1, type=int), **filters)
    except DomainError:
        filters, page = {}, services.page_of(current_user.org_id)
    polling = services.any_in_flight(current_user.org_id)
    status = STOP_POLLING if wants_fragment("delivery-rows") and not polling else 200
    return render(
        "deliveries/index.html",
        "deliveries/_rows.html",
        "delivery-rows",
        status=status,
        page=page,
        filters=filters,
        polling=polling,
        statuses=DELIVERY_STATUSES,
        actions=DELIVERY_ACTIONS,
    )


@bp.post("/<id:delivery_id>/redeliver")
@admin_required
def redeliver(delivery_id):
    """Send a failed delivery again."""
    return act(
        lambda: services.redeliver(current_user.org_id, delivery_id),
        "Queued for redelivery.",
        events={"deliveriesChanged": True},
    )
