"""Where an alert goes: the route and the reason. The one resolver behind sending, the preview and health."""

from dataclasses import dataclass, replace

from sqlalchemy import or_

from webapp.extensions import db
from webapp.models import CloudResource, Cluster, Incident, Namespace, NamespaceRoute, ResourceRoute, Service
from webapp.orgs import alert_rules as rules
from webapp.pagerduty.accounts import connection_for
from webapp.routing.inventory import remember_namespace, remember_resource

DISCONNECTED_LABEL = "Not sent: PagerDuty was disconnected"
ROUTING_KEY_REASON = (
    "Routing-key method: every alert goes to its one key (stored routes wait for an API-token connection)"
)


class Unread:
    """A row the caller has not read (as opposed to None: read, and there is none)."""


UNREAD = Unread()


@dataclass(frozen=True)
class Route:
    """A target for an Events API event, or none (routing_key None) with the reason."""

    routing_key: str | None
    label: str | None
    reason: str
    service_id: int | None = None
    hold: str = ""  # "paused" or "filtered": routed, yet an alert raised now would not be paged (see `outlook`)
    held: str | None = None  # why, in words


PAUSED_REASON = (
    "alerts are paused while PagerDuty refuses the credentials: they wait, and go out in order after a reconnect "
    "or a Test Connection that passes"
)
REPORT_RULES = ("new_report", "critical_assessed")


def held_for(org_id, incident=None):
    """(hold, why) when an alert raised now would not be paged though routed: the notification settings filter it
    out (the sender's own rules) or alerts are paused (refused credentials); None when it would be paged."""
    if incident is not None:
        wanted, why = rules.incident_wanted(org_id, incident)
        if not wanted:
            return "filtered", why
    elif not any(rules.rule_for(org_id, name)["enabled"] for name in REPORT_RULES):
        names = " and ".join(f"“{rules.RULE_EVENTS[name][0]}”" for name in REPORT_RULES)
        return "filtered", f"the {names} alert rules are off"
    connection = connection_for(org_id)
    if connection is not None and connection.state == "error":
        return "paused", PAUSED_REASON
    return None


def outlook(org_id, route, incident=None):
    """The route with what would hold an alert back now (paused or filtered out), for every "Alerts go to"."""
    if route is None:
        return route
    held = held_for(org_id, incident)
    return replace(route, hold=held[0], held=held[1]) if held else route


def service_problem(service):
    """Why alerts cannot go to this service now, in words; None when it can take them."""
    if service is None:
        return "it does not exist"
    if service.removed_at is not None:
        return "it is gone from PagerDuty (or not in the connected account)"
    if not service.enabled:
        return "it is not configured"
    if service.broken_at is not None:
        return f"its integration does not work ({service.broken_reason or 'PagerDuty refused it'})"
    if not service.integration_key:
        return "it has no integration key yet (reconnecting with an API token restores it)"
    return None


def _route_to(service, reason):
    return Route(service.integration_key, service.name, reason, service.id)


def _not_connected(connection):
    if connection is None:
        return Route(None, "not sent", "PagerDuty is not connected")
    if connection.state == "disconnected":
        return Route(None, DISCONNECTED_LABEL, "PagerDuty is disconnected")
    return None


def _routing_key_route(connection):
    if connection.method == "routing_key" and connection.routing_key:
        return Route(connection.routing_key, connection.service_name or "Legacy routing key", ROUTING_KEY_REASON)
    return None


def fallback_route(
    org_id: int, why: str, skip_service_id: int | None = None, default: Service | None | Unread = UNREAD
) -> Route:
    """After the assigned target: the default service, then the legacy key; nothing routed means no route.

    When a service meant to take the alert cannot (a refused or broken integration, `skip_service_id`, or a default
    service that cannot take it), the connect-time VDP key stands in before the legacy key: someone is still paged.
    """
    connection = connection_for(org_id)
    service = (
        db.session.scalar(db.select(Service).filter_by(org_id=org_id, is_default=True))
        if isinstance(default, Unread)
        else default  # the caller read it along with its own service
    )
    rescue = skip_service_id is not None
    if service is not None and service.id != skip_service_id:
        problem = service_problem(service)
        if problem is None:
            return _route_to(service, f"{why}; sent to the default service")
        why, rescue = f"{why}; the default service {service.name} cannot take it: {problem}", True
    if rescue and connection is not None and connection.method == "api_token" and connection.integration_key:
        return Route(connection.integration_key, vdp_key_label(connection), f"{why}; sent with the VDP integration key")
    if connection is not None and connection.routing_key:
        return Route(connection.routing_key, connection.service_name or "Legacy routing key", f"{why}; legacy key")
    if service is None:
        why = f"{why}, no default service"
    return Route(None, "no route", f"{why} and no routing key")


