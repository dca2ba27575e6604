"""Settings → PagerDuty → Overview: connect, test, disconnect."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp import jobruns
from webapp.alerts.unsent import page_unsent as page
from webapp.connection import bp, lifecycle, outcomes, services, switching
from webapp.connection.forms import ConnectForm
from webapp.crypto import mask
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.findings.services import findings
from webapp.health.services import last_check, start_check
from webapp.hx import STOP_POLLING, current_url, redirect_to, render, respond, wants_fragment
from webapp.models import JobRun
from webapp.orgs import alert_rules as rules
from webapp.public_urls import webhook_url
from webapp.routing import services as routing_services
from webapp.tenancy import admin_required
from webapp.webhooks import regenerate, setup
from webapp.webhooks.views import state_context

RUN_KINDS = (
    "health_check",
    "restore_routes",
    "disconnect",
    "webhook_subscribe",
    "webhook_enable",
    "webhook_move",
    "webhook_remove_stale",
)


@bp.app_template_global("run_level")
def run_level_global(run):
    """The level a finished run's result is styled with (templates)."""
    return outcomes.run_level(run)


def overview_context(form=None):
    """What the overview page shows."""
    connection = services.connection_for(current_user.org_id)
    form = form or ConnectForm()
    masked = {}
    if connection:
        masked = {name: mask(getattr(connection, name)) for name in ("api_token", "integration_key", "routing_key")}
    return {
        "connection": connection,
        "masked": masked,
        "form": form,
        "webhook_url": webhook_url(current_user.org),
        "notifications": rules.incident_notifications(current_user.org_id),
        "switch_warning": switching.switch_warning(current_user.org_id, bool(form.use_api_token.data)),
        **health_context(),
    }


def health_context():
    """The health panel: standing findings, the last check, and a background run while it works (once finished, its
    result was a toast and the findings are the live state: an old result never stands above them)."""
    org_id = current_user.org_id
    latest = db.session.scalar(
        db.select(JobRun).where(JobRun.org_id == org_id, JobRun.kind.in_(RUN_KINDS)).order_by(JobRun.id.desc()).limit(1)
    )

    return {
        "connection": services.connection_for(org_id),
        "findings": findings(org_id),
        "last_check": last_check(org_id),
        "latest_run": latest if latest is not None and not latest.is_finished else None,
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
    warning = switching.switch_warning(current_user.org_id, bool(form.use_api_token.data))
    return render_template("connection/_connect_form.html", form=form, switch_warning=warning)


@bp.post("/connect")
@admin_required
def connect():
    """Validate and save the connection; on failure say why next to the field and save nothing."""
    form = ConnectForm()
    try:
        if not form.validate():  # lengths from the columns, the region from its choices
            raise DomainError(
                "Connection failed: fix the fields marked below.",
                {name: errors[0] for name, errors in form.errors.items() if errors},
            )
        restore = None
        if form.use_api_token.data:
            restore = services.connect_api_token(
                current_user.org_id,
                form.api_token.data,
                form.integration_key.data,
                form.signing_secret.data,
                form.region.data,
            ).restore_run
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
    # In place: the card shows the new connection, the badge and banners follow out of band, and so does the health
    # panel with the restore-routes run of a reconnect polling: however fast the worker is, its outcome is a toast.
    body = render_template("connection/_card.html", **overview_context(ConnectForm(formdata=None)))
    body += render_template("_chrome.html")
    if restore is not None:
        panel = {**health_context(), "latest_run": restore, "poll_once": True}
        body += render_template("connection/_health.html", panel_oob=True, **panel)
    return respond(
        body,
        message="PagerDuty is connected.",
        events={"connectionChanged": True},
        retarget="#connection-card",
        reswap="outerHTML",
    )


@bp.post("/test")
@admin_required
def start_test():
    """Start Test Connection; the returned component polls until the test is done."""
    return jobruns.started(
        routing_services.start_test, current_user.org_id, "connection/_test_result.html", test_status
    )


@bp.get("/test/<id:run_id>")
@admin_required
def test_status(run_id):
    """The test's progress; once it is finished, 286 stops the polling and the badge, banners and the health panel
    follow (a test that resumed paused alerts leaves no "alerts are paused" behind)."""
    return jobruns.polled(
        current_user.org_id,
        run_id,
        "connection/_test_result.html",
        "test",
        {"connectionChanged": True},
        outcomes.run_level,
    )


@bp.post("/disconnect")
@admin_required
def disconnect():
    """Disconnect (the page asks first): alerts stop at once; PagerDuty's side is cleaned up by a job."""
    try:
        cancelled, _run = services.disconnect(current_user.org_id)
    except DomainError as error:
        flash(error.message, "warning")
    else:
        flash(
            f"PagerDuty is disconnected; {cancelled} pending alerts were cancelled. "
            "Services, the default and every route are kept for a reconnect.",
            "info",
        )
    return redirect_to(url_for(".overview"))


@bp.get("/health")
@admin_required
def health():
    """The health panel alone (reloaded when a run finishes), with the badge out of band."""
    return render_template("connection/_health.html", **health_context()) + render_template(
        "settings/_badge.html", oob=True
    )


@bp.post("/health/<action>")
@admin_required
def health_action(action):
    """Check now, Repair routes, Re-enable, Create subscription: each a job whose progress the panel shows."""
    starters = {
        "remove_stale": regenerate.start_removal,
        "check": start_check,
        "repair": lifecycle.start_repair,
        "enable": lambda org_id: setup.start(org_id, "enable"),
        "subscribe": lambda org_id: setup.start(org_id, "subscribe"),
    }
    if action not in starters:
        return respond("", 404, "danger", "No such action.")
    return jobruns.started(starters[action], current_user.org_id, "connection/_run.html", run_status)


@bp.post("/unsent/page")
@admin_required
def page_unsent():
    """Page N open alerts now: the alerts raised while disconnected go out through today's routes (queued)."""
    try:
        count = page(current_user.org_id)
    except DomainError as error:
        return respond("", 200, "warning", error.message)
    return respond("", 200, "success", f"{count} open alerts queued for PagerDuty.", events={"connectionChanged": True})


@bp.get("/runs/<id:run_id>")
@admin_required
def run_status(run_id):
    """A background run's progress; 286 stops the polling once it is finished, and the panel reloads."""
    # Finished, the live state comes out of band in the same answer (the health panel, or the Webhook tab's state,
    # and the badge), so the result never stands above stale findings; connectionChanged tells the rest.
    response = jobruns.polled(
        current_user.org_id, run_id, "connection/_run.html", "run", {"connectionChanged": True}, outcomes.run_level
    )
    if getattr(response, "status_code", 200) == STOP_POLLING:
        response.set_data(response.get_data(as_text=True) + live_state_oob())
    return response


def live_state_oob():
    """The page's live state, out of band: the Webhook tab's state there, else the health panel; and the badge."""
    from urllib.parse import urlsplit

    path = urlsplit(current_url()).path
    if path.startswith(url_for("webhooks.settings")):
        body = render_template("webhooks/_state.html", panel_oob=True, **state_context(current_user.org_id))
    else:
        body = render_template("connection/_health.html", panel_oob=True, **health_context())
    return body + render_template("settings/_badge.html", oob=True)
