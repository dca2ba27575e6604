"""The org's PagerDuty connection: connect, validate, status, pause on refused credentials, disconnect."""

import re

from flask import url_for

from webapp.alerts.outbox import cancel_open, resume_paused
from webapp.audit.services import record
from webapp.connection import lifecycle
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.findings.services import findings, forget_for_new_connection
from webapp.health.badge import status_badge
from webapp.models import Connection, Service
from webapp.models.types import utcnow
from webapp.pagerduty.accounts import connection_for, credentials_for, validate_api_token  # noqa: F401  (re-exported)
from webapp.public_urls import webhook_url
from webapp.schemas import column_length, fit
from webapp.unit_of_work import created_on_first_use
from webapp.webhooks.credentials import add_signing_secret

KEY_PATTERN = re.compile(r"^[0-9a-zA-Z]{32}$")


def _check_key(value, field, label):
    if value and not KEY_PATTERN.match(value):
        raise DomainError(
            f"Connection failed: the {label} must be 32 letters and digits.",
            fields={field: "must be 32 letters and digits"},
        )


def connect_api_token(org_id, api_token, integration_key=None, signing_secret=None, region="us", restore_now=False):
    """Validate the token, then save the connection (nothing is saved when validation fails); then restore the
    configured services' keys, in a job unless `restore_now` (the CLI)."""
    api_token, integration_key = (api_token or "").strip(), (integration_key or "").strip() or None
    if not api_token:
        raise DomainError("Connection failed: paste a PagerDuty API token.", fields={"api_token": "required"})
    _check_region(region)
    _check_key(integration_key, "integration_key", "integration key")
    email, summary = validate_api_token(api_token, region)
    connection = created_on_first_use(connection_for(org_id), Connection, org_id)
    connection.method, connection.region, connection.api_token = "api_token", region, api_token
    connection.integration_key, connection.routing_key, connection.service_name = integration_key, None, None
    fits = email and len(email) <= column_length(Connection.account_email)
    connection.account_email = email if fits else None  # it is the From header: never cut, left out when too long
    connection.account_summary = fit(Connection.account_summary, summary)
    if signing_secret and signing_secret.strip():
        add_signing_secret(org_id, signing_secret.strip(), "manual")
    connection = _mark_connected(
        connection, {"method": "api_token", "region": region, "integration_key": bool(integration_key)}
    )

    outcome = lifecycle.restore_after_connect(org_id, foreground=restore_now)
    connection.restore_run = None if restore_now else outcome
    connection.restore_summary = outcome if restore_now else None
    return connection


def connect_routing_key(org_id, routing_key, service_name, region="us"):
    """The legacy method: one routing key and a service name, checked for form."""
    routing_key, service_name = (routing_key or "").strip(), (service_name or "").strip()
    _check_region(region)
    if not routing_key:
        raise DomainError("Connection failed: paste the integration (routing) key.", fields={"routing_key": "required"})
    _check_key(routing_key, "routing_key", "routing key")
    if not service_name:
        raise DomainError("Connection failed: name the PagerDuty service.", fields={"service_name": "required"})
    connection = created_on_first_use(connection_for(org_id), Connection, org_id)
    connection.method, connection.region, connection.routing_key = "routing_key", region, routing_key
    connection.service_name, connection.api_token = fit(Connection.service_name, service_name), None
    connection.integration_key = None
    connection.account_email = connection.account_summary = None
    return _mark_connected(connection, {"method": "routing_key", "region": region, "service_name": service_name})


def _check_region(region):
    if region not in ("us", "eu"):
        raise DomainError("Connection failed: the region must be US or EU.", fields={"region": "us or eu"})


def _mark_connected(connection, detail):
    connection.state, connection.connected_at = "connected", utcnow()
    connection.last_error = connection.last_error_at = None
    forget_for_new_connection(connection)
    db.session.flush()
    resumed = resume_paused(connection.org_id)
    record(connection.org_id, "pagerduty.connected", {**detail, "resumed_deliveries": resumed})
    db.session.commit()
    return connection


def disconnect(org_id, foreground=False):
    """Stop all alerts at once and cancel open deliveries; services, the default and every route stay.

    Keys are wiped (a reconnect finds them again). A subscription PagerBridge created is deleted in PagerDuty by a
    job (or at once with `foreground`), which then wipes the API token; returns (cancelled count, JobRun or None).
    """
    connection = connection_for(org_id)
    if connection is None or connection.state == "disconnected":
        raise DomainError("PagerDuty is not connected.")
    cancelled = cancel_open(org_id)
    connection.state = "disconnected"
    connection.integration_key = connection.routing_key = None
    connection.last_error = connection.last_error_at = None
    db.session.execute(db.update(Service).where(Service.org_id == org_id).values(integration_key=None))
    record(org_id, "pagerduty.disconnected", {"cancelled_deliveries": cancelled})
    run = lifecycle.after_disconnect(connection, foreground)
    db.session.commit()
    return cancelled, run


def status_lines(org):
    """`pagerduty status`: state, method, last error, webhook URL, last webhook and one line per standing finding."""
    connection = connection_for(org.id)
    badge = status_badge(org.id)
    state = "connected" if badge["state"] == "attention" else badge["state"]
    lines = [f"state: {state}", f"badge: {badge['label']}"]
    if connection and connection.state != "disconnected":
        lines.append(f"method: {connection.method} ({connection.region.upper()})")
    lines.append(
        f"last error: {connection.last_error} at {connection.last_error_at.isoformat()}"
        if connection and connection.last_error
        else "last error: none"
    )
    lines.append(f"webhook URL: {webhook_url(org)}")
    last = connection.last_webhook_at if connection else None
    lines.append(f"last verified webhook: {last.isoformat() if last else 'none yet'}")
    standing = findings(org.id) if connection else []
    lines += [f"note: {f.message}" for f in standing if not f.counts]
    return lines + ([f"warning: {f.message}" for f in standing if f.counts] or ["warnings: none"])


def connection_banner(org_id):
    """Banners on every page: paused alerts (red), standing findings (amber), the routing-key method (info)."""
    badge = status_badge(org_id)
    link = {"link": url_for("connection.overview"), "kind": "connection"}
    if badge["state"] == "error":
        return [
            {
                **link,
                "level": "danger",
                "link_label": "Reconnect",
                "message": f"PagerDuty refused our credentials ({badge['error']}). "
                "Alerts are paused and kept; reconnect to send them.",
            }
        ]
    banners = []
    if badge["state"] == "attention":
        first, more = badge["findings"][0], len(badge["findings"]) - 1
        extra = f" (and {more} more)" if more else ""
        banners.append(
            {
                **link,
                "kind": "health",
                "level": "warning",
                "link_label": "See what to do",
                "message": (f"PagerDuty needs attention: {first.message}{extra}."),
            }
        )
    if badge["state"] != "disconnected":
        banners += [
            {
                **link,
                "kind": "routing-key",
                "level": "info",
                "link_label": "Overview",
                "message": f"{f.message[0].upper()}{f.message[1:]}.",
            }
            for f in findings(org_id)
            if f.code == "routing_key_method"
        ]
    return banners
