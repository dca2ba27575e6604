"""What creating a report reads and writes, in Core: built once per shape, run with plain values.

The read: on PostgreSQL the new report's id (nextval, so its payload can name it in the write), the org's shift in
force with its user, and its VDP and default services. The write: on PostgreSQL one statement (data-modifying CTEs:
the report, its timeline lines and its delivery); on SQLite one INSERT per table.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, literal, null, select, true

from webapp.creation_sql import (
    connection,
    dialect,
    line_and_delivery_params,
    with_lines_and_delivery,
    write_lines_and_delivery,
)
from webapp.models import Report, Service, Shift, User

REPORTS = Report.__table__
REPORT_COLUMNS = (
    *("org_id", "title", "description", "researcher_email", "severity", "status", "source", "submitted_at"),
    *("sla_deadline", "sla_state", "assignee_id", "updated_at", "pd_paged_exact"),
)
SERVICE_COLUMNS = ("id", "name", "enabled", "integration_key", "removed_at", "broken_at", "broken_reason")
SHIFT_COLUMNS = ("user_id", "source", "ends_at")


@dataclass(frozen=True)
class ReportRows:
    """What was read: the new id (PostgreSQL), the newest unended shift with its user's name and email, and the VDP
    and default services (plain rows, None when there is none)."""

    next_id: int | None
    shift: SimpleNamespace | None
    vdp: SimpleNamespace | None
    default: SimpleNamespace | None


def read(org_id: int) -> ReportRows:
    """The rows a new report of the org needs, in one statement."""
    row = connection().execute(_read_statement(dialect()), {"org_id": org_id}).one()
    return rows_of(row)


def join_read(statement: Select, org_id: Any, dialect: str) -> Select:
    """`statement` (one row per org) with what a new report of the org `org_id` (a column) needs, as `read` reads it
    (the API token's lookup reads it along, in its one round trip)."""
    shifts, users = Shift.__table__.alias("shift"), User.__table__.alias("shift_user")
    unended = Shift.__table__.alias("unended")
    newest = select(func.max(unended.c.id)).where(unended.c.org_id == org_id, unended.c.ended_at.is_(None))
    vdp, default = Service.__table__.alias("vdp"), Service.__table__.alias("fallback")
    return (
        statement.add_columns(
            _next_id(dialect),
            *[shifts.c[name].label("s_" + name) for name in SHIFT_COLUMNS],
            users.c.name.label("s_name"),
            users.c.email.label("s_email"),
            *[vdp.c[name].label("v_" + name) for name in SERVICE_COLUMNS],
            *[default.c[name].label("d_" + name) for name in SERVICE_COLUMNS],
        )
        .outerjoin(shifts, shifts.c.id == newest.scalar_subquery())
        .outerjoin(users, users.c.id == shifts.c.user_id)
        .outerjoin(vdp, and_(vdp.c.org_id == org_id, vdp.c.is_vdp))
        .outerjoin(default, and_(default.c.org_id == org_id, default.c.is_default))
    )


def rows_of(row: Any) -> ReportRows:
    """ReportRows from a row with the columns of `read`'s statement or of one `join_read` built."""
    shift = None
    if row.s_user_id is not None:
        shift = SimpleNamespace(**{name: getattr(row, "s_" + name) for name in SHIFT_COLUMNS})
        shift.display_name, shift.email = row.s_name or row.s_email, row.s_email
    return ReportRows(row.next_id, shift, _service(row, "v_"), _service(row, "d_"))


def _service(row: Any, prefix: str) -> SimpleNamespace | None:
    if getattr(row, prefix + "id") is None:
        return None
    return SimpleNamespace(**{name: getattr(row, prefix + name) for name in SERVICE_COLUMNS})


@cache
def _read_statement(dialect: str):
    shifts, users = Shift.__table__, User.__table__
    shift = (
        select(*[shifts.c[name].label("s_" + name) for name in SHIFT_COLUMNS])
        .add_columns(users.c.name.label("s_name"), users.c.email.label("s_email"))
        .join_from(shifts, users, users.c.id == shifts.c.user_id)
        .where(shifts.c.org_id == bindparam("org_id"), shifts.c.ended_at.is_(None))
        .order_by(shifts.c.id.desc())
        .limit(1)
        .subquery("shift")
    )
    vdp, default = _one_service("vdp", "is_vdp", "v_"), _one_service("fallback", "is_default", "d_")
    anchor = select(literal(1).label("one")).subquery("anchor")
    joined = anchor.outerjoin(shift, true()).outerjoin(vdp, true()).outerjoin(default, true())
    return select(_next_id(dialect), *shift.c, *vdp.c, *default.c).select_from(joined)


def _next_id(dialect: str):
    next_id = func.nextval(func.pg_get_serial_sequence("reports", "id")) if dialect == "postgresql" else null()
    return next_id.label("next_id")


def _one_service(name: str, flag: str, prefix: str):
    """The org's one service with `flag` set (a partial unique index keeps it to one)."""
    services = Service.__table__.alias(name)
    return (
        select(*[services.c[column].label(prefix + column) for column in SERVICE_COLUMNS])
        .where(services.c.org_id == bindparam("org_id"), services.c[flag])
        .limit(1)
        .subquery(name)
    )


def write(
    report: SimpleNamespace,
    entries: list[SimpleNamespace],
    delivery: dict[str, Any] | None,
    complete: Callable[[SimpleNamespace, dict[str, Any]], None],
) -> int:
    """Insert the report, its timeline lines and its delivery (which `complete` fills in once the report's id is
    known); returns the report's id (read along on PostgreSQL: `report.id` is set then)."""
    if report.id is not None:  # PostgreSQL: everything is known now, one statement
        if delivery is not None:
            complete(report, delivery)
        statement = _cte(len(entries), delivery is not None)
        params = _report_params(report) | line_and_delivery_params(report, entries, delivery)
        return connection().execute(statement, params).scalar_one()
    report.id = connection().execute(_report_insert(), _report_params(report)).scalar_one()
    write_lines_and_delivery(report, "report_id", entries, delivery, complete)
    return report.id


def _report_values(with_id: bool) -> dict[str, Any]:
    names = ("id", *REPORT_COLUMNS) if with_id else REPORT_COLUMNS
    return {name: bindparam("r_" + name, type_=REPORTS.c[name].type) for name in names}


@cache
def _report_insert():
    """The report's own INSERT on SQLite (its id comes from the insert)."""
    return REPORTS.insert().values(_report_values(False)).returning(REPORTS.c.id)


@cache
def _cte(entries: int, with_delivery: bool):
    """The PostgreSQL statement: WITH the report, its lines [, its delivery] SELECT its id."""
    new = REPORTS.insert().values(_report_values(True)).returning(REPORTS.c.id).cte("new_report")
    return with_lines_and_delivery(new, "report_id", entries, with_delivery)


def _report_params(report: SimpleNamespace) -> dict[str, Any]:
    return {"r_" + name: getattr(report, name) for name in ("id", *REPORT_COLUMNS)}
