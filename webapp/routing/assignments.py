"""Route assignments: a namespace or a cloud resource sent to one PagerDuty service, through one abstraction."""

from collections.abc import Callable
from dataclasses import dataclass

from webapp.audit.services import record
from webapp.errors import Conflict, DomainError
from webapp.extensions import db
from webapp.models import CloudResource, Namespace, NamespaceRoute, ResourceRoute, Service
from webapp.tenancy import get_in_org

PAGE_SIZE = 50


@dataclass(frozen=True)
class RouteKind:
    """What a kind of assignment routes: its route model, the subject it routes (column, relationship, form field)
    and how to name that subject."""

    name: str
    route_model: type
    subject_model: type
    subject_column: str
    subject: str
    field: str
    what: str
    label: Callable[[object], str]
    audit: Callable[[object], dict]


NAMESPACES = RouteKind(
    name="namespace",
    route_model=NamespaceRoute,
    subject_model=Namespace,
    subject_column="namespace_id",
    subject="namespace",
    field="namespace_id",
    what="namespace",
    label=lambda namespace: f"{namespace.cluster.name}/{namespace.name}",
    audit=lambda namespace: {"cluster": namespace.cluster.name, "namespace": namespace.name},
)
RESOURCES = RouteKind(
    name="resource",
    route_model=ResourceRoute,
    subject_model=CloudResource,
    subject_column="cloud_resource_id",
    subject="resource",
    field="resource_id",
    what="cloud resource",
    label=lambda resource: resource.resource_id,
    audit=lambda resource: {"resource": resource.resource_id},
)


def assign(kind, org_id, subject_id, service_id, route_id=None):
    """Create or change a subject → service assignment; one per subject."""
    subject = get_in_org(kind.subject_model, org_id, subject_id, kind.what)
    service = routable_service(org_id, service_id)
    model, column = kind.route_model, kind.subject_column
    clash = db.session.scalar(db.select(model).filter_by(**{column: subject.id}))
    route = get_in_org(model, org_id, route_id, "assignment") if route_id else None
    if clash is not None and clash is not route:
        raise Conflict(
            f"{kind.label(subject)} already goes to {clash.service.name}.", fields={kind.field: "already assigned"}
        )
    unchanged = route is not None and getattr(route, column) == subject.id and route.service_id == service.id
    route = route or model(org_id=org_id)
    setattr(route, column, subject.id)
    route.service_id = service.id
    db.session.add(route)
    if not unchanged:
        record(org_id, f"route.{kind.name}_saved", {**kind.audit(subject), "service": service.pd_id})
    db.session.commit()
    return route


def assign_namespace(org_id, namespace_id, service_id, route_id=None):
    """Send a namespace's Kubernetes incidents to a service."""
    return assign(NAMESPACES, org_id, namespace_id, service_id, route_id)


def assign_resource(org_id, resource_id, service_id, route_id=None):
    """Send a cloud resource's incidents to a service."""
    return assign(RESOURCES, org_id, resource_id, service_id, route_id)


def routable_service(org_id, service_id):
    """The org's configured service with this id, or a form error."""
    try:
        service = get_in_org(Service, org_id, int(service_id), "service")
    except (TypeError, ValueError):
        raise DomainError("Pick a service.", fields={"service_id": "required"}) from None
    if not service.enabled or service.removed_at is not None:
        raise DomainError("Pick a configured service.", fields={"service_id": "not configured"})
    return service


def delete(kind, org_id, route_id):
    """Remove an assignment."""
    route = get_in_org(kind.route_model, org_id, route_id, "assignment")
    db.session.delete(route)
    record(org_id, "route.deleted", {"kind": kind.route_model.__tablename__, "id": route_id})
    db.session.commit()


def page_of(kind, org_id, page=1):
    """The org's assignments of this kind, newest first, paginated."""
    model = kind.route_model
    query = db.select(model).filter_by(org_id=org_id).order_by(model.id.desc())
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
