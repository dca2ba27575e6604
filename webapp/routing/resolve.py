"""Where an alert goes: the route and the reason. The routing feature adds namespace and resource routes."""

from dataclasses import dataclass

from webapp.connection.services import connection_for
from webapp.extensions import db
from webapp.models import CloudResource, Cluster, Namespace, NamespaceRoute, ResourceRoute, Service


@dataclass(frozen=True)
class Route:
    """A target for an Events API event, or none (routing_key None) with the reason."""

    routing_key: str | None
    label: str
    reason: str
    service_id: int | None = None


def _default_route(org_id, connection, why_not_more):
    service = db.session.scalar(
        db.select(Service).filter_by(org_id=org_id, is_default=True, enabled=True).where(Service.removed_at.is_(None))
    )
    if service and service.integration_key:
        return Route(service.integration_key, service.name, f"{why_not_more}; sent to the default service", service.id)
    if connection and connection.method == "routing_key" and connection.routing_key:
        return Route(
            connection.routing_key,
            connection.service_name or "Legacy routing key",
            f"{why_not_more}; sent with the legacy routing key",
        )
    return Route(None, "no route", f"{why_not_more}, no default service and no routing key")


def _usable(service):
    return service is not None and service.enabled and service.removed_at is None and service.integration_key


def _assignment(incident):
    """The service a resource or namespace assignment names for this incident, with its description."""
    if incident.kind == "cloud" and incident.resource_id:
        service = db.session.scalar(
            db.select(Service)
            .join(ResourceRoute, ResourceRoute.service_id == Service.id)
            .join(CloudResource, CloudResource.id == ResourceRoute.cloud_resource_id)
            .where(
                CloudResource.org_id == incident.org_id,
                CloudResource.provider == incident.provider,
                CloudResource.resource_id == incident.resource_id,
            )
        )
        return service, f"Cloud resource {incident.provider}:{incident.resource_id} is assigned"
    if incident.kind == "kubernetes" and incident.namespace:
        service = db.session.scalar(
            db.select(Service)
            .join(NamespaceRoute, NamespaceRoute.service_id == Service.id)
            .join(Namespace, Namespace.id == NamespaceRoute.namespace_id)
            .join(Cluster, Cluster.id == Namespace.cluster_id)
            .where(
                Cluster.org_id == incident.org_id,
                Cluster.name == incident.cluster,
                Namespace.name == incident.namespace,
            )
        )
        return service, f"Namespace {incident.cluster}/{incident.namespace} is assigned"
    return None, None


def route_for_incident(incident):
    """Resource or namespace assignment, then the default service, then the legacy routing key."""
    connection = connection_for(incident.org_id)
    if connection is not None and connection.method == "api_token":
        service, why = _assignment(incident)
        if _usable(service):
            return Route(service.integration_key, service.name, f"{why} to {service.name}", service.id)
        if service is not None:
            return _default_route(incident.org_id, connection, f"{why} to {service.name}, which is not configured")
    return _default_route(incident.org_id, connection, "No assignment matches")


def route_for_vdp(org_id):
    """The integration key given at connect, else the VDP service, else the default."""
    connection = connection_for(org_id)
    if connection and connection.method == "api_token" and connection.integration_key:
        return Route(connection.integration_key, "VDP integration key", "The integration key given at connect")
    service = db.session.scalar(
        db.select(Service).filter_by(org_id=org_id, is_vdp=True, enabled=True).where(Service.removed_at.is_(None))
    )
    if service and service.integration_key:
        return Route(service.integration_key, service.name, "The service chosen for VDP alerts", service.id)
    return _default_route(org_id, connection, "No VDP integration key or VDP service")
