"""What routing a new incident reads, in Core: its namespace (or cloud resource) with the service it is assigned to,
the org's default service, and on PostgreSQL the new incident's id (nextval), so that the payload that names it can
be written in the same statement as the incident.

`read_route` reads them in a statement of their own; `join_route` adds them to another (the API token's lookup,
which then reads everything a create needs in its one round trip).
"""

from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, literal, null, select, true

from webapp.extensions import db
from webapp.models import CloudResource, Cluster, Namespace, NamespaceRoute, ResourceRoute, Service

SERVICE_COLUMNS = ("id", "name", "enabled", "integration_key", "removed_at", "broken_at", "broken_reason")
PROBE_FIELDS = ("kind", "cluster", "namespace", "provider", "resource_id")


@dataclass(frozen=True)
class RouteRows:
    """What was read: the inventory row's id (and a resource's type), the assigned and default services (plain rows,
    None when there is none), the assignment's description, the new id (PostgreSQL), and for which incident."""

    inventory_id: int | None
    resource_type: str | None
    assigned: SimpleNamespace | None
    default: SimpleNamespace | None
    why: str | None
    next_id: int | None
    probe: tuple = ()


def probe_of(fields: Any) -> tuple:
    """What routing depends on in an incident (a mapping or an object): rows read for one probe serve only it."""
    get = fields.get if isinstance(fields, dict) else lambda name: getattr(fields, name, None)
    return tuple(get(name) for name in PROBE_FIELDS)


def variant_of(probe: tuple) -> str:
    """Which assignment the incident has: "kubernetes", "cloud", or "" (none to read)."""
    kind, _cluster, namespace, _provider, resource_id = probe
    if kind == "cloud" and resource_id:
        return "cloud"
    if kind == "kubernetes" and namespace:
        return "kubernetes"
    return ""


def _services(table, prefix: str) -> list:
    return [table.c[name].label(prefix + name) for name in SERVICE_COLUMNS]


def _assignment(variant: str, org: Any = None):
    """The inventory row with its assigned service (bound by name): of the org `org` (one row), or of any org with
    its org id as `row_org`, for a join on it."""
    assigned = Service.__table__.alias("assigned")
    if variant == "kubernetes":
        namespaces, clusters, routes = Namespace.__table__, Cluster.__table__, NamespaceRoute.__table__
        row, row_org = [namespaces.c.id.label("row_id"), null().label("row_type")], clusters.c.org_id
        joined = (
            namespaces.join(clusters, clusters.c.id == namespaces.c.cluster_id)
            .outerjoin(routes, routes.c.namespace_id == namespaces.c.id)
            .outerjoin(assigned, assigned.c.id == routes.c.service_id)
        )
        named = and_(clusters.c.name == bindparam("cluster"), namespaces.c.name == bindparam("namespace"))
    else:
        resources, routes = CloudResource.__table__, ResourceRoute.__table__
        row, row_org = [resources.c.id.label("row_id"), resources.c.resource_type.label("row_type")], resources.c.org_id
        joined = resources.outerjoin(routes, routes.c.cloud_resource_id == resources.c.id).outerjoin(
            assigned, assigned.c.id == routes.c.service_id
        )
        named = and_(resources.c.provider == bindparam("provider"), resources.c.resource_id == bindparam("resource_id"))
    found = select(*row, *_services(assigned, "a_")).select_from(joined).where(named)
    if org is None:
        return found.add_columns(row_org.label("row_org")).subquery("assignment")
    return found.where(row_org == org).limit(1).subquery("assignment")


def _next_id(dialect: str):
    next_id = func.nextval(func.pg_get_serial_sequence("incidents", "id")) if dialect == "postgresql" else null()
    return next_id.label("next_id")


@cache  # built once: SQLAlchemy then finds its compiled form by its cache key
def _route_statement(dialect: str, variant: str) -> Select:
    fallback = Service.__table__.alias("fallback")
    default = (
        select(*_services(fallback, "d_"))
        .where(fallback.c.org_id == bindparam("org_id"), fallback.c.is_default == true())
        .limit(1)
        .subquery("fallback")
    )
    anchor = select(literal(1).label("one")).subquery("anchor")
    joined = anchor.outerjoin(default, true())
    columns = [_next_id(dialect), *default.c]
    if variant:
        assignment = _assignment(variant, bindparam("org_id"))
        joined = joined.outerjoin(assignment, true())
        columns += list(assignment.c)
    return select(*columns).select_from(joined)


def join_route(statement: Select, org_id: Any, dialect: str, variant: str) -> Select:
    """`statement` (one row per org) with the route's columns of the org `org_id` (a column) added."""
    fallback = Service.__table__.alias("fallback")
    statement = statement.add_columns(_next_id(dialect), *_services(fallback, "d_")).outerjoin(
        fallback, and_(fallback.c.org_id == org_id, fallback.c.is_default == true())
    )
    if variant:
        assignment = _assignment(variant)
        columns = [column for column in assignment.c if column.name != "row_org"]
        statement = statement.add_columns(*columns).outerjoin(assignment, assignment.c.row_org == org_id)
    return statement


def params_of(probe: tuple) -> dict[str, Any]:
    """The bound names of the route's statement for this incident."""
    _kind, cluster, namespace, provider, resource_id = probe
    variant = variant_of(probe)
    if variant == "kubernetes":
        return {"cluster": cluster, "namespace": namespace}
    if variant == "cloud":
        return {"provider": provider, "resource_id": resource_id}
    return {}


def _service(row: Any, prefix: str) -> SimpleNamespace | None:
    if getattr(row, prefix + "id") is None:
        return None
    return SimpleNamespace(**{name: getattr(row, prefix + name) for name in SERVICE_COLUMNS})


def rows_of(row: Any, probe: tuple) -> RouteRows:
    """RouteRows from a row with the route's columns (of `read_route`'s statement or of one `join_route` built)."""
    _kind, cluster, namespace, provider, resource_id = probe
    variant = variant_of(probe)
    why = None
    if variant == "kubernetes":
        why = f"Namespace {cluster}/{namespace} is assigned"
    elif variant == "cloud":
        why = f"Cloud resource {provider}:{resource_id} is assigned"
    return RouteRows(
        getattr(row, "row_id", None),
        getattr(row, "row_type", None),
        _service(row, "a_") if variant else None,
        _service(row, "d_"),
        why,
        row.next_id,
        probe,
    )


def read_route(org_id: int, probe: tuple) -> RouteRows:
    """The rows routing and the inventory need for this incident, in one statement."""
    dialect, variant = db.session.get_bind().dialect.name, variant_of(probe)
    row = (
        db.session.connection()
        .execute(_route_statement(dialect, variant), {"org_id": org_id, **params_of(probe)})
        .one()
    )
    return rows_of(row, probe)
