"""Response figures per group, computed in the database: counts, median and p90 (nearest rank) of each duration."""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Integer, String, case, cast, func, literal, literal_column, select, text, tuple_, union_all

from webapp.extensions import db
from webapp.models import Incident, Report, WarRoom
from webapp.models.report import CLOSED_REPORT_STATUSES

DEFAULT_DAYS = 30
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
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


def _columns(model, kind, sla) -> dict:
    return {
        "kind": kind,
        "id": model.id,
        "title": model.title if model is not WarRoom else _war_room_title(),
        "paged_at": model.pd_paged_at,
        "service": model.pd_service,
        "severity": model.pd_severity,
        "responder": model.pd_acknowledged_by,
        "acknowledged_at": model.pd_acknowledged_at,
        "resolved_at": model.pd_resolved_at,
        "page": model.pd_page_seconds,
        "ack": model.pd_ack_seconds,
        "resolve": model.pd_resolve_seconds,
        "sla": sla,
    }


def _war_room_title():
    return literal("War room #", String).concat(cast(WarRoom.number, String))


AGGREGATED = ("acknowledged_at", "resolved_at", "sla", "page", "ack", "resolve")
KEYED = {"service": ("service",), "severity": ("severity",), "kind": ("kind",), "responder": ("responder",)}


def paged_rows(org_id: int, window: Window, names: tuple[str, ...] | None = None):
    """Reports, incidents and war rooms of the org paged in the window, one shape for all (a UNION ALL subquery);
    `names` keeps only those columns (PostgreSQL carries every column of a UNION's branches through its sorts
    otherwise). Only reports have an SLA."""
    report_sla = case(
        (Report.sla_state == "breached", "breached"),
        (Report.status.in_(CLOSED_REPORT_STATUSES), "met"),
        else_="open",
    )
    parts = []
    sources = (
        (Report, literal("report"), report_sla),
        (Incident, Incident.kind, literal(None)),
        (WarRoom, literal("war_room"), literal(None)),
    )
    for model, kind, sla in sources:
        columns = _columns(model, kind, sla)
        chosen = [columns[name].label(name) for name in (names or columns)]
        parts.append(
            select(*chosen).where(
                model.org_id == org_id, model.pd_paged_at >= window.since, model.pd_paged_at < window.until
            )
        )
    return union_all(*parts).subquery("paged")


TOTAL, DAY = "total", "day"


def group_key(rows, grouping: str):
    """The key a grouping gives each row: a GroupBy, TOTAL (one group) or DAY (the UTC day of paging)."""
    if grouping == TOTAL:
        return literal(TOTAL)
    if grouping == DAY:
        if db.engine.dialect.name == "postgresql":  # days since 1970 sort faster than text; named in _day_name
            return cast(func.floor(func.extract("epoch", rows.c.paged_at) / 86400), Integer)
        return func.strftime("%Y-%m-%d", rows.c.paged_at)
    if grouping == GroupBy.RESPONDER:
        return rows.c.responder
    return func.coalesce(rows.c[str(grouping)], "unknown")


def figures(org_id: int, window: Window, groupings: tuple[str, ...]) -> dict[str, list[dict]]:
    """For each grouping, one dict of figures per group, most paged first (TOTAL: a list of at most one).

    PostgreSQL answers every grouping in one pass (GROUPING SETS with its ordered-set aggregates: percentile_cont(0.5)
    is the median, percentile_disc(0.9) the nearest rank); other databases rank each duration with window functions.
    """
    if db.engine.dialect.name == "postgresql":
        names = AGGREGATED + ("paged_at",) * (DAY in groupings)
        names += tuple(name for grouping in groupings for name in KEYED.get(grouping, ()))
        found = _grouping_sets(paged_rows(org_id, window, names), groupings)
    else:
        rows = paged_rows(org_id, window)
        found = {grouping: _ranked(rows, group_key(rows, grouping)) for grouping in groupings}
    for grouping, groups in found.items():
        if grouping == GroupBy.RESPONDER:  # never-acknowledged ones are left out of this grouping
            groups[:] = [group for group in groups if group["key"] is not None]
        groups.sort(key=lambda group: (-group["paged"], group["key"] or ""))
    return found


