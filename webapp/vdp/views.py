"""The public submission page: CSRF-protected, rate-limited per client, no login."""

from flask import abort, redirect, render_template, request, url_for

from webapp.errors import NotFound
from webapp.orgs.services import org_by_slug
from webapp.ratelimit import allow
from webapp.reports.forms import SubmitReportForm
from webapp.reports.services import create_report
from webapp.vdp import bp

SUBMISSIONS_PER_HOUR = 10


def _org(slug):
    try:
        org = org_by_slug(slug)
    except NotFound:
        abort(404)
    if not org.vdp_enabled:
        abort(404)
    return org


@bp.route("/<slug>", methods=["GET", "POST"])
def submit(slug):
    """Show the form; on a valid POST record the report and thank the researcher."""
    org = _org(slug)
    form = SubmitReportForm()
    if form.validate_on_submit():
        if not allow(f"vdp:{org.id}:{request.remote_addr}", SUBMISSIONS_PER_HOUR, 3600):
            form.form_errors.append("You have sent many reports in the last hour. Please wait before sending more.")
            return render_template("vdp/submit.html", org=org, form=form), 429
        if not form.website.data:  # a filled honeypot means a bot: pretend success, store nothing
            create_report(
                org.id,
                form.title.data,
                form.description.data,
                form.contact_email.data,
                source="form",
                actor=form.contact_email.data,
            )
        return redirect(url_for(".thanks", slug=slug))
    return render_template("vdp/submit.html", org=org, form=form), 422 if form.errors else 200


@bp.get("/<slug>/thanks")
def thanks(slug):
    """The confirmation page."""
    return render_template("vdp/thanks.html", org=_org(slug))
