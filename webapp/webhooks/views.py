"""The webhook endpoint and the Webhook tab."""

import logging
from collections.abc import Callable
from typing import Any

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from webapp.counters import counted_webhook
from webapp.crypto import mask
from webapp.errors import DomainError
from webapp.extensions import csrf, db
from webapp.findings.services import findings
from webapp.hx import act
from webapp.models import JobRun
from webapp.pagerduty.accounts import connection_for
from webapp.public_urls import webhook_url
from webapp.tenancy import admin_required
from webapp.webhooks import bp, inbox, quarantine, services, setup
from webapp.webhooks.refusals import count_webhook_refusal
from webapp.webhooks.regenerate import moves_subscription
from webapp.webhooks.regenerate import regenerate as regenerate_url

log = logging.getLogger(__name__)


@bp.post("/pagerduty/<token>")
@csrf.exempt
@counted_webhook
def receive(token: str) -> tuple[Response, int]:
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
    if created and receipt_id is not None:
        inbox.push(receipt_id)
    return jsonify(status="accepted", duplicate=not created), 202


WEBHOOK_CODES = (
    "subscription_missing",
    "subscription_disabled",
    "subscription_stale",
    "no_signing_secret",
    "webhooks_refused",
    "webhook_url_unconfirmed",
)


def state_context(org_id: int) -> dict[str, Any]:
    """The Webhook tab's live state: findings, subscription, secrets, a run while it works, the button's words."""
    connection = connection_for(org_id)
    secrets = [(row, mask(row.secret)) for row in setup.active_secret_rows(org_id)]
    standing = [f for f in findings(org_id) if f.code in WEBHOOK_CODES]
    run = setup.latest_run(org_id)
    subscribed = bool(connection and connection.webhook_subscription_id)
    subscription_state = "none"
    if subscribed and secrets:
        subscription_state = _moved_state(org_id) or ("attention" if standing else "active")
    elif subscribed:
        subscription_state = "unchecked"
    if not subscribed:
        label = "Create subscription in PagerDuty"
    else:
        broken = standing or not secrets or subscription_state == "stale"
        label = "Repair subscription" if broken else "Re-create subscription"
    if connection is not None and moves_subscription(org_id):
        warning = (
            "Regenerating stops PagerDuty's acknowledgements until its subscription uses the new URL: PagerBridge "
            f"moves subscription {connection.webhook_subscription_id} to the new URL at once (with a new signing "
            "secret) and deletes the old one."
        )
    else:
        warning = (
            "Regenerating stops PagerDuty's acknowledgements at once: the current URL refuses them until you paste "
            "the new URL into PagerDuty's subscription."
        )
    return {
        "connection": connection,
        "secrets": secrets,
        "webhook_findings": standing,
        "latest_run": run if run is not None and not run.is_finished else None,
        "subscription_state": subscription_state,
        "create_label": label,
        "regenerate_warning": warning,
    }


def _moved_state(org_id: int) -> str | None:
    """ "moving" while Regenerate URL's move runs, "stale" when it failed (PagerDuty still sends to the old URL),
    until a later Create subscription succeeds; None otherwise."""
    kinds = ("webhook_move", "webhook_subscribe")
    runs = db.session.scalars(
        db.select(JobRun).where(JobRun.org_id == org_id, JobRun.kind.in_(kinds)).order_by(JobRun.id.desc()).limit(1)
    ).all()
    if not runs or runs[0].kind != "webhook_move" or runs[0].status == "done":
        return None
    return "stale" if runs[0].status == "failed" else "moving"


@bp.get("/settings")
@admin_required
def settings() -> str:
    """The Webhook tab: URL, secrets, subscription, last delivery."""
    org = current_user.org
    return render_template("webhooks/settings.html", url=webhook_url(org), **state_context(org.id))


@bp.get("/settings/state")
@admin_required
def state() -> str:
    """The tab's live part alone (reloaded when a run finishes)."""
    return render_template("webhooks/_state.html", **state_context(current_user.org_id))


def _act(action: Callable[[], object], success: str, level: str = "success") -> BaseResponse:
    try:
        action()
    except DomainError as error:
        if error.status == 404:  # another org's record does not exist for you
            abort(404)
        flash(error.message, "danger")
    else:
        flash(success, level)
    return redirect(url_for(".settings"))


@bp.post("/settings/subscription")
@admin_required
def create_subscription() -> BaseResponse:
    """One click: the PagerDuty subscription and its secret."""
    return _act(
        lambda: setup.start(current_user.org_id, "subscribe"),
        "Creating the subscription in PagerDuty: its progress shows under Subscription.",
        "info",
    )


@bp.post("/settings/secrets")
@admin_required
def paste_secret() -> BaseResponse:
    """Store a pasted secret (also the start of a rotation)."""
    return _act(lambda: setup.paste_secret(current_user.org_id, request.form.get("secret")), "Signing secret saved.")


@bp.post("/settings/secrets/<id:secret_id>/retire")
@admin_required
def retire_secret(secret_id: int) -> BaseResponse:
    """Retire an old secret after a rotation."""
    return _act(lambda: setup.retire_secret(current_user.org_id, secret_id), "Secret retired.")


@bp.post("/settings/regenerate")
@admin_required
def regenerate() -> BaseResponse:
    """A new webhook URL (the old one stops working); with an API token a job moves PagerDuty's subscription to it."""
    run = regenerate_url(current_user.org_id)
    if run is not None:
        flash(
            "New webhook URL. PagerBridge is moving PagerDuty's subscription to it (progress under Subscription).",
            "info",
        )
    else:
        flash(
            "New webhook URL: paste it into PagerDuty's subscription. Acknowledgements are refused until then.",
            "warning",
        )
    return redirect(url_for(".settings"))


@bp.get("/settings/received")
@admin_required
def received() -> str:
    """The delivery log's section of webhooks that could not be applied (loaded and refreshed by htmx)."""
    receipts = quarantine.failing_receipts(current_user.org_id)
    return render_template("webhooks/_received.html", receipts=receipts, max_attempts=services.MAX_ATTEMPTS)


@bp.post("/settings/received/<id:receipt_id>/retry")
@admin_required
def retry_receipt(receipt_id: int) -> Response:
    """Apply a failing or quarantined webhook again."""
    return act(
        lambda: quarantine.retry(current_user.org_id, receipt_id),
        "Queued to be applied again.",
        events={"webhooksChanged": True},
    )
