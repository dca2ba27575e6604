"""The public submission page: CSRF-protected, rate-limited per client, no login."""

from flask import abort, make_response, redirect, render_template, request, url_for

from webapp.errors import NotFound
from webapp.orgs.services import org_by_slug
from webapp.ratelimit import limiter, vdp_key, vdp_limit
from webapp.reports.forms import SubmitReportForm
from webapp.reports.services import create_report
from webapp.vdp import bp

TOO_MANY = "You have sent many reports in the last hour. Please wait before sending more."


def _org(slug):
    try:
        org = org_by_slug(slug)
    except NotFound:
        abort(404)
    if not org.vdp_enabled:
        abort(404)
    return org


def _sent(response):
    """A submission that went through (or looked so to a bot) counts toward the hour's budget."""
    return response.status_code == 302


def _too_many(_limit):
    """The form again, with what to do, once this address has sent its reports for the hour."""
    form = SubmitReportForm()
    form.form_errors.append(TOO_MANY)
    return make_response(render_template("vdp/submit.html", org=_org(request.view_args["slug"]), form=form))


@bp.route("/<slug>", methods=["GET", "POST"])
@limiter.limit(vdp_limit, key_func=vdp_key, methods=["POST"], deduct_when=_sent, on_breach=_too_many, scope="vdp")
def submit(slug):
    """Show the form; on a valid POST record the report and thank the researcher."""
    org = _org(slug)
    form = SubmitReportForm()
    if form.validate_on_submit():
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
