"""The On-Call page and the On-call settings tab (schedule choice, sync state, warnings)."""

from datetime import UTC

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.errors import DomainError
from webapp.oncall import bp, services
from webapp.oncall import settings as settings_section  # noqa: F401  (registers the settings-export section)
from webapp.oncall.forms import PickForm
from webapp.pagerduty import client
from webapp.security import safe_next
from webapp.tenancy import admin_required
from webapp.users.services import users_of_org


def _pick_form():
    form = PickForm()
    form.user_id.choices = [(u.id, f"{u.display_name} <{u.email}>") for u in users_of_org(current_user.org_id)]
    return form


@bp.get("/")
@login_required
def index():
    """Who is on call now, since and until when, from where; the coming shifts."""
    org_id = current_user.org_id
    return render_template(
        "oncall/index.html",
        shift=services.current_shift(org_id),
        settings=services.settings_of(org_id),
        next_sync=services.next_sync_at(org_id),
        form=_pick_form(),
    )


@bp.post("/pick")
@admin_required
def pick():
    """Manual pick, or an override in PagerDuty mode."""
    form = _pick_form()
    if form.validate_on_submit():
        ends_at = form.ends_at.data.replace(tzinfo=UTC) if form.ends_at.data else None
        try:
            shift = services.set_manual(current_user.org_id, form.user_id.data, ends_at, current_user.email)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(f"{shift.user.display_name} is on call.", "success")
    else:
        flash("Pick a person (and a valid end time).", "danger")
    return redirect(url_for(".index"))


@bp.post("/mode")
@admin_required
def mode():
    """Switch mode (and choose the schedule)."""
    schedule_id = request.form.get("schedule_id") or None
    names = dict(_schedules()[0]) if schedule_id else {}
    try:
        services.set_mode(
            current_user.org_id, request.form.get("mode"), schedule_id, names.get(schedule_id), current_user.email
        )
    except DomainError as error:
        flash(error.message, "danger")
    else:
        flash("On-call mode saved.", "success")
        if request.form.get("mode") == "pagerduty":
            from webapp.oncall.sync import sync_org

            flash(f"Schedule synced: {sync_org(current_user.org_id)}.", "info")
    return redirect(safe_next(request.form.get("next"), "oncall.settings"))


def _schedules():
    from webapp.connection.services import credentials_for
    from webapp.oncall.pagerduty_api import list_schedules

    try:
        return list_schedules(credentials_for(current_user.org_id)), None
    except DomainError as error:
        return [], error.message
    except client.PagerDutyError as error:
        return [], f"Could not read schedules from PagerDuty: {error.message}"


@bp.get("/settings")
@admin_required
def settings():
    """The On-call tab of the PagerDuty settings: schedule dropdown, sync state, unmatched-user warning."""
    schedules, error = _schedules()
    query = (request.args.get("q") or "").lower()
    shown = [s for s in schedules if query in s[1].lower()][:500]
    return render_template(
        "oncall/settings.html",
        schedules=shown,
        total=len(schedules),
        error=error,
        settings=services.settings_of(current_user.org_id),
        q=request.args.get("q") or "",
        next_sync=services.next_sync_at(current_user.org_id),
    )
