"""Settings → PagerDuty → Overview: connect, test, disconnect."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.alerts import rules
from webapp.connection import bp, services, testing
from webapp.connection.forms import ConnectForm
from webapp.crypto import mask
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.htmx import STOP_POLLING, redirect_to, render, respond, wants_fragment
from webapp.models import JobRun
from webapp.public_urls import webhook_url
from webapp.tenancy import admin_required, get_in_org


def overview_context(form=None):
    """What the overview page shows."""
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
    return render_template("connection/_connect_form.html", form=form)


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
        return render(
            "connection/overview.html",
            "connection/_connect_form.html",
            "connect-form",
            status=422,
            **overview_context(form),
        )
    if not wants_fragment("connect-form"):
        flash("PagerDuty is connected.", "success")
        return redirect(url_for(".overview"))
    # In place: the card shows the new connection, the badge and banners follow out of band.
    body = render_template("connection/_card.html", **overview_context(ConnectForm(formdata=None)))
    body += render_template("_chrome.html")
    return respond(body, message="PagerDuty is connected.", retarget="#connection-card", reswap="outerHTML")


@bp.post("/test")
@admin_required
def start_test():
    """Start Test Connection; the returned component polls until the test is done."""
    try:
        run = testing.start_test(current_user.org_id)
    except DomainError as error:
        return render_template("connection/_test_result.html", run=None, error=error.message)
    return render_template("connection/_test_result.html", run=run, error=None)


@bp.get("/test/<int:run_id>")
@admin_required
def test_status(run_id):
    """The test's progress; once it is finished, 286 stops the polling and the badge and banners follow."""
    run = get_in_org(JobRun, current_user.org_id, run_id, "test")
    db.session.refresh(run)
    body = render_template("connection/_test_result.html", run=run, error=None)
    if run.is_finished:
        return respond(body, STOP_POLLING, "success" if run.status == "done" else "danger", run.message)
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
    return redirect_to(url_for(".overview"))


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
