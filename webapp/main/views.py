"""The dashboard, and /healthz and /readyz for the platform."""

from flask import jsonify, render_template
from flask_login import current_user, login_required

from webapp.alerts import events
from webapp.extensions import csrf
from webapp.main import bp, services
from webapp.main.checklist import setup_checklist


@bp.get("/")
@login_required
def dashboard():
    """The org's overview."""
    steps = setup_checklist(current_user.org_id) if current_user.is_admin else []
    return render_template(
        "main/dashboard.html", summary=services.dashboard_summary(current_user.org_id), checklist=steps
    )


@bp.app_template_global("current_route")
def current_route(subject):
    """Where an alert about a report or incident goes now, and why, and whether it would be paused or filtered out
    (the item pages show it)."""
    from webapp.models import Incident
    from webapp.routing.resolve import outlook

    incident = subject if isinstance(subject, Incident) else None
    return outlook(subject.org_id, events.current_route(subject), incident)


@bp.get("/healthz")
@csrf.exempt
def healthz():
    """The process is up."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The database and Redis are reachable; 503 otherwise."""
    checks = services.readiness()
    ready = all(ok for ok, _ in checks.values())
    body = {
        "status": "ready" if ready else "unavailable",
        "checks": {name: detail for name, (ok, detail) in checks.items()},
    }
    return jsonify(body), 200 if ready else 503