# Each incident runs one of these: built once (SQLAlchemy then reuses their cache key and compiled form).
RESOURCE_ASSIGNMENT = (
    db.select(CloudResource, Service)
    .outerjoin(ResourceRoute, ResourceRoute.cloud_resource_id == CloudResource.id)
    .outerjoin(Service, Service.id == ResourceRoute.service_id)
    .where(
        CloudResource.org_id == db.bindparam("org_id"),
        CloudResource.provider == db.bindparam("provider"),
        CloudResource.resource_id == db.bindparam("resource_id"),
    )
)
NAMESPACE_ASSIGNMENT = (
    db.select(Namespace, Service)
    .join(Cluster, Cluster.id == Namespace.cluster_id)
    .outerjoin(NamespaceRoute, NamespaceRoute.namespace_id == Namespace.id)
    .outerjoin(Service, Service.id == NamespaceRoute.service_id)
    .where(
        Cluster.org_id == db.bindparam("org_id"),
        Cluster.name == db.bindparam("cluster"),
        Namespace.name == db.bindparam("namespace"),
    )
)


def _assignment(incident: Incident) -> tuple[Service | None, str | None]:
    """The service a resource or namespace assignment names for this incident, with its description.

    The one statement also finds the incident's inventory row (when known), so that recording it in the inventory
    (`record_from_incident`) reads nothing again.
    """
    if incident.kind == "cloud" and incident.resource_id:
        found = db.session.execute(
            RESOURCE_ASSIGNMENT,
            {"org_id": incident.org_id, "provider": incident.provider, "resource_id": incident.resource_id},
        ).first()
        if found is not None:
            remember_resource(found[0])
        return found[1] if found else None, f"Cloud resource {incident.provider}:{incident.resource_id} is assigned"
    if incident.kind == "kubernetes" and incident.namespace:
        found = db.session.execute(
            NAMESPACE_ASSIGNMENT,
            {"org_id": incident.org_id, "cluster": incident.cluster, "namespace": incident.namespace},
        ).first()
        if found is not None:
            remember_namespace(found[0], incident.cluster)
        return found[1] if found else None, f"Namespace {incident.cluster}/{incident.namespace} is assigned"
    return None, None


def route_for_incident(incident):
    """Resource or namespace assignment, then the default service, then the legacy key (see fallback_route)."""
    direct = direct_route(incident.org_id)
    if direct is not None:
        return direct
    service, why = _assignment(incident)
    return assigned_route(incident.org_id, service, why)


def direct_route(org_id: int) -> Route | None:
    """The route that needs no assignment (not connected, disconnected, the routing-key method), else None."""
    connection = connection_for(org_id)
    return _not_connected(connection) or _routing_key_route(connection)


def assigned_route(org_id: int, service, why: str | None, default: Service | None | Unread = UNREAD) -> Route:
    """The route once the assignment is read: its service when it can take alerts, else the fallbacks (with
    `default`, the default service, when the caller read it along with the assignment)."""
    if service is None:
        return fallback_route(org_id, "No assignment matches", default=default)
    problem = service_problem(service)
    if problem is None:
        return _route_to(service, f"{why} to {service.name}")
    return fallback_route(
        org_id, f"{why} to {service.name}, but {problem}", skip_service_id=service.id, default=default
    )


def vdp_key_label(connection) -> str:
    """The integration key given at connect, by the name of the PagerDuty service that holds it once Sync Services or
    the health check found it (the service's name counts its alerts in the response figures, F48)."""
    return connection.service_name or "VDP integration key"


def route_for_vdp(org_id: int) -> Route:
    """The integration key given at connect, else the VDP service, else the default."""
    connection = connection_for(org_id)
    direct = _not_connected(connection) or _routing_key_route(connection)
    if direct is not None:
        return direct
    if connection.integration_key:
        return Route(connection.integration_key, vdp_key_label(connection), "The integration key given at connect")
    # the VDP service and the default one in one statement (the default is the fallback)
    candidates = db.session.scalars(
        db.select(Service).where(Service.org_id == org_id, or_(Service.is_vdp, Service.is_default))
    ).all()
    service = next((candidate for candidate in candidates if candidate.is_vdp), None)
    default = next((candidate for candidate in candidates if candidate.is_default), None)
    if service is None:
        return fallback_route(org_id, "No VDP integration key or VDP service", default=default)
    problem = service_problem(service)
    if problem is None:
        return _route_to(service, "The service chosen for VDP alerts")
    return fallback_route(org_id, f"The VDP service {service.name} cannot take it: {problem}", service.id, default)
