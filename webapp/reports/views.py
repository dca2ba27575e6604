"""Reports: the list with active search, the detail page with the timeline, triage by admins."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.errors import DomainError
from webapp.extensions import db
from webapp.hx import render
from webapp.reports import bp, services
from webapp.reports.forms import AssessForm, StatusForm
from webapp.tenancy import admin_required
from webapp.timeline import entries_for
from webapp.unit_of_work import one_snapshot

FILTERS = ("q", "status", "severity", "sla", "sort")


@bp.get("/")
@one_snapshot
@login_required
def index():
    """Reports, filtered; the rows fragment for htmx (active search)."""
    filters = {name: request.args.get(name) or None for name in FILTERS}
    query = services.search(current_user.org_id, **filters)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=services.PAGE_SIZE, error_out=False)
    return render("reports/index.html", "reports/_rows.html", "report-rows", page=page, filters=filters)


@bp.get("/<id:report_id>")
@one_snapshot
@login_required
def detail(report_id):
    """A report with its SLA, PagerDuty status and timeline."""
    report = services.get_report(current_user.org_id, report_id)
    return render_template(
        "reports/detail.html",
        report=report,
        entries=entries_for(report),
        assess_form=AssessForm(severity=report.severity),
        status_form=StatusForm(status=report.status),
    )


@bp.post("/<id:report_id>/assess")
@admin_required
def assess(report_id):
    """Set the severity."""
    form = AssessForm()
    return _apply(
        report_id,
        form,
        lambda: services.assess_report(current_user.org_id, report_id, form.severity.data, current_user.email),
        "Severity saved.",
    )


@bp.post("/<id:report_id>/status")
@admin_required
def change_status(report_id):
    """Move the report through triage."""
    form = StatusForm()
    return _apply(
        report_id,
        form,
        lambda: services.set_report_status(current_user.org_id, report_id, form.status.data, current_user.email),
        "Status saved.",
    )


def _apply(report_id, form, change, message):
    services.get_report(current_user.org_id, report_id)
    if not form.validate_on_submit():
        flash("Pick a value from the list.", "danger")
    else:
        try:
            change()
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(message, "success")
    return redirect(url_for(".detail", report_id=report_id))
