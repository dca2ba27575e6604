"""The statements of an incident's creation, in Core: built once per shape and dialect, run with plain values.

`read_route` is one SELECT: the incident's namespace (or cloud resource) with the service it is assigned to, the
org's default service, and on PostgreSQL the new incident's id (nextval), so that the payload that names it can be
written in the same statement as the incident. `write` is that statement on PostgreSQL (data-modifying CTEs: the
incident ON CONFLICT DO NOTHING, its timeline lines and its delivery selected from it, so a repeated external_id
writes nothing); on SQLite it is one INSERT per table.
"""

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, bindparam, cast, func, literal, null, select, true, union_all
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from webapp.extensions import db
from webapp.models import (
    CloudResource,
    Cluster,
    Delivery,
    Incident,
    Namespace,
    NamespaceRoute,
    ResourceRoute,
    Service,
    TimelineEntry,
)

INCIDENTS, ENTRIES, DELIVERIES = Incident.__table__, TimelineEntry.__table__, Delivery.__table__
SERVICE_COLUMNS = ("id", "name", "enabled", "integration_key", "removed_at", "broken_at", "broken_reason")
INCIDENT_COLUMNS = (
    *("org_id", "kind", "title", "severity", "status", "transient", "cluster", "namespace", "provider"),
    *("resource_id", "resource_type", "root_cause", "affected_resources", "remediation_steps", "external_id"),
    *("created_at", "updated_at", "pd_paged_exact"),
)
ENTRY_COLUMNS = ("org_id", "at", "kind", "message", "actor")
DELIVERY_COLUMNS = (
    *("org_id", "action", "event_type", "subject_type", "dedup_key", "severity", "priority", "target_kind"),
    *("target_label", "service_id", "routing_key", "route_reason", "payload", "status", "attempts"),
    *("next_attempt_at", "pace_group", "created_at", "updated_at"),
)
DELIVERY_DEFAULTS = {"target_kind": "events", "attempts": 0, "subject_type": None, "dedup_key": None}
_built: dict[tuple, Any] = {}


@dataclass(frozen=True)
class RouteRows:
    """What `read_route` found: the inventory row's id (and a resource's type), the assigned and default services
    (plain rows, None when there is none), the assignment's description, the new id (PostgreSQL)."""

    inventory_id: int | None
    resource_type: str | None
    assigned: SimpleNamespace | None
    default: SimpleNamespace | None
    why: str | None
    next_id: int | None


def _services(table, prefix: str) -> list:
    return [table.c[name].label(prefix + name) for name in SERVICE_COLUMNS]


def _assignment(variant: str):
    """The inventory row and its assigned service, as a subquery of one row at most (bound by name)."""
    assigned = Service.__table__.alias("assigned")
    if variant == "kubernetes":
        namespaces, clusters, routes = Namespace.__table__, Cluster.__table__, NamespaceRoute.__table__
        return (
            select(namespaces.c.id.label("row_id"), null().label("row_type"), *_services(assigned, "a_"))
            .select_from(
                namespaces.join(clusters, clusters.c.id == namespaces.c.cluster_id)
                .outerjoin(routes, routes.c.namespace_id == namespaces.c.id)
                .outerjoin(assigned, assigned.c.id == routes.c.service_id)
            )
            .where(
                clusters.c.org_id == bindparam("org_id"),
                clusters.c.name == bindparam("cluster"),
                namespaces.c.name == bindparam("namespace"),
            )
            .limit(1)
            .subquery("assignment")
        )
    resources, routes = CloudResource.__table__, ResourceRoute.__table__
    return (
        select(resources.c.id.label("row_id"), resources.c.resource_type.label("row_type"), *_services(assigned, "a_"))
        .select_from(
            resources.outerjoin(routes, routes.c.cloud_resource_id == resources.c.id).outerjoin(
                assigned, assigned.c.id == routes.c.service_id
            )
        )
        .where(
            resources.c.org_id == bindparam("org_id"),
            resources.c.provider == bindparam("provider"),
            resources.c.resource_id == bindparam("resource_id"),
        )
        .limit(1)
        .subquery("assignment")
    )


def _route_statement(dialect: str, variant: str) -> Select:
    fallback = Service.__table__.alias("fallback")
    default = (
        select(*_services(fallback, "d_"))
        .where(fallback.c.org_id == bindparam("org_id"), fallback.c.is_default == true())
        .limit(1)
        .subquery("fallback")
    )
    next_id = func.nextval(func.pg_get_serial_sequence("incidents", "id")) if dialect == "postgresql" else null()
    anchor = select(literal(1).label("one")).subquery("anchor")
    joined = anchor.outerjoin(default, true())
    columns = [next_id.label("next_id"), *default.c]
    if variant:
        assignment = _assignment(variant)
        joined = joined.outerjoin(assignment, true())
        columns += list(assignment.c)
    return select(*columns).select_from(joined)


def _variant(incident: SimpleNamespace) -> str:
    if incident.kind == "cloud" and incident.resource_id:
        return "cloud"
    if incident.kind == "kubernetes" and incident.namespace:
        return "kubernetes"
    return ""


