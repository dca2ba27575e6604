"""The part of a subject's creation (an incident or a report) that both write alike, in Core: its timeline lines and
its delivery, selected from the new subject's row in one statement of data-modifying CTEs on PostgreSQL, or one
INSERT per table on SQLite. Callers build each statement once per shape (`functools.cache`) and run it with plain
values: SQLAlchemy then finds its compiled form by its cache key."""

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from sqlalchemy import CTE, Column, Connection, Select, Table, bindparam, cast, select, union_all

from webapp.extensions import db
from webapp.models import Delivery, TimelineEntry

ENTRIES, DELIVERIES = TimelineEntry.__table__, Delivery.__table__
ENTRY_COLUMNS = ("org_id", "at", "kind", "message", "actor")
DELIVERY_COLUMNS = (
    *("org_id", "action", "event_type", "subject_type", "dedup_key", "severity", "priority", "target_kind"),
    *("target_label", "service_id", "routing_key", "route_reason", "payload", "status", "attempts"),
    *("next_attempt_at", "pace_group", "created_at", "updated_at"),
)
DELIVERY_DEFAULTS = {"target_kind": "events", "attempts": 0, "subject_type": None, "dedup_key": None}


def with_lines_and_delivery(new: CTE, subject_column: str, entries: int, with_delivery: bool) -> Select:
    """The PostgreSQL statement: WITH the new subject (`new`, a CTE returning its id), its `entries` lines [, its
    delivery] SELECT its id; `subject_column` names the subject's id in the lines and the delivery."""
    lines = [select(*bound(ENTRIES, f"t{n}_", ENTRY_COLUMNS), new.c.id).select_from(new) for n in range(entries)]
    written = [
        ENTRIES.insert()
        .from_select([*ENTRY_COLUMNS, subject_column], union_all(*lines) if entries > 1 else lines[0])
        .cte("new_entries")
    ]
    if with_delivery:
        chosen = select(*bound(DELIVERIES, "d_", DELIVERY_COLUMNS), new.c.id).select_from(new)
        written.append(DELIVERIES.insert().from_select([*DELIVERY_COLUMNS, "subject_id"], chosen).cte("new_delivery"))
    return select(new.c.id).add_cte(*written)


def bound(table: Table, prefix: str, names: tuple[str, ...]) -> list[Any]:
    """Bind parameters `prefix + name` for the columns `names` of `table`, cast to the columns' types."""
    columns: list[Column[Any]] = [table.c[name] for name in names]
    return [cast(bindparam(prefix + column.name, type_=column.type), column.type) for column in columns]


def line_and_delivery_params(
    subject: SimpleNamespace, entries: list[SimpleNamespace], delivery: dict[str, Any] | None
) -> dict[str, Any]:
    """The values of `with_lines_and_delivery`'s parameters for this subject's lines and delivery."""
    params: dict[str, Any] = {}
    for n, entry in enumerate(entries):
        params.update({f"t{n}_{name}": value for name, value in entry_values(entry).items()})
        params[f"t{n}_org_id"] = subject.org_id
    if delivery is not None:
        values = {**DELIVERY_DEFAULTS, **delivery}
        params.update({"d_" + name: values.get(name) for name in DELIVERY_COLUMNS})
    return params


def write_lines_and_delivery(
    subject: SimpleNamespace,
    subject_column: str,
    entries: list[SimpleNamespace],
    delivery: dict[str, Any] | None,
    complete: Callable[[SimpleNamespace, dict[str, Any]], None],
) -> None:
    """On SQLite, after the subject's own INSERT: its lines, then its delivery (filled in by `complete` now that the
    subject's id is known)."""
    rows = [{"org_id": subject.org_id, subject_column: subject.id, **entry_values(entry)} for entry in entries]
    connection().execute(ENTRIES.insert(), rows)
    if delivery is not None:
        complete(subject, delivery)
        connection().execute(DELIVERIES.insert(), {**DELIVERY_DEFAULTS, **delivery, "subject_id": subject.id})


def entry_values(entry: SimpleNamespace) -> dict[str, Any]:
    """A timeline line's own columns."""
    return {"at": entry.at, "kind": entry.kind, "message": entry.message, "actor": entry.actor}


def dialect() -> str:
    """The session's database dialect ("postgresql" or "sqlite")."""
    return db.session.get_bind().dialect.name


def connection() -> Connection:
    """The session's connection: Core statements skip the ORM's execution layers (nothing here is an entity)."""
    return db.session.connection()