def _totals(columns):
    return [
        func.count().label("paged"),
        func.count(columns.acknowledged_at).label("acknowledged"),
        func.count(columns.resolved_at).label("resolved"),
        *(_count_of(columns.sla, state) for state in ("met", "breached", "open")),
    ]


def _grouping_sets(rows, groupings):
    keyed = [name for name in groupings if name != TOTAL]
    keys = [
        (group_key(rows, name) if name == DAY else group_key(rows, name).collate("C")).label(f"k{n}")
        for n, name in enumerate(keyed)
    ]
    inner = select(*(rows.c[name] for name in AGGREGATED), *keys).subquery("keyed")
    key_columns = [inner.c[f"k{n}"] for n in range(len(keyed))]
    outer = [*key_columns, *(func.grouping(column).label(f"g{n}") for n, column in enumerate(key_columns))]
    outer += _totals(inner.c)
    for _, name in MEASURES:
        outer += [
            func.percentile_cont(0.5).within_group(inner.c[name]).label(f"{name}_median"),
            func.percentile_disc(0.9).within_group(inner.c[name]).label(f"{name}_p90"),
        ]
    sets = [tuple_(column) for column in key_columns] + ([literal_column("()")] if TOTAL in groupings else [])
    db.session.execute(text("SET LOCAL work_mem = '32MB'"))  # sort in memory, not in temporary files
    found = {name: [] for name in groupings}
    for row in db.session.execute(select(*outer).group_by(func.grouping_sets(*sets))).mappings():
        which = next((n for n in range(len(keyed)) if row[f"g{n}"] == 0), None)
        name = TOTAL if which is None else keyed[which]
        key = TOTAL if which is None else row[f"k{which}"]
        found[name].append(_as_figures(row, _day_name(key) if name == DAY else key))
    return found


def _day_name(days_since_1970: int) -> str:
    return (EPOCH + timedelta(days=days_since_1970)).strftime("%Y-%m-%d")


def _ranked(rows, key) -> list[dict]:
    """Each duration ranked within its group by a window function; the median is the mean of the middle one or two
    ranks, the p90 the value at rank ceil(0.9 n), written (9n + 9) // 10 in integer arithmetic."""
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
    ranked = select(*ranked_columns).subquery("ranked")
    outer = [ranked.c.key, *_totals(ranked.c)]
    for _, name in MEASURES:
        outer += _percentiles(ranked, name)
    result = db.session.execute(select(*outer).group_by(ranked.c.key))
    return [_as_figures(row, row["key"]) for row in result.mappings()]


def _count_of(column, state):
    return func.coalesce(func.sum(case((column == state, 1), else_=0)), 0).label(f"sla_{state}")


def _percentiles(ranked, name):
    value, rank, n = ranked.c[name], ranked.c[f"{name}_rank"], ranked.c[f"{name}_n"]
    middle = rank.in_(((n + 1) // 2, (n + 2) // 2))  # the middle rank, or the middle two
    return [
        func.avg(case((value.is_not(None) & middle, value))).label(f"{name}_median"),
        func.max(case((value.is_not(None) & (rank == (9 * n + 9) // 10), value))).label(f"{name}_p90"),
    ]


def _as_figures(row, key) -> dict:
    figures = {
        "key": key,
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


def report(org_id: int, window: Window, days: bool = False) -> dict:
    """The contract's answer: {since, until, group_by, total, groups}; `days` adds the figures per UTC day of paging
    (for the page's charts, from the same query)."""
    found = figures(org_id, window, (TOTAL, window.group_by, DAY) if days else (TOTAL, window.group_by))
    extra = {"days": found[DAY]} if days else {}
    return {
        "since": iso(window.since),
        "until": iso(window.until),
        "group_by": str(window.group_by),
        "total": {key: value for key, value in (found[TOTAL] or [EMPTY])[0].items() if key != "key"},
        "groups": found[window.group_by],
        **extra,
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
