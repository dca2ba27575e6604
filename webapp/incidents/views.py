"""Incidents: the list with active search, the detail page, moving and resolving by admins."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.errors import DomainError
from webapp.extensions import db
from webapp.hx import render
from webapp.incidents import bp, services
from webapp.incidents.forms import IncidentForm
from webapp.tenancy import admin_required
from webapp.timeline import entries_for
from webapp.unit_of_work import one_snapshot

FILTERS = ("q", "kind", "status", "severity")
PAGE_SIZE = 25


@bp.get("/")
@one_snapshot
@login_required
def index():
    """Incidents, filtered; the rows fragment for htmx (active search)."""
    filters = {name: request.args.get(name) or None for name in FILTERS}
    page = db.paginate(
        services.search(current_user.org_id, **filters),
        page=request.args.get("page", 1, type=int),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render("incidents/index.html", "incidents/_rows.html", "incident-rows", page=page, filters=filters)


@bp.get("/<id:incident_id>")
@one_snapshot
@login_required
def detail(incident_id):
    """An incident with root cause, affected resources, remediation, PagerDuty status and timeline."""
    incident = services.get_incident(current_user.org_id, incident_id)
    form = IncidentForm(status=incident.status, severity=incident.severity, root_cause=incident.root_cause)
    return render_template("incidents/detail.html", incident=incident, entries=entries_for(incident), form=form)


@bp.post("/<id:incident_id>")
@admin_required
def update(incident_id):
    """Save status, severity and root cause; progress reaches PagerDuty."""
    services.get_incident(current_user.org_id, incident_id)
    form = IncidentForm()
    if not form.validate_on_submit():
        flash("Check the values and try again.", "danger")
    else:
        changes = {
            "status": form.status.data,
            "severity": form.severity.data,
            "root_cause": form.root_cause.data or None,
        }
        try:
            services.update_incident(current_user.org_id, incident_id, changes, current_user.email)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash("Incident saved.", "success")
    return redirect(url_for(".detail", incident_id=incident_id))
