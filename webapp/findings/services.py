"""The one health model: stored findings (from checks against PagerDuty and refusals) plus what the database shows."""

from dataclasses import dataclass

from sqlalchemy import or_, select

from webapp.alerts.unsent import count_unsent
from webapp.extensions import db
from webapp.models import (
    AuditEntry,
    Connection,
    Delivery,
    HealthFinding,
    NamespaceRoute,
    OnCallSettings,
    ResourceRoute,
    Service,
)
from webapp.models.types import utcnow
from webapp.queues import enqueue_after_commit
from webapp.routing.resolve import fallback_route, service_problem

LEVEL_ORDER = {"error": 0, "warning": 1, "info": 2}
REPAIR = (
    "Click Repair routes (finds or creates each configured service's Events API v2 integration), "
    "or Sync Services and pick another service."
)


@dataclass(frozen=True)
class Finding:
    """One thing wrong (warning/error) or worth saying (info), with what to do about it."""

    code: str
    message: str
    action: str | None = None
    level: str = "warning"
    subject: str = ""
    since: object = None

    @property
    def counts(self):
        """Warnings and errors turn the badge amber; info lines do not."""
        return self.level in ("warning", "error")


def record(org_id, code, message, action=None, subject="", level="warning"):
    """Store or refresh a finding (the caller commits)."""
    row = db.session.scalar(select(HealthFinding).filter_by(org_id=org_id, code=code, subject=subject))
    if row is None:
        row = HealthFinding(org_id=org_id, code=code, subject=subject, first_seen_at=utcnow())
        db.session.add(row)
    row.message, row.action, row.level, row.last_seen_at = message[:2000], action, level, utcnow()
    return row


def clear(org_id, code, subject=None):
    """Drop a stored finding (all subjects of the code when subject is None); the caller commits."""
    query = db.delete(HealthFinding).where(HealthFinding.org_id == org_id, HealthFinding.code == code)
    if subject is not None:
        query = query.where(HealthFinding.subject == subject)
    db.session.execute(query.execution_options(synchronize_session=False))


def replace(org_id, codes, found):
    """After a check of `codes`: store what it found (Finding list) and clear what it no longer finds."""
    keep = {(f.code, f.subject) for f in found}
    for row in db.session.scalars(
        select(HealthFinding).where(HealthFinding.org_id == org_id, HealthFinding.code.in_(codes))
    ):
        if (row.code, row.subject) not in keep:
            db.session.delete(row)
    for finding in found:
        record(org_id, finding.code, finding.message, finding.action, finding.subject, finding.level)


KEPT_ACROSS_CONNECTIONS = ("subscription_left", "subscription_missing")


def forget_for_new_connection(connection):
    """New credentials: what the last checks found about the old ones no longer stands; an API-token connection is
    checked again at once (after commit). Webhook findings stay until a check finds the subscription."""
    db.session.execute(
        db.delete(HealthFinding)
        .where(HealthFinding.org_id == connection.org_id, HealthFinding.code.not_in(KEPT_ACROSS_CONNECTIONS))
        .execution_options(synchronize_session=False)
    )
    if connection.method == "api_token":
        enqueue_after_commit("jobs.health.check_org", connection.org_id, queue="default")


def findings(org_id):
    """Every standing finding of the org, most serious first (read once per web request: badge, banner, panel)."""
    from flask import has_request_context, request

    if not has_request_context():
        return _collect(org_id)
    memo = request.environ.setdefault("pagerbridge.findings", {})
    if org_id not in memo:
        memo[org_id] = _collect(org_id)
    return memo[org_id]


def _collect(org_id):
    # why: outages builds its findings with this module's Finding (a cycle inside health)
    from webapp.findings import outages

    connection = db.session.scalar(select(Connection).filter_by(org_id=org_id))
    if connection is None or connection.state == "disconnected":
        return _stored(org_id, only=KEPT_ACROSS_CONNECTIONS)

    items = _stored(org_id) + _paused(org_id, connection) + outages.pagerduty_findings(org_id, connection)
    items += outages.sender_findings(org_id) + outages.redis_findings() + _routes(org_id, connection)
    items += _oncall(org_id) + _url_unconfirmed(org_id, connection) + _unsent(org_id, connection)
    return sorted(items, key=lambda f: LEVEL_ORDER.get(f.level, 3))


def _stored(org_id, only=None):
    query = select(HealthFinding).filter_by(org_id=org_id).order_by(HealthFinding.id)
    if only:
        query = query.where(HealthFinding.code.in_(only))
    return [
        Finding(row.code, row.message, row.action, row.level, row.subject, row.first_seen_at)
        for row in db.session.scalars(query)
    ]


