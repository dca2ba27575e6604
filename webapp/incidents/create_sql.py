"""The writes of an incident's creation, in Core: built once per shape, run with plain values.

On PostgreSQL one statement (data-modifying CTEs): the incident ON CONFLICT DO NOTHING, its timeline lines and its
delivery selected from it, so that a repeated external_id writes nothing. On SQLite one INSERT per table.
"""

from collections.abc import Callable
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from webapp.creation_sql import (
    connection,
    dialect,
    line_and_delivery_params,
    with_lines_and_delivery,
    write_lines_and_delivery,
)
from webapp.models import Incident

INCIDENTS = Incident.__table__
INCIDENT_COLUMNS = (
    *("org_id", "kind", "title", "severity", "status", "transient", "cluster", "namespace", "provider"),
    *("resource_id", "resource_type", "root_cause", "affected_resources", "remediation_steps", "external_id"),
    *("created_at", "updated_at", "pd_paged_exact"),
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
        statement = _cte(len(entries), delivery is not None)
        params = _incident_params(incident) | line_and_delivery_params(incident, entries, delivery)
        return connection().execute(statement, params).scalar()
    incident.id = connection().execute(_incident_insert_returning(dialect()), _incident_params(incident)).scalar()
    if incident.id is None:
        return None
    write_lines_and_delivery(incident, "incident_id", entries, delivery, complete)
    return incident.id


def _incident_insert(dialect_name: str):
    insert = postgresql_insert if dialect_name == "postgresql" else sqlite_insert
    values = {name: bindparam("i_" + name, type_=INCIDENTS.c[name].type) for name in ("id", *INCIDENT_COLUMNS)}
    if dialect_name != "postgresql":
        del values["id"]
    return insert(INCIDENTS).values(values).on_conflict_do_nothing(index_elements=["org_id", "external_id"])


@cache
def _incident_insert_returning(dialect_name: str):
    return _incident_insert(dialect_name).returning(INCIDENTS.c.id)


@cache
def _cte(entries: int, with_delivery: bool):
    """The PostgreSQL statement: WITH the incident, its lines [, its delivery] SELECT its id."""
    new = _incident_insert_returning("postgresql").cte("new_incident")
    return with_lines_and_delivery(new, "incident_id", entries, with_delivery)


def _incident_params(incident: SimpleNamespace) -> dict[str, Any]:
    return {"i_" + name: getattr(incident, name) for name in ("id", *INCIDENT_COLUMNS)}
