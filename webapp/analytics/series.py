"""The page's extras: daily series for the charts, and the reports, incidents and war rooms behind one group."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from webapp.analytics.services import GroupBy, Window, group_key, paged_rows
from webapp.extensions import db

ITEMS_SHOWN = 200


def days_of(window: Window) -> list[datetime]:
    """Every UTC day the window touches, midnight of each."""
    first = window.since.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    last = (window.until - timedelta(microseconds=1)).astimezone(UTC)
    count = max((last.date() - first.date()).days + 1, 1)
    return [first + timedelta(days=n) for n in range(min(count, 400))]


def daily(window: Window, day_groups: list[dict]) -> dict:
    """Per day of paging: paged, acknowledged, resolved (of those paged that day) and median minutes to ack/resolve,
    every day of the window present (zero or null when nothing was paged).

    Days come from the same query as the table (services.report(..., days=True)), so the bars add up to its total.
    """
    found = {group["key"]: group for group in day_groups}
    days = days_of(window)
    series = {"x": [], "paged": [], "acknowledged": [], "resolved": [], "tta": [], "ttr": []}
    for day in days:
        group = found.get(day.strftime("%Y-%m-%d"), {})
        series["x"].append(int(day.timestamp()))
        for name in ("paged", "acknowledged", "resolved"):
            series[name].append(group.get(name, 0))
        series["tta"].append(_minutes(group.get("time_to_acknowledge")))
        series["ttr"].append(_minutes(group.get("time_to_resolve")))
    return series


def _minutes(duration: dict | None) -> float | None:
    median = (duration or {}).get("median")
    return None if median is None else round(median / 60, 2)  # 0.05 min, not 0.1, for a median of 3 s


def items(org_id: int, window: Window, key: str) -> list:
    """The reports, incidents and war rooms of one group (newest paging first, at most ITEMS_SHOWN)."""
    rows = paged_rows(org_id, window)
    query = select(rows).where(group_key(rows, window.group_by) == key)
    if window.group_by is GroupBy.RESPONDER:
        query = query.where(rows.c.responder.is_not(None))
    return db.session.execute(query.order_by(rows.c.paged_at.desc(), rows.c.id.desc()).limit(ITEMS_SHOWN)).all()
