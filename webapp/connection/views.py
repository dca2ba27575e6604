"""Settings → PagerDuty → Overview: connect, test, disconnect."""

from flask import flash, redirect, render_template, request, url_for
from flask_htmx import make_response
from flask_htmx.constants import HTMX_STOP_POLLING
from flask_login import current_user

from webapp.connection import bp, services, testing
from webapp.connection.forms import ConnectForm
from webapp.crypto import mask
from webapp.errors import DomainError
from webapp.extensions import db, htmx
from webapp.layout import register_banner
from webapp.models import JobRun
from webapp.tenancy import admin_required, get_in_org


def webhook_url(org):
    """The org's webhook URL for PagerDuty v3 subscriptions."""
    from flask import current_app

    return f"{current_app.config['PUBLIC_URL']}/webhooks/pagerduty/{org.webhook_token}"


def overview_context(form=None):
    """What the overview page shows."""
    from webapp.alerts import rules

    connection = services.connection_for(current_user.org_id)
    masked = {}
    if connection:
        masked = {name: mask(getattr(connection, name)) for name in ("api_token", "integration_key", "routing_key")}
    return {
        "connection": connection,
        "masked": masked,
        "form": form or ConnectForm(),
        "webhook_url": webhook_url(current_user.org),
        "notifications": rules.incident_notifications(current_user.org_id),
    }


@bp.get("/")
@admin_required
def overview():
    """The Overview tab."""
    return render_template("connection/overview.html", **overview_context())


@bp.get("/connect-form")
@admin_required
def connect_form():
    """The connect form for the chosen method (switched without a page load)."""
    form = ConnectForm(formdata=None, use_api_token=request.args.get("use_api_token") == "y")
    response = make_response(render_template("connection/_connect_form.html", form=form))
    response.headers["Vary"] = "HX-Request"
    return response


@bp.post("/connect")
@admin_required
def connect():
    """Validate and save the connection; on failure say why next to the field and save nothing."""
    form = ConnectForm()
    try:
        if form.use_api_token.data:
            services.connect_api_token(
                current_user.org_id,
                form.api_token.data,
                form.integration_key.data,
                form.signing_secret.data,
                form.region.data,
            )
        else:
            services.connect_routing_key(
                current_user.org_id, form.routing_key.data, form.service_name.data, form.region.data
            )
    except DomainError as error:
        for field, message in error.fields.items():
            if hasattr(form, field):
                getattr(form, field).errors = [message]
        form.form_errors.append(error.message)
        if htmx:
            return make_response(render_template("connection/_connect_form.html", form=form), 422)
        return render_template("connection/overview.html", **overview_context(form)), 422
    flash("PagerDuty is connected.", "success")
    if htmx:
        return make_response("", 200, redirect=url_for(".overview"))
    return redirect(url_for(".overview"))


@bp.post("/test")
@admin_required
def start_test():
    """Start Test Connection; the returned component polls until the test is done."""
    try:
        run = testing.start_test(current_user.org_id)
    except DomainError as error:
        return make_response(render_template("connection/_test_result.html", run=None, error=error.message), 200)
    return render_template("connection/_test_result.html", run=run, error=None)


@bp.get("/test/<id:run_id>")
@admin_required
def test_status(run_id):
    """The test's progress; 286 stops the polling once it is finished."""
    run = get_in_org(JobRun, run_id)
    db.session.refresh(run)
    body = render_template("connection/_test_result.html", run=run, error=None)
    if run.is_finished:
        trigger = {
            "toast": {"level": "success" if run.status == "done" else "danger", "message": run.message},
            "connectionChanged": True,
        }
        return make_response(body, HTMX_STOP_POLLING, trigger=trigger)
    return body


@bp.post("/disconnect")
@admin_required
def disconnect():
    """Disconnect (the page asks first): alerts stop at once."""
    try:
        cancelled = services.disconnect(current_user.org_id)
    except DomainError as error:
        flash(error.message, "warning")
    else:
        flash(
            f"PagerDuty is disconnected; {cancelled} pending alerts were cancelled. Rules and routes are kept.", "info"
        )
    if htmx:
        return make_response("", 200, redirect=url_for(".overview"))
    return redirect(url_for(".overview"))


@register_banner
def paused_banner(org_id):
    """A banner on every page while PagerDuty refuses our credentials."""
    badge = services.status_badge(org_id)
    if badge["state"] != "error":
        return []
    return [
        {
            "level": "danger",
            "kind": "connection",
            "link": url_for("connection.overview"),
            "link_label": "Reconnect",
            "message": f"PagerDuty refused our credentials ({badge['error']}). "
            "Alerts are paused and kept; reconnect to send them.",
        }
    ]
