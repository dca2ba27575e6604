"""What connecting and disconnecting do beyond the connection row: restore routes, tear the subscription down."""

import logging

from webapp.alerts.refusals import mark_sound
from webapp.audit.services import record
from webapp.extensions import db
from webapp.findings.services import record as record_finding
from webapp.jobruns import progress, start_run
from webapp.models import JobRun, Service, WebhookSecret
from webapp.models.types import utcnow
from webapp.pagerduty import client
from webapp.pagerduty.accounts import connection_for, credentials_for, mark_auth_failure
from webapp.routing.pagerduty_api import find_or_create_events_integration

log = logging.getLogger(__name__)


def services_to_restore(org_id):
    """Configured services, whatever their key: each is looked up again in the connected account."""
    return db.session.scalars(
        db.select(Service).filter_by(org_id=org_id, enabled=True).order_by(Service.is_default.desc(), Service.name)
    ).all()


def restore_after_connect(org_id, foreground=False):
    """After an API-token connect: find each configured service's key again, in a job (returns its JobRun) or with
    `foreground` at once, committed (returns the summary in words)."""
    count = len(services_to_restore(org_id))
    if not count:
        return None
    if foreground:
        return restore_routes(org_id)
    run = start_run(org_id, "restore_routes", "jobs.connection.restore_routes", total=count)
    db.session.commit()
    return run


def restore_routes(org_id, run_id=None):
    """For each configured service: its Events API v2 integration (found or created) and key; services the
    account does not have are flagged gone, so their routes fall back and health names them. Returns a summary."""
    run = db.session.get(JobRun, run_id) if run_id else None
    services = services_to_restore(org_id)
    progress(run, "running", f"Restoring {len(services)} services' routes…", 0)
    credentials, restored, missing = credentials_for(org_id), [], []
    for step, service in enumerate(services, start=1):
        try:
            integration = find_or_create_events_integration(credentials, service.pd_id)
        except client.PagerDutyError as error:
            if error.is_auth_failure:
                mark_auth_failure(org_id, error.message)
                progress(run, "failed", f"PagerDuty refused the API token: {error.message}")
                return run.message if run else error.message
            if error.status != 404:
                progress(run, "failed", f"Could not restore {service.name}: {error.message}. Try Repair routes again.")
                return run.message if run else error.message
            service.removed_at = service.removed_at or utcnow()
            missing.append(service.name)
        else:
            service.integration_id, service.integration_key = integration["id"], integration["integration_key"]
            service.removed_at = None
            mark_sound(service)
            restored.append(service.name)
        progress(run, "running", f"Restored {len(restored)} of {len(services)} services", step)
    record(org_id, "pagerduty.routes_restored", {"restored": restored, "missing": missing})
    message = f"Routes restored for {len(restored)} services."
    if missing:
        message += f" Not found in this PagerDuty account: {', '.join(missing)} (their routes fall back)."
    progress(run, "done", message)
    return message


def start_repair(org_id):
    """The Repair routes button: the same restore, in a job."""
    run = start_run(org_id, "restore_routes", "jobs.connection.restore_routes", total=len(services_to_restore(org_id)))
    db.session.commit()
    return run


def owns_subscription(connection):
    """PagerBridge created the org's subscription (it holds the secret PagerDuty returned for it)."""
    if not connection.webhook_subscription_id:
        return False
    return connection.subscription_owned or bool(
        db.session.scalar(
            db.select(WebhookSecret.id)
            .filter_by(org_id=connection.org_id, source="pagerduty", retired_at=None)
            .limit(1)
        )
    )


def after_disconnect(connection, foreground=False):
    """Delete the subscription PagerBridge created in a job (at once with `foreground`, or when there is no call
    to make); returns the JobRun or None."""
    if owns_subscription(connection) and connection.api_token and not foreground:
        return start_run(connection.org_id, "disconnect", "jobs.connection.teardown", total=1)
    teardown(connection.org_id)
    return None


def teardown(org_id, run_id=None):
    """Delete PagerBridge's webhook subscription in PagerDuty, retire its secret, wipe the API token."""
    run = db.session.get(JobRun, run_id) if run_id else None
    connection = connection_for(org_id)
    if connection is None or connection.state != "disconnected":
        progress(run, "done", "Reconnected meanwhile: the subscription stays.")
        return "reconnected meanwhile"
    subscription_id, outcome = connection.webhook_subscription_id, "No subscription of PagerBridge's to delete."
    owned = owns_subscription(connection)
    if owned and connection.api_token:
        progress(run, "running", f"Deleting webhook subscription {subscription_id} in PagerDuty…")
        outcome = _delete_subscription(org_id, credentials_for(org_id), subscription_id)
        _remember_deleted(org_id, subscription_id)
    if owned or not subscription_id:
        db.session.execute(
            db.update(WebhookSecret)
            .where(
                WebhookSecret.org_id == org_id, WebhookSecret.source == "pagerduty", WebhookSecret.retired_at.is_(None)
            )
            .values(retired_at=utcnow())
        )
        connection.webhook_subscription_id, connection.subscription_owned = None, False
    connection.api_token = None
    record(org_id, "webhook.subscription_deleted", {"subscription_id": subscription_id, "outcome": outcome})
    progress(run, "done", outcome)
    db.session.commit()
    return outcome


def _delete_subscription(org_id, credentials, subscription_id):
    try:
        client.rest_response(credentials, "DELETE", f"/webhook_subscriptions/{subscription_id}")
        return f"Webhook subscription {subscription_id} deleted in PagerDuty."
    except client.PagerDutyError as error:
        if error.status == 404:
            return f"Webhook subscription {subscription_id} was already gone from PagerDuty."
        record_finding(
            org_id,
            "subscription_left",
            f"webhook subscription {subscription_id} may still exist in PagerDuty, sending to a URL that refuses it",
            "Delete it in PagerDuty (Integrations → Generic Webhooks (v3)).",
        )
        return f"Could not delete webhook subscription {subscription_id} in PagerDuty: {error.message}."


def _remember_deleted(org_id, subscription_id):
    """After a reconnect the webhooks do not come back by themselves: say so until a subscription exists again."""
    record_finding(
        org_id,
        "subscription_missing",
        f"disconnecting deleted PagerBridge's webhook subscription {subscription_id} in PagerDuty: "
        "acknowledgements do not reach PagerBridge until it is created again",
        "Webhook tab → Create subscription in PagerDuty (or `flask --app wsgi pagerduty subscribe`).",
    )
