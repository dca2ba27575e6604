"""Response figures per group, computed in the database: counts, median and p90 (nearest rank) of each duration."""

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import case, func, literal, select, union_all

from webapp.extensions import db
from webapp.models import Incident, Report
from webapp.models.work import CLOSED_REPORT_STATUSES

DEFAULT_DAYS = 30
MEASURES = (("time_to_page", "page"), ("time_to_acknowledge", "ack"), ("time_to_resolve", "resolve"))


class GroupBy(StrEnum):
    """What the figures are grouped by."""

    SERVICE = "service"
    SEVERITY = "severity"
    KIND = "kind"
    RESPONDER = "responder"


@dataclass(frozen=True)
class Window:
    """[since, until) in UTC, and the grouping."""

    since: datetime
    until: datetime
    group_by: GroupBy


def paged_rows(org_id: int, window: Window):
    """Reports and incidents of the org paged in the window, one shape for both (a UNION ALL subquery)."""

    def part(model, kind, sla):
        return select(
            kind.label("kind"),
            model.id.label("id"),
            model.title.label("title"),
            model.pd_paged_at.label("paged_at"),
            model.pd_service.label("service"),
            model.pd_severity.label("severity"),
            model.pd_acknowledged_by.label("responder"),
            model.pd_acknowledged_at.label("acknowledged_at"),
            model.pd_resolved_at.label("resolved_at"),
            model.pd_page_seconds.label("page"),
            model.pd_ack_seconds.label("ack"),
            model.pd_resolve_seconds.label("resolve"),
            sla.label("sla"),
        ).where(model.org_id == org_id, model.pd_paged_at >= window.since, model.pd_paged_at < window.until)

    report_sla = case(
        (Report.sla_state == "breached", "breached"),
        (Report.status.in_(CLOSED_REPORT_STATUSES), "met"),
        else_="open",
    )
    reports = part(Report, literal("report"), report_sla)
    incidents = part(Incident, Incident.kind, literal(None))
    return union_all(reports, incidents).subquery("paged")


def group_key(rows, group_by: GroupBy | None):
    if group_by is None:
        return literal("total")
    column = {"service": rows.c.service, "severity": rows.c.severity, "kind": rows.c.kind}.get(group_by)
    return rows.c.responder if column is None else func.coalesce(column, "unknown")


def figures(org_id: int, window: Window, group_by: GroupBy | None, rows=None, key=None) -> list[dict]:
    """One dict of figures per group (ordered by most paged), or the total when `group_by` is None.

    Each duration is ranked within its group by a window function; the median is the mean of the middle one or two
    ranks, the p90 the value at rank ceil(0.9 n), written (9n + 9) / 10 in integer arithmetic for any database.
    """
    rows = rows if rows is not None else paged_rows(org_id, window)
    key = key if key is not None else group_key(rows, group_by)
    ranked_columns = [key.label("key"), rows.c.acknowledged_at, rows.c.resolved_at, rows.c.sla]
    for _, name in MEASURES:
        value = rows.c[name]
        ranked_columns += [
            value.label(name),
            func.row_number()
            .over(partition_by=key, order_by=(case((value.is_(None), 1), else_=0), value))
            .label(f"{name}_rank"),
            func.count(value).over(partition_by=key).label(f"{name}_n"),
        ]
    query = select(*ranked_columns)
    if group_by is GroupBy.RESPONDER:
        query = query.where(rows.c.responder.is_not(None))
    ranked = query.subquery("ranked")
    outer = [
        ranked.c.key,
        func.count().label("paged"),
        func.count(ranked.c.acknowledged_at).label("acknowledged"),
        func.count(ranked.c.resolved_at).label("resolved"),
        *(_count_of(ranked.c.sla, state) for state in ("met", "breached", "open")),
    ]
    for _, name in MEASURES:
        outer += _percentiles(ranked, name)
    result = db.session.execute(select(*outer).group_by(ranked.c.key).order_by(func.count().desc(), ranked.c.key))
    return [_as_figures(row) for row in result.mappings()]


def _count_of(column, state):
    return func.coalesce(func.sum(case((column == state, 1), else_=0)), 0).label(f"sla_{state}")


def _percentiles(ranked, name):
    value, rank, n = ranked.c[name], ranked.c[f"{name}_rank"], ranked.c[f"{name}_n"]
    middle = rank.in_(((n + 1) // 2, (n + 2) // 2))  # the middle rank, or the middle two
    return [
        func.avg(case((value.is_not(None) & middle, value))).label(f"{name}_median"),
        func.max(case((value.is_not(None) & (rank == (9 * n + 9) // 10), value))).label(f"{name}_p90"),
    ]


def _as_figures(row) -> dict:
    figures = {
        "key": row["key"],
        "paged": row["paged"],
        "acknowledged": row["acknowledged"],
        "resolved": row["resolved"],
    }
    for label, name in MEASURES:
        figures[label] = {"median": seconds(row[f"{name}_median"]), "p90": seconds(row[f"{name}_p90"])}
    figures["sla"] = {state: int(row[f"sla_{state}"]) for state in ("met", "breached", "open")}
    return figures


def seconds(value) -> int | float | None:
    """A duration for the answer: whole seconds as an int, else rounded to the millisecond."""
    if value is None:
        return None
    value = round(float(value), 3)
    return int(value) if value.is_integer() else value


EMPTY = {
    "paged": 0,
    "acknowledged": 0,
    "resolved": 0,
    **{label: {"median": None, "p90": None} for label, _ in MEASURES},
    "sla": {"met": 0, "breached": 0, "open": 0},
}


def report(org_id: int, window: Window) -> dict:
    """The contract's answer: {since, until, group_by, total, groups}."""
    rows = paged_rows(org_id, window)
    total = figures(org_id, window, None, rows)
    return {
        "since": iso(window.since),
        "until": iso(window.until),
        "group_by": str(window.group_by),
        "total": {key: value for key, value in (total[0] if total else EMPTY).items() if key != "key"},
        "groups": figures(org_id, window, window.group_by, rows),
    }


def iso(moment: datetime) -> str:
    """UTC, ISO 8601 with a Z."""
    return moment.isoformat().replace("+00:00", "Z")


def default_window(now: datetime, group_by: GroupBy = GroupBy.SERVICE) -> Window:
    """The last 30 days up to now."""
    return Window(now - timedelta(days=DEFAULT_DAYS), now, group_by)


CSV_COLUMNS = (
    ("key", "paged", "acknowledged", "resolved")
    + tuple(f"{label}_{stat}" for label, _ in MEASURES for stat in ("median", "p90"))
    + ("sla_met", "sla_breached", "sla_open")
)


def csv_text(answer: dict) -> str:
    """The groups of an answer as CSV, one row per group with the same figures (durations in seconds)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for group in answer["groups"]:
        flat = {**group, **{f"sla_{k}": v for k, v in group["sla"].items()}}
        for label, _ in MEASURES:
            flat.update({f"{label}_{stat}": group[label][stat] for stat in ("median", "p90")})
        writer.writerow([_cell(flat[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def _cell(value) -> str:
    """No cell starts like a formula when a spreadsheet opens the file (a service name is PagerDuty's text)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
