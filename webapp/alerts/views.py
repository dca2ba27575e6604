"""Settings → PagerDuty → Alert rules: VDP events, incident notifications, severity mapping."""

from typing import Any

from flask import Response, render_template, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from webapp.alerts import bp
from webapp.alerts.forms import NotificationsForm, rule_form
from webapp.extensions import db
from webapp.hx import respond
from webapp.orgs import alert_rules as rules
from webapp.tenancy import admin_required


def _notifications_form(org_id: int, formdata: MultiDict[str, str] | None = None) -> NotificationsForm:
    data = {
        **rules.incident_notifications(org_id),
        **{f"map_{k}": v for k, v in rules.severity_mapping(org_id).items()},
        "auto_resolve_reports": rules.auto_resolve_reports(org_id),
        "include_sensitive_details": rules.include_sensitive_details(org_id),
    }
    return NotificationsForm(formdata=formdata, data=data)


def _page(org_id: int) -> dict[str, Any]:
    return {
        "rule_forms": [
            (name, RULE, rule_form(name, rule))
            for (name, rule), RULE in zip(rules.alert_rules(org_id).items(), rules.RULE_EVENTS.values(), strict=False)
        ],
        "notifications_form": _notifications_form(org_id),
    }


@bp.get("/", endpoint="rules")
@admin_required
def rules_page() -> str:
    """The Alert rules tab."""
    return render_template("alerts/rules.html", **_page(current_user.org_id))


@bp.post("/rules/<name>")
@admin_required
def save_rule(name: str) -> Response:
    """Save one event's toggle and severity (its Save button; htmx, with a toast)."""
    if name not in rules.RULE_EVENTS:
        return respond("", 404, "danger", "Unknown rule.")
    form = rule_form(name, rules.rule_for(current_user.org_id, name), formdata=request.form)
    if not form.validate():
        return respond(render_template("alerts/_rule.html", name=name, info=rules.RULE_EVENTS[name], form=form), 422)
    rules.save_alert_rules(current_user.org_id, {name: {"enabled": form.enabled.data, "severity": form.severity.data}})
    db.session.commit()
    label = rules.RULE_EVENTS[name][0]
    state = "on" if form.enabled.data else "off"
    body = render_template("alerts/_rule.html", name=name, info=rules.RULE_EVENTS[name], form=form)
    return respond(body, message=f"{label}: {state}, {form.severity.data}.")


@bp.post("/notifications")
@admin_required
def save_notifications() -> Response:
    """Save incident notifications, severity mapping and the report toggles."""
    form = _notifications_form(current_user.org_id, formdata=request.form)
    if not form.validate():
        return respond(render_template("alerts/_notifications.html", notifications_form=form), 422)
    org_id = current_user.org_id
    rules.save_notifications(
        org_id,
        {
            "kubernetes": form.kubernetes.data,
            "cloud": form.cloud.data,
            "skip_transient": form.skip_transient.data,
            "min_severity": form.min_severity.data,
        },
    )
    rules.save_severity_mapping(org_id, {k: getattr(form, f"map_{k}").data for k in rules.INCIDENT_SEVERITY_ORDER})
    rules.save_auto_resolve(org_id, form.auto_resolve_reports.data)
    rules.save_sensitive_details(org_id, form.include_sensitive_details.data)
    db.session.commit()
    return respond(
        render_template("alerts/_notifications.html", notifications_form=form), message="Severity filtering saved."
    )
