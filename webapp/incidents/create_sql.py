"""The writes of an incident's creation, in Core: built once per shape, run with plain values.

On PostgreSQL one statement (data-modifying CTEs): the incident ON CONFLICT DO NOTHING, its timeline lines and its
delivery selected from it, so that a repeated external_id writes nothing. On SQLite one INSERT per table.
"""

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, cast, select, union_all
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from webapp.extensions import db
from webapp.models import Delivery, Incident, TimelineEntry

INCIDENTS, ENTRIES, DELIVERIES = Incident.__table__, TimelineEntry.__table__, Delivery.__table__
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
        return _connection().execute(statement, params).scalar()
    statement = _once(("incident", _dialect()), lambda: _incident_insert(_dialect()).returning(INCIDENTS.c.id))
    incident.id = _connection().execute(statement, _incident_params(incident)).scalar()
    if incident.id is None:
        return None
    rows = [{"org_id": incident.org_id, "incident_id": incident.id, **_entry(entry)} for entry in entries]
    _connection().execute(ENTRIES.insert(), rows)
    if delivery is not None:
        complete(incident, delivery)
        _connection().execute(DELIVERIES.insert(), {**DELIVERY_DEFAULTS, **delivery, "subject_id": incident.id})
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


def _connection():
    """The session's connection: Core statements skip the ORM's execution layers (nothing here is an entity)."""
    return db.session.connection()
