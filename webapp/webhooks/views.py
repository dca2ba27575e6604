"""The webhook endpoint and the Webhook tab."""

import logging

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_htmx import make_response
from flask_login import current_user

from webapp.connection.services import connection_for
from webapp.crypto import mask
from webapp.errors import DomainError
from webapp.extensions import csrf
from webapp.tenancy import admin_required
from webapp.webhooks import bp, inbox, quarantine, services, setup

log = logging.getLogger(__name__)


@bp.post("/pagerduty/<token>")
@csrf.exempt
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
        "webhooks/settings.html", url=setup.webhook_url(org), secrets=secrets, connection=connection_for(org.id)
    )


def _act(action, success):
    try:
        action()
    except DomainError as error:
        flash(error.message, "danger")
    else:
        flash(success, "success")
    return redirect(url_for(".settings"))


@bp.post("/settings/subscription")
@admin_required
def create_subscription():
    """One click: the PagerDuty subscription and its secret."""
    return _act(
        lambda: setup.create_subscription(current_user.org_id),
        "Subscription created in PagerDuty; its signing secret is stored.",
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
        return make_response("", error.status, trigger={"toast": {"level": "danger", "message": error.message}})
    return make_response(
        "",
        200,
        trigger={"toast": {"level": "success", "message": "Queued to be applied again."}, "webhooksChanged": True},
    )
