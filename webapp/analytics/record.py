"""Recording what PagerDuty did with each report, incident and war room, in PagerDuty's own times, for analytics.

Every function takes the report, incident or war room and a time, and may be called in any order and more than
once: a late or repeated event never undoes a newer one. The first acknowledgement is the earliest ever seen, the
resolution the latest, and a reopening after it clears it (a resolution older than the reopening is stale and changes
nothing).
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, false, func, null, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from webapp.extensions import db
from webapp.models import Incident, Org, Report, WarRoom

# PagerDuty's time of the first trigger replaces our delivery's when about as early: later ones are retriggers.
SAME_TRIGGER = timedelta(minutes=5)
Subject = Report | Incident | WarRoom
WAR_ROOM_PREFIX = "war-room-"


def note_paged(item: Subject, at: datetime, service: str | None, severity: str | None, exact: bool = False) -> None:
    """PagerDuty accepted a trigger at `at` (`exact`: PagerDuty's own time, else when our delivery was accepted)."""
    # A name PagerDuty gave stands; our own paging fills what is missing (its trigger webhook may come first).
    item.pd_service, item.pd_severity = item.pd_service or service, item.pd_severity or severity
    if item.pd_paged_at is None:
        item.pd_paged_at, item.pd_paged_exact = at, exact
    elif exact and (at < item.pd_paged_at or (not item.pd_paged_exact and at <= item.pd_paged_at + SAME_TRIGGER)):
        item.pd_paged_at, item.pd_paged_exact = at, True
    elif item.pd_resolved_at is not None and at > item.pd_resolved_at:
        note_reopened(item, at)
    _derive(item)


def note_acknowledged(item: Subject, at: datetime, who: str | None) -> None:
    """PagerDuty acknowledged it at `at`: kept when it is the earliest acknowledgement seen."""
    if item.pd_acknowledged_at is None or at < item.pd_acknowledged_at:
        item.pd_acknowledged_at, item.pd_acknowledged_by = at, (who or None) and who[:254]
    _derive(item)


def note_resolved(item: Subject, at: datetime) -> None:
    """PagerDuty resolved it at `at`: kept when it is the latest and no reopening came after it."""
    if item.pd_reopened_at is not None and at < item.pd_reopened_at:
        return
    if item.pd_resolved_at is None or at > item.pd_resolved_at:
        item.pd_resolved_at = at
    _derive(item)


def note_reopened(item: Subject, at: datetime) -> None:
    """PagerDuty opened it again at `at` (a reopen, or a trigger after the resolution): not resolved any more."""
    if item.pd_reopened_at is None or at > item.pd_reopened_at:
        item.pd_reopened_at = at
    if item.pd_resolved_at is not None and item.pd_resolved_at <= at:
        item.pd_resolved_at = None
    _derive(item)


def note_status(item: Subject, status: str, at: datetime, who: str | None = None, service=None) -> None:
    """One call for what a webhook or reconciliation learnt: triggered, acknowledged, resolved or reopened; `service`
    is PagerDuty's reference to the incident's service (its name replaces our route's label)."""
    name = service.get("summary") if isinstance(service, dict) else None
    # why: a trigger webhook may come before the sender's commit records the paging (with our route's label)
    if isinstance(name, str) and name.strip() and (item.pd_paged_at is not None or status == "triggered"):
        item.pd_service = name.strip()[:255]
    if status == "acknowledged":
        note_acknowledged(item, at, who)
    elif status == "resolved":
        note_resolved(item, at)
    elif status == "reopened":
        note_reopened(item, at)
    elif status == "triggered":
        note_paged(item, at, None, None, exact=True)


def service_of(body) -> dict | None:
    """The service reference of a webhook's incident (PagerDuty's `data.service`), if it has one."""
    event = body.get("event") if isinstance(body, dict) else None
    data = event.get("data") if isinstance(event, dict) else None
    service = data.get("service") if isinstance(data, dict) else None
    return service if isinstance(service, dict) else None


def paged_values(
    model: type[Subject], at: ColumnElement, service: ColumnElement, severity: ColumnElement
) -> dict[str, ColumnElement]:
    """`note_paged` of an accepted trigger (our own time, not exact) as the SET clause of one UPDATE of the subject, so
    the sender records the paging without reading the row first; `at`, `service` and `severity` are SQL expressions
    (the columns of an outcome batch)."""
    first = model.pd_paged_at.is_(None)
    reopens = and_(~first, model.pd_resolved_at.is_not(None), model.pd_resolved_at < at)
    paged = func.coalesce(model.pd_paged_at, at)
    resolved = case((reopens, null()), else_=model.pd_resolved_at)
    return {
        "pd_paged_at": paged,
        "pd_paged_exact": case((first, false()), else_=model.pd_paged_exact),
        "pd_service": _first_or_kept(first, service, model.pd_service),
        "pd_severity": _first_or_kept(first, severity, model.pd_severity),
        "pd_reopened_at": case(
            (and_(reopens, or_(model.pd_reopened_at.is_(None), model.pd_reopened_at < at)), at),
            else_=model.pd_reopened_at,
        ),
        "pd_resolved_at": resolved,
        "pd_page_seconds": SecondsBetween(paged, model.submitted_at if model is Report else model.created_at),
        "pd_ack_seconds": SecondsBetween(model.pd_acknowledged_at, paged),
        "pd_resolve_seconds": SecondsBetween(resolved, paged),
    }


def _first_or_kept(first: ColumnElement, given: ColumnElement, column: ColumnElement) -> ColumnElement:
    """The value given with the first paging (the known one when none is given); later pagings keep the column, or
    fill it when empty (PagerDuty's trigger webhook recorded the paging first, without our severity)."""
    return case((first, func.coalesce(given, column)), else_=func.coalesce(column, given))


class SecondsBetween(FunctionElement):
    """`later - earlier` in seconds, in SQL (None when either is None), as `_derive` computes it in Python."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(SecondsBetween)
def _seconds_in_postgresql(element: SecondsBetween, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later}) - ({earlier}))"


@compiles(SecondsBetween, "sqlite")
def _seconds_in_sqlite(element: SecondsBetween, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"ROUND((julianday({later}) - julianday({earlier})) * 86400.0, 3)"  # SQLite keeps milliseconds


def note_war_room_paged(
    org_id: int, dedup_key: str | None, at: datetime, service: str | None, severity: str | None
) -> None:
    """A war room's trigger PagerDuty accepted at `at` records its paging (war rooms have no subject row to update in
    the sender's own statement: they are rare, so two small reads are fine)."""
    war_room = war_room_for_key(org_id, dedup_key)
    if war_room is not None:
        note_paged(war_room, at, service, severity)


def war_room_for_key(org_id: int, dedup_key: str | None) -> WarRoom | None:
    """The org's war room of a dedup key war-room-<its slug>-<number> (another org's slug or number: None)."""
    if not isinstance(dedup_key, str) or not dedup_key.startswith(WAR_ROOM_PREFIX):
        return None
    slug = db.session.scalar(db.select(Org.slug).where(Org.id == org_id))
    number = dedup_key.removeprefix(f"{WAR_ROOM_PREFIX}{slug}-")
    if slug is None or number == dedup_key or not number.isascii() or not number.isdigit() or len(number) > 9:
        return None
    return db.session.scalar(db.select(WarRoom).filter_by(org_id=org_id, number=int(number)))


def started_at(item: Subject) -> datetime:
    """When the clock of time to page starts: the report's submission, the incident's creation, the war room's
    activation."""
    if isinstance(item, WarRoom):
        return item.activated_at
    return item.submitted_at if isinstance(item, Report) else item.created_at


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    return None if later is None or earlier is None else (later - earlier).total_seconds()


def _derive(item: Subject) -> None:
    """The three durations, from the times they are defined by."""
    item.pd_page_seconds = _seconds(item.pd_paged_at, started_at(item))
    item.pd_ack_seconds = _seconds(item.pd_acknowledged_at, item.pd_paged_at)
    item.pd_resolve_seconds = _seconds(item.pd_resolved_at, item.pd_paged_at)
