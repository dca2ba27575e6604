"""Settings → PagerDuty → SLA: the policy form; and the war-room banner across the org's pages."""

from flask import render_template, request
from flask_login import current_user

from webapp.extensions import db
from webapp.hx import respond
from webapp.models.report import REPORT_SEVERITIES
from webapp.sla import bp
from webapp.sla.policy import sla_policy
from webapp.sla.services import policy_errors, save_policy
from webapp.tenancy import admin_required


def _parse(form):
    def number(text):
        try:
            return float(text)
        except (TypeError, ValueError):
            return text

    by_hours = form.get("at_risk_mode") == "hours"
    return {
        "hours": {s: number(form.get(f"hours-{s}")) for s in REPORT_SEVERITIES},
        "at_risk_percent": number(form.get("at_risk_percent")),
        "at_risk_hours": number(form.get("at_risk_hours")) if by_hours else None,
    }


@bp.get("/", endpoint="policy")
@admin_required
def policy_page():
    """The SLA policy form."""
    return render_template(
        "sla/policy.html", policy=sla_policy(current_user.org_id), errors={}, severities=REPORT_SEVERITIES
    )


@bp.post("/")
@admin_required
def save():
    """Validate and save (htmx, with a toast); errors stand next to their fields."""
    value = _parse(request.form)
    errors = policy_errors(value)
    if errors:
        return respond(
            render_template("sla/_form.html", policy=value, errors=errors, severities=REPORT_SEVERITIES), 422
        )
    save_policy(current_user.org_id, value)
    db.session.commit()
    body = render_template(
        "sla/_form.html", policy=sla_policy(current_user.org_id), errors={}, severities=REPORT_SEVERITIES
    )
    return respond(body, message="SLA policy saved; deadlines updated.")