def _service(row: Any, prefix: str) -> SimpleNamespace | None:
    if getattr(row, prefix + "id") is None:
        return None
    return SimpleNamespace(**{name: getattr(row, prefix + name) for name in SERVICE_COLUMNS})


def read_route(incident: SimpleNamespace) -> RouteRows:
    """The rows routing and the inventory need for this incident, in one statement."""
    dialect, variant = _dialect(), _variant(incident)
    statement = _once(("route", dialect, variant), lambda: _route_statement(dialect, variant))
    params = {"org_id": incident.org_id}
    why = None
    if variant == "kubernetes":
        params.update(cluster=incident.cluster, namespace=incident.namespace)
        why = f"Namespace {incident.cluster}/{incident.namespace} is assigned"
    elif variant == "cloud":
        params.update(provider=incident.provider, resource_id=incident.resource_id)
        why = f"Cloud resource {incident.provider}:{incident.resource_id} is assigned"
    row = db.session.execute(statement, params).one()
    return RouteRows(
        getattr(row, "row_id", None),
        getattr(row, "row_type", None),
        _service(row, "a_") if variant else None,
        _service(row, "d_"),
        why,
        row.next_id,
    )


def write(
    incident: SimpleNamespace,
    entries: list[SimpleNamespace],
    delivery: dict[str, Any] | None,
    next_id: int | None,
    complete: Callable[[SimpleNamespace, dict[str, Any]], None],
) -> int | None:
    """Insert the incident, its timeline lines and its delivery (which `complete` fills in once the id is known);
    returns the incident's id, or None when its external_id is the org's already (then nothing is written)."""
    if next_id is not None:  # PostgreSQL: everything is known now, one statement
        incident.id = next_id
        if delivery is not None:
            complete(incident, delivery)
        statement = _once(("write", len(entries), delivery is not None), lambda: _cte(len(entries), delivery))
        params = _incident_params(incident) | _entry_params(incident, entries) | _delivery_params(delivery)
        return db.session.execute(statement, params).scalar()
    statement = _once(("incident", _dialect()), lambda: _incident_insert(_dialect()).returning(INCIDENTS.c.id))
    incident.id = db.session.execute(statement, _incident_params(incident)).scalar()
    if incident.id is None:
        return None
    rows = [{"org_id": incident.org_id, "incident_id": incident.id, **_entry(entry)} for entry in entries]
    db.session.execute(ENTRIES.insert(), rows)
    if delivery is not None:
        complete(incident, delivery)
        db.session.execute(DELIVERIES.insert(), {**DELIVERY_DEFAULTS, **delivery, "subject_id": incident.id})
    return incident.id


def _incident_insert(dialect: str):
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    values = {name: bindparam("i_" + name, type_=INCIDENTS.c[name].type) for name in ("id", *INCIDENT_COLUMNS)}
    if dialect != "postgresql":
        del values["id"]
    return insert(INCIDENTS).values(values).on_conflict_do_nothing(index_elements=["org_id", "external_id"])


def _bound(table, prefix: str, names: tuple[str, ...]) -> list:
    return [cast(bindparam(prefix + name, type_=table.c[name].type), table.c[name].type) for name in names]


def _cte(entries: int, with_delivery: bool):
    """The PostgreSQL statement: WITH the incident, its lines [, its delivery] SELECT its id."""
    new = _incident_insert("postgresql").returning(INCIDENTS.c.id).cte("new_incident")
    lines = [select(*_bound(ENTRIES, f"t{n}_", ENTRY_COLUMNS), new.c.id).select_from(new) for n in range(entries)]
    written = [
        ENTRIES.insert()
        .from_select([*ENTRY_COLUMNS, "incident_id"], union_all(*lines) if entries > 1 else lines[0])
        .cte("new_entries")
    ]
    if with_delivery:
        chosen = select(*_bound(DELIVERIES, "d_", DELIVERY_COLUMNS), new.c.id).select_from(new)
        written.append(DELIVERIES.insert().from_select([*DELIVERY_COLUMNS, "subject_id"], chosen).cte("new_delivery"))
    return select(new.c.id).add_cte(*written)


def _incident_params(incident: SimpleNamespace) -> dict[str, Any]:
    return {"i_" + name: getattr(incident, name) for name in ("id", *INCIDENT_COLUMNS)}


def _entry(entry: SimpleNamespace) -> dict[str, Any]:
    return {"at": entry.at, "kind": entry.kind, "message": entry.message, "actor": entry.actor}


def _entry_params(incident: SimpleNamespace, entries: list[SimpleNamespace]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for n, entry in enumerate(entries):
        params.update({f"t{n}_{name}": value for name, value in _entry(entry).items()})
        params[f"t{n}_org_id"] = incident.org_id
    return params


def _delivery_params(delivery: dict[str, Any] | None) -> dict[str, Any]:
    if delivery is None:
        return {}
    values = {**DELIVERY_DEFAULTS, **delivery}
    return {"d_" + name: values.get(name) for name in DELIVERY_COLUMNS}


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _once(key: tuple, build: Callable[[], Any]) -> Any:
    """A statement built once per process (SQLAlchemy then finds its compiled form by its cache key)."""
    statement = _built.get(key)
    if statement is None:
        statement = _built[key] = build()
    return statement
