"""The webhook endpoint and the Webhook tab."""

import logging

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.connection.services import connection_for
from webapp.crypto import mask
from webapp.errors import DomainError
from webapp.extensions import csrf
from webapp.health.checks import count_webhook_refusal
from webapp.hx import respond
from webapp.metrics.hooks import counted_webhook
from webapp.public_urls import webhook_url
from webapp.tenancy import admin_required
from webapp.webhooks import bp, inbox, quarantine, services, setup

log = logging.getLogger(__name__)


@bp.post("/pagerduty/<token>")
@csrf.exempt
@counted_webhook
def receive(token):
    """Verify, store once, answer at once; a job applies the effect."""
    if (request.content_length or 0) > services.MAX_BODY:
        return jsonify(error="body too large"), 413
    raw = request.get_data(cache=False)
    if len(raw) > services.MAX_BODY:
        return jsonify(error="body too large"), 413
    try:
        receipt_id, created = services.accept(
            token, raw, request.headers.get("X-PagerDuty-Signature"), request.headers.get("X-Webhook-Id")
        )
    except services.Rejected as rejected:
        log.warning("webhook refused (%s) from %s", rejected.reason, request.remote_addr)
        if rejected.reason == "bad or missing signature":
            count_webhook_refusal(token)
        return jsonify(error=rejected.reason if rejected.status != 401 else "unauthorized"), rejected.status
    if created:
        inbox.push(receipt_id)
    return jsonify(status="accepted", duplicate=not created), 202


@bp.get("/settings")
@admin_required
def settings():
    """The Webhook tab: URL, secrets, subscription, last delivery."""
    org = current_user.org
    secrets = [(row, mask(row.secret)) for row in setup.active_secret_rows(org.id)]
    return render_template(
        "webhooks/settings.html",
        url=webhook_url(org),
        secrets=secrets,
        connection=connection_for(org.id),
        webhook_findings=setup.webhook_findings(org.id),
        latest_run=setup.latest_run(org.id),
    )


def _act(action, success):
    try:
        action()
    except DomainError as error:
        if error.status == 404:  # another org's record does not exist for you
            abort(404)
        flash(error.message, "danger")
    else:
        flash(success, "success")
    return redirect(url_for(".settings"))


@bp.post("/settings/subscription")
@admin_required
def create_subscription():
    """One click: the PagerDuty subscription and its secret."""
    return _act(
        lambda: setup.start(current_user.org_id, "subscribe"),
        "Setting up the subscription in PagerDuty…",
    )


@bp.post("/settings/secrets")
@admin_required
def paste_secret():
    """Store a pasted secret (also the start of a rotation)."""
    return _act(lambda: setup.paste_secret(current_user.org_id, request.form.get("secret")), "Signing secret saved.")


@bp.post("/settings/secrets/<id:secret_id>/retire")
@admin_required
def retire_secret(secret_id):
    """Retire an old secret after a rotation."""
    return _act(lambda: setup.retire_secret(current_user.org_id, secret_id), "Secret retired.")


@bp.post("/settings/regenerate")
@admin_required
def regenerate():
    """A new webhook URL (the old one stops working)."""
    return _act(lambda: setup.regenerate_token(current_user.org_id), "New webhook URL created: update it in PagerDuty.")


@bp.get("/settings/received")
@admin_required
def received():
    """The delivery log's section of webhooks that could not be applied (loaded and refreshed by htmx)."""
    receipts = quarantine.failing_receipts(current_user.org_id)
    return render_template("webhooks/_received.html", receipts=receipts, max_attempts=services.MAX_ATTEMPTS)


@bp.post("/settings/received/<id:receipt_id>/retry")
@admin_required
def retry_receipt(receipt_id):
    """Apply a failing or quarantined webhook again."""
    try:
        quarantine.retry(current_user.org_id, receipt_id)
    except DomainError as error:
        return respond("", error.status, "danger", error.message)
    return respond("", 200, "success", "Queued to be applied again.", events={"webhooksChanged": True})
