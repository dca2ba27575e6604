"""Services and routes: configure, default, VDP service, namespace and cloud-resource assignments."""

from sqlalchemy import or_, update
from sqlalchemy.orm import load_only

from webapp.audit.services import record
from webapp.connection.services import credentials_for, mark_auth_failure
from webapp.errors import Conflict, DomainError
from webapp.extensions import db
from webapp.models import CloudResource, Namespace, NamespaceRoute, ResourceRoute, Service
from webapp.pagerduty import client
from webapp.routing.pagerduty_api import create_events_integration, events_integration
from webapp.tenancy import get_in_org

PAGE_SIZE = 50


def _in_org(model, org_id, record_id, what):
    return get_in_org(model, org_id, record_id, what)


def services_page(org_id, q=None, page=1):
    """Services by name, searchable, paginated."""
    query = db.select(Service).filter_by(org_id=org_id)
    if q:
        query = query.where(Service.name.ilike(f"%{q.strip()}%"))
    query = query.order_by(Service.is_default.desc(), Service.enabled.desc(), Service.name)
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def configured_services(org_id):
    """Services that can receive alerts."""
    return db.session.scalars(
        db.select(Service)
        .options(load_only(Service.id, Service.name))
        .where(Service.org_id == org_id, Service.enabled.is_(True), Service.removed_at.is_(None))
        .order_by(Service.name)
    ).all()


def configure_service(org_id, service_id):
    """Enable a service: find its Events API v2 integration or create one, and keep the key."""
    service = _in_org(Service, org_id, service_id, "service")
    if service.removed_at is not None:
        raise Conflict("This service is gone from PagerDuty; sync again or pick another.")
    credentials = credentials_for(org_id)
    try:
        integration = events_integration(credentials, service.pd_id) or create_events_integration(
            credentials, service.pd_id
        )
    except client.PagerDutyError as error:
        if error.is_auth_failure:
            mark_auth_failure(org_id, error.message)
        raise DomainError(f"PagerDuty did not let us configure {service.name}: {error.message}") from None
    service.enabled, service.integration_id = True, integration["id"]
    service.integration_key = integration["integration_key"]
    record(org_id, "service.configured", {"service": service.pd_id, "name": service.name})
    db.session.commit()
    return service


def disable_service(org_id, service_id):
    """Stop routing to a service (its routes stay, falling through to the default)."""
    service = _in_org(Service, org_id, service_id, "service")
    service.enabled, service.is_default, service.is_vdp = False, False, False
    record(org_id, "service.disabled", {"service": service.pd_id})
    db.session.commit()
    return service


def _make_exclusive(org_id, service_id, flag, action):
    service = _in_org(Service, org_id, service_id, "service")
    if not service.enabled:
        raise Conflict("Configure the service first.")
    db.session.execute(
        update(Service)
        .where(Service.org_id == org_id, getattr(Service, flag).is_(True))
        .values({flag: False})
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    setattr(service, flag, True)
    record(org_id, action, {"service": service.pd_id, "name": service.name})
    db.session.commit()
    return service


def set_default(org_id, service_id):
    """Make this the one default service."""
    return _make_exclusive(org_id, service_id, "is_default", "service.default_set")


def set_vdp(org_id, service_id):
    """Send VDP alerts here when no integration key was given at connect."""
    return _make_exclusive(org_id, service_id, "is_vdp", "service.vdp_set")


def assign_namespace(org_id, namespace_id, service_id, route_id=None):
    """Create or change a namespace → service assignment; one per namespace."""
    namespace = _in_org(Namespace, org_id, namespace_id, "namespace")
    service = _routable(org_id, service_id)
    clash = db.session.scalar(db.select(NamespaceRoute).filter_by(namespace_id=namespace.id))
    route = _in_org(NamespaceRoute, org_id, route_id, "assignment") if route_id else None
    if clash is not None and clash is not route:
        raise Conflict(
            f"{namespace.cluster.name}/{namespace.name} already goes to {clash.service.name}.",
            fields={"namespace_id": "already assigned"},
        )
    route = route or NamespaceRoute(org_id=org_id)
    route.namespace_id, route.service_id = namespace.id, service.id
    db.session.add(route)
    record(
        org_id,
        "route.namespace_saved",
        {"cluster": namespace.cluster.name, "namespace": namespace.name, "service": service.pd_id},
    )
    db.session.commit()
    return route


def assign_resource(org_id, resource_id, service_id, route_id=None):
    """Create or change a cloud resource → service assignment."""
    resource = _in_org(CloudResource, org_id, resource_id, "cloud resource")
    service = _routable(org_id, service_id)
    clash = db.session.scalar(db.select(ResourceRoute).filter_by(cloud_resource_id=resource.id))
    route = _in_org(ResourceRoute, org_id, route_id, "assignment") if route_id else None
    if clash is not None and clash is not route:
        raise Conflict(
            f"{resource.resource_id} already goes to {clash.service.name}.", fields={"resource_id": "already assigned"}
        )
    route = route or ResourceRoute(org_id=org_id)
    route.cloud_resource_id, route.service_id = resource.id, service.id
    db.session.add(route)
    record(org_id, "route.resource_saved", {"resource": resource.resource_id, "service": service.pd_id})
    db.session.commit()
    return route


def _routable(org_id, service_id):
    try:
        service = _in_org(Service, org_id, int(service_id), "service")
    except (TypeError, ValueError):
        raise DomainError("Pick a service.", fields={"service_id": "required"}) from None
    if not service.enabled or service.removed_at is not None:
        raise DomainError("Pick a configured service.", fields={"service_id": "not configured"})
    return service


def delete_route(org_id, model, route_id):
    """Remove an assignment."""
    route = _in_org(model, org_id, route_id, "assignment")
    db.session.delete(route)
    record(org_id, "route.deleted", {"kind": model.__tablename__, "id": route_id})
    db.session.commit()


def namespace_routes(org_id, page=1):
    """Namespace assignments, paginated."""
    query = db.select(NamespaceRoute).filter_by(org_id=org_id).order_by(NamespaceRoute.id.desc())
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def resource_routes(org_id, page=1):
    """Cloud resource assignments, paginated."""
    query = db.select(ResourceRoute).filter_by(org_id=org_id).order_by(ResourceRoute.id.desc())
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def search_resources(org_id, q, limit=20):
    """Resources whose id, name, type or provider contains q (search-as-you-type)."""
    query = db.select(CloudResource).filter_by(org_id=org_id)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(
            or_(
                CloudResource.resource_id.ilike(like),
                CloudResource.name.ilike(like),
                CloudResource.resource_type.ilike(like),
                CloudResource.provider.ilike(like),
            )
        )
    return db.session.scalars(query.order_by(CloudResource.resource_id).limit(limit)).all()