def _paused(org_id, connection):
    if connection.state != "error":
        return []
    count = db.session.scalar(select(db.func.count()).where(Delivery.org_id == org_id, Delivery.status == "paused"))
    return [
        Finding(
            "paused",
            f"alerts are paused until PagerDuty accepts the credentials again ({count} waiting)",
            "Reconnect with working credentials, or run Test Connection once PagerDuty accepts them: "
            "the paused alerts then go out in order.",
            "error",
        )
    ]


def _routes(org_id, connection):
    if connection.method == "routing_key":
        stored = db.session.scalar(
            select(db.func.count()).select_from(NamespaceRoute).where(NamespaceRoute.org_id == org_id)
        ) + db.session.scalar(select(db.func.count()).select_from(ResourceRoute).where(ResourceRoute.org_id == org_id))
        note = f"; {stored} stored routes are kept for an API-token connection and not used" if stored else ""
        return [
            Finding(
                "routing_key_method",
                f"routing-key method: every alert goes to {connection.service_name or 'the routing key'}{note}",
                "Connect with an API token to route by namespace, resource and default service.",
                "info",
            )
        ]
    used = (
        select(NamespaceRoute.service_id)
        .where(NamespaceRoute.org_id == org_id)
        .union(select(ResourceRoute.service_id).where(ResourceRoute.org_id == org_id))
    )
    services = db.session.scalars(
        select(Service)
        .where(Service.org_id == org_id)
        .where(or_(Service.is_default, Service.is_vdp, Service.broken_at.isnot(None), Service.id.in_(used)))
        .order_by(Service.name)
    ).all()
    items = []
    for service in services:
        problem = service_problem(service)
        if problem is None:
            continue
        fallback = fallback_route(org_id, "", skip_service_id=service.id)
        goes = f"its alerts go to {fallback.label}" if fallback.routing_key else "its alerts go nowhere"
        items.append(
            Finding(
                "route_unresolved",
                f"the route to {service.name} does not resolve: {problem}; {goes}",
                REPAIR if service.enabled else "Configure it again on the Services tab, or assign another service.",
                "warning" if service.enabled else "info",  # a service disabled on purpose: its routes fall through
                service.pd_id,
            )
        )
    if not any(s.is_default for s in services) and not connection.integration_key:
        items.append(
            Finding(
                "no_default",
                "no default service and no VDP integration key: alerts without an assignment page nobody",
                "Services → Set as default on a configured service.",
            )
        )
    return items


def _url_unconfirmed(org_id, connection):
    """After Regenerate URL without a subscription PagerBridge could move: a warning until a signed webhook arrives
    at the new URL (PagerDuty sends to the old one, which refuses it, until someone pastes the new URL there)."""
    entry = db.session.scalar(
        select(AuditEntry)
        .filter_by(org_id=org_id, action="webhook.url_regenerated")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if entry is None or (entry.detail or {}).get("moves_subscription") is not False:
        return []
    if connection.last_webhook_at is not None and connection.last_webhook_at >= entry.created_at:
        return []
    return [
        Finding(
            "webhook_url_unconfirmed",
            "the webhook URL was regenerated and no signed webhook has arrived at the new URL yet: "
            "PagerDuty's acknowledgements are refused until its subscription sends to it",
            "Paste the new URL (Webhook tab) into the subscription in PagerDuty "
            "(Integrations → Generic Webhooks (v3)); this warning goes once a signed webhook arrives.",
            since=entry.created_at,
        )
    ]


def _unsent(org_id, connection):
    """Alerts raised while PagerDuty was disconnected and still open: paged only on request (Page N open alerts)."""
    if connection.state != "connected":
        return []
    count = count_unsent(org_id)
    if not count:
        return []
    return [
        Finding(
            "unsent_open",
            f"{count} open alert{'s were' if count != 1 else ' was'} raised while PagerDuty was disconnected "
            "and never paged",
            "Page them now (the button below), or leave them: they were recorded, not sent.",
            "info",
            subject=str(count),
        )
    ]


def _oncall(org_id):
    oncall = db.session.get(OnCallSettings, org_id)
    if not (oncall and oncall.unmatched_email):
        return []
    return [
        Finding(
            "oncall_unmatched",
            f"on-call: PagerDuty user {oncall.unmatched_name or ''} <{oncall.unmatched_email}> "
            "matches no PagerBridge user; the previous shift stays active",
            "Add a PagerBridge user with that email (Settings → Users).",
        )
    ]
