"""The On-Call page and the On-call settings tab (schedule choice, sync state, warnings)."""

from datetime import UTC

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.errors import DomainError
from webapp.hx import STOP_POLLING, respond
from webapp.oncall import bp, schedules, services
from webapp.oncall.forms import PickForm
from webapp.oncall.sync import queue_sync
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
    """Switch mode (and choose the schedule); PagerDuty mode queues a sync instead of waiting for PagerDuty."""
    org_id, mode, schedule_id = current_user.org_id, request.form.get("mode"), request.form.get("schedule_id") or None
    try:
        name = schedules.schedule_name(org_id, schedule_id)
        services.set_mode(org_id, mode, schedule_id, name, current_user.email)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        if mode == "pagerduty":
            queue_sync(org_id)
            flash("PagerDuty mode saved: the schedule is being read, who is on call updates within seconds.", "success")
        else:
            flash("Manual mode saved: an admin picks who is on call.", "success")
    return redirect(safe_next(request.form.get("next"), "oncall.settings"))


@bp.get("/settings")
@admin_required
def settings():
    """The On-call tab: the schedule picker (loaded lazily), sync state, unmatched-user warning."""
    return render_template(
        "oncall/settings.html",
        settings=services.settings_of(current_user.org_id),
        q=request.args.get("q") or "",
        next_sync=services.next_sync_at(current_user.org_id),
    )


@bp.post("/settings/schedules/refresh")
@admin_required
def refresh_schedules():
    """Read the schedule list from PagerDuty again (it changes state, so a POST), then show the picker."""
    schedules.forget(current_user.org_id)
    return schedule_picker()


@bp.get("/settings/schedules")
@admin_required
def schedule_picker():
    """The schedule picker: loading (polling) while a job reads PagerDuty, then the list (286) or why it failed."""
    org_id = current_user.org_id
    state = schedules.picker_state(org_id)
    query = (request.args.get("q") or "").strip().lower()
    found = [s for s in state.get("schedules", []) if query in s[1].lower()]
    body = render_template(
        "oncall/_schedule_picker.html",
        state=state,
        schedules=found[:500],
        total=len(found),
        q=request.args.get("q") or "",
        settings=services.settings_of(org_id),
    )
    return respond(body, 200 if state["state"] == "loading" else STOP_POLLING)
