"""The dashboard, and /healthz and /readyz for the platform."""

from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required

from webapp.alerts import events
from webapp.extensions import csrf
from webapp.main import bp, services
from webapp.main.access import first_settings_page
from webapp.main.checklist import setup_checklist
from webapp.models import Incident
from webapp.routing.resolve import outlook


@bp.get("/")
@login_required
def dashboard():
    """The org's overview."""
    steps = setup_checklist(current_user.org_id) if current_user.is_admin else []
    return render_template(
        "main/dashboard.html", summary=services.dashboard_summary(current_user.org_id), checklist=steps
    )


@bp.get("/settings")
@bp.get("/settings/")
@login_required
def settings():
    """The first settings page this user may see (a member's own account page when none)."""
    return redirect(url_for(first_settings_page(current_user)))


@bp.app_template_global("current_route")
def current_route(subject):
    """Where an alert about a report or incident goes now, and why, and whether it would be paused or filtered out
    (the item pages show it)."""
    incident = subject if isinstance(subject, Incident) else None
    return outlook(subject.org_id, events.current_route(subject), incident)


@bp.get("/healthz")
@csrf.exempt
def healthz():
    """The process is up."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Ready exactly when the API takes alerts: the database answers (503 with Retry-After otherwise). Redis down
    is "degraded", still 200: the API stores alerts in the database and the senders find them by polling."""
    checks = services.readiness()
    database_ok, redis_ok = checks["database"][0], checks["redis"][0]
    status = "ready" if database_ok and redis_ok else "degraded" if database_ok else "unavailable"
    body = {"status": status, "checks": {name: detail for name, (ok, detail) in checks.items()}}
    if not database_ok:
        return jsonify(body), 503, {"Retry-After": "5"}
    return jsonify(body), 200
