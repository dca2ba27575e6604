"""Delivered outcomes written in batches: one lease-checked UPDATE for all the sends that finished within a few ms.

A sender's threads hand their delivered outcomes to the engine's `OutcomeWriter`, which writes every outcome of the
last WINDOW_SECONDS at once: one UPDATE of the deliveries (each row only while the lease it was claimed with holds: a
late one is logged and dropped, as a single write would be) and one UPDATE per kind of subject mirrored. On PostgreSQL
they are one statement (data-modifying CTEs) run in autocommit: one round trip, and no row lock held across one.
Each send thread waits for its batch, so what it reports is what was written. A sender that dies before its batch is
written leaves those rows leased: they are sent again under the same dedup key once their leases are free, as after
a crash between a POST and a single write. Notes are never batched: each one's outcome commits durably on its own.
"""

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from flask import Flask
from sqlalchemy import (
    FromClause,
    Integer,
    Select,
    String,
    Text,
    Update,
    bindparam,
    case,
    column,
    func,
    or_,
    select,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import ARRAY

from webapp.alerts import outbox
from webapp.analytics import record
from webapp.counters import LATENCIES
from webapp.extensions import db
from webapp.models import Delivery, Incident, Report
from webapp.models.types import UTCDateTime
from webapp.queues import wake_senders

log = logging.getLogger(__name__)
WINDOW_SECONDS = 0.01  # how long the first outcome of a batch waits for others: the rows of one claim, sent
# together, answer within a few ms of each other; a longer wait holds their leases (the org's in-flight cap) longer
MAX_BATCH = 64
WRITE_TIMEOUT = 30.0  # a send thread gives up on a batch this late (its lease then lapses): a stalled writer stops none
MIRRORED = {("incident", "trigger"), ("incident", "resolve"), ("report", "trigger"), ("report", "resolve")}


class Delivered(NamedTuple):
    """One accepted send, as its delivered write and its subject's mirror need it."""

    id: int
    token: str
    at: datetime
    code: int
    answer: str
    org_id: int
    dedup_key: str | None
    action: str
    subject_type: str | None
    subject_id: int | None
    target_label: str | None
    severity: str | None
    created_at: datetime


def write_delivered(outcomes: Sequence[Delivered]) -> set[int]:
    """Write delivered outcomes in one transaction, each only under its lease; returns the ids written (the others
    came after their lease was taken over: not written). Commits; wakes the senders when a later delivery of one of
    these keys waits behind it."""
    connection = db.session.connection()  # Core: no ORM object to keep in step, no per-execution cache key
    rows = [(o.id, o.token, o.at, o.code, o.answer) for o in outcomes]
    returned = connection.execute(*_statement((_delivered_statement,), OUTCOME, rows)).all()
    written = {row.id for row in returned}
    _mirror([outcome for outcome in outcomes if outcome.id in written])
    return _written(outcomes, returned)


def write_batch(outcomes: Sequence[Delivered]) -> set[int]:
    """`write_delivered` as one statement in autocommit where it can be (PostgreSQL: the delivered write and every
    mirror as data-modifying CTEs, each mirror only for the rows written), else `write_delivered` itself: a war room's
    paging (read through the ORM) or one subject under two kinds (one statement cannot update a row twice)."""
    if not _one_statement(outcomes):
        return write_delivered(outcomes)
    rows = [
        (o.id, o.token, o.at, o.code, o.answer, o.subject_id, _kind(o), o.target_label, o.severity) for o in outcomes
    ]
    connection = db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    returned = connection.execute(*_statement((_batch_statement,), BATCH, rows)).all()
    return _written(outcomes, returned)


def _one_statement(outcomes: Sequence[Delivered]) -> bool:
    if db.session.get_bind().dialect.name != "postgresql" or db.session().in_transaction():
        return False
    kinds: dict[tuple[str | None, int | None], set[str]] = {}
    for outcome in outcomes:
        if outcome.subject_type is None and outcome.action == "trigger":
            return False  # a war room's paging, perhaps
        kinds.setdefault((outcome.subject_type, outcome.subject_id), set()).add(_kind(outcome) or "")
    return all(len(subject_kinds) == 1 for subject_kinds in kinds.values())


def _kind(outcome: Delivered) -> str | None:
    """The mirror an outcome writes ("incident:trigger"…), if any."""
    kind = (outcome.subject_type or "", outcome.action)
    return ":".join(kind) if kind in MIRRORED and outcome.subject_id else None


def _written(outcomes: Sequence[Delivered], returned: Sequence[Any]) -> set[int]:
    """After the delivered write: keep the latencies of the rows written, commit, wake the senders when a later
    delivery of one of these keys waits; returns the ids written."""
    written, successor_waits = {row.id for row in returned}, any(row.waiting for row in returned)
    db.session.info.setdefault(LATENCIES, []).extend(
        max(0.0, (outcome.at - outcome.created_at).total_seconds()) for outcome in outcomes if outcome.id in written
    )  # kept at commit, as the ORM hook would for an ORM write (a rollback forgets them)
    db.session.commit()
    if successor_waits:
        wake_senders()
    return written


def _mirror(done: Sequence[Delivered]) -> None:
    """The subjects' PagerDuty status and, for a trigger, their paging (response analytics): one statement per kind
    of subject and action, reading nothing first (a trigger never undoes an acknowledgement)."""
    groups: dict[tuple[str, str], list[Delivered]] = {}
    for outcome in done:
        kind = (outcome.subject_type or "", outcome.action)
        if kind in MIRRORED and outcome.subject_id:
            groups.setdefault(kind, []).append(outcome)
        elif outcome.subject_type is None and outcome.action == "trigger":
            record.note_war_room_paged(
                outcome.org_id, outcome.dedup_key, outcome.at, outcome.target_label, outcome.severity
            )
    for (subject_type, action), group in groups.items():
        rows = [(o.subject_id, o.at, o.target_label, o.severity) for o in group]
        db.session.connection().execute(*_statement((_mirror_statement, subject_type, action), PAGED, rows))


Columns = tuple[tuple[str, Any], ...]
OUTCOME: Columns = (
    ("id", Integer()),
    ("token", String()),
    ("at", UTCDateTime()),
    ("code", Integer()),
    ("answer", Text()),
)
BATCH: Columns = (*OUTCOME, ("subject", Integer()), ("kind", String()), ("service", String()), ("severity", String()))
PAGED: Columns = (("subject", Integer()), ("at", UTCDateTime()), ("service", String()), ("severity", String()))


Builder = tuple[Any, ...]  # a function that builds an UPDATE over the given rows, and its first arguments


def _statement(build: Builder, columns: Columns, rows: Sequence[tuple]) -> tuple[Update | Select, dict]:
    """The statement `build` makes over `rows`, and its parameters. On PostgreSQL the rows go as arrays, one per
    column, unnested into a table: one statement for any number of rows, compiled once (SQLAlchemy caches no VALUES
    list of bound parameters: compiling one per batch cost more than the statements it saved). Elsewhere (SQLite)
    they are a VALUES list."""
    if db.session.get_bind().dialect.name == "postgresql":
        by_column = list(zip(*rows, strict=True))
        return _built(build, columns, None), {
            f"{label}_all": list(by_column[n]) for n, (label, _) in enumerate(columns)
        }
    parameters = {f"{label}_{n}": row[i] for n, row in enumerate(rows) for i, (label, _) in enumerate(columns)}
    return _built(build, columns, len(rows)), parameters


@cache
def _built(build: Builder, columns: Columns, count: int | None) -> Update | Select:
    """`build` over the rows as `_statement` binds them, built once per shape."""
    function, *arguments = build
    named = [column(label, kind) for label, kind in columns]
    if count is None:
        arrays = (bindparam(f"{label}_all", type_=ARRAY(kind)) for label, kind in columns)
        return function(*arguments, func.unnest(*arrays).table_valued(*named).render_derived())
    data = [tuple(bindparam(f"{label}_{n}", type_=kind) for label, kind in columns) for n in range(count)]
    return function(*arguments, values(*named, name="given").data(data).cte("given"))


def _delivered_statement(given: FromClause) -> Update:
    """The delivered write of the given outcomes: each row lease-checked, answering whether a later delivery of its
    dedup key waits (a successor written between this statement and the commit is claimed by the senders' next poll,
    within a second)."""
    later = db.aliased(Delivery)
    waiting = (
        select(later.id)
        .where(
            later.org_id == Delivery.org_id,
            later.dedup_key == Delivery.dedup_key,
            later.id > Delivery.id,
            later.status.in_(outbox.SENDABLE_STATUSES),
        )
        .exists()
    )
    return (
        update(Delivery)
        .where(Delivery.id == given.c.id, Delivery.lease_token == given.c.token)
        .values(
            status="delivered",
            delivered_at=given.c.at,
            attempts=Delivery.attempts + 1,
            last_status_code=given.c.code,
            last_response=given.c.answer,
            lease_until=None,
            lease_token=None,
            lease_owner=None,
            slot_at=None,
            in_doubt_since=None,
        )
        .returning(Delivery.id, waiting.label("waiting"))
    )


def _batch_statement(rows: FromClause) -> Select:
    """`write_delivered`'s statements as one: the delivered write, then each kind of mirror for the rows it wrote."""
    given = select(rows).cte("given")
    # updated_at given, not the models' Python-side onupdate: one statement cannot bind two of those
    done = _delivered_statement(given).values(updated_at=given.c.at).cte("done")
    mirrors = [
        _mirror_statement(subject_type, action, given)
        .values(updated_at=given.c.at)
        .where(given.c.kind == f"{subject_type}:{action}", given.c.id.in_(select(done.c.id)))
        .cte(f"mirror_{subject_type}_{action}")
        for subject_type, action in sorted(MIRRORED)
    ]
    return select(done.c.id, done.c.waiting).add_cte(*mirrors)


def _mirror_statement(subject_type: str, action: str, given: FromClause) -> Update:
    model = Report if subject_type == "report" else Incident
    statement = update(model).where(model.id == given.c.subject)
    if action == "resolve":
        return statement.values(pd_status="resolved")
    reopened = or_(model.pd_status.is_(None), model.pd_status == "resolved")
    return statement.values(
        pd_status=case((reopened, "triggered"), else_=model.pd_status),
        **record.paged_values(model, given.c.at, given.c.service, given.c.severity),
    )


class OutcomeWriter:
    """A sender's writer of delivered outcomes: batches what its send threads hand it (see the module)."""

    def __init__(self, app: Flask, window: float = WINDOW_SECONDS) -> None:
        self.app, self.window = app, window
        self.pending: list[tuple[Delivered, Future[bool]]] = []
        self.ready = threading.Condition()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="pagerbridge-outcomes", daemon=True)

    def start(self) -> "OutcomeWriter":
        """Start writing."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Write what is pending, then stop."""
        with self.ready:
            self.stopping = True
            self.ready.notify()
        self.thread.join()

    def write(self, outcome: Delivered) -> bool:
        """Write `outcome` in the next batch; returns whether it was written (False: its lease was lost). Raises
        what the batch's write raised (the lease then lapses and the delivery is sent again)."""
        future: Future[bool] = Future()
        with self.ready:
            self.pending.append((outcome, future))
            if len(self.pending) in (1, MAX_BATCH):
                self.ready.notify()
        return future.result(timeout=WRITE_TIMEOUT)

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            with self.app.app_context():
                try:
                    written = write_batch([outcome for outcome, _ in batch])
                except Exception as error:  # noqa: BLE001 - each send thread raises it: their leases lapse
                    db.session.rollback()
                    for _, future in batch:
                        future.set_exception(error)
                    continue
                finally:
                    db.session.remove()
            for outcome, future in batch:
                future.set_result(outcome.id in written)

    def _next_batch(self) -> list[tuple[Delivered, Future[bool]]] | None:
        """The outcomes of the next window (at most MAX_BATCH), or None once stopped with nothing pending."""
        with self.ready:
            while not self.pending and not self.stopping:
                self.ready.wait()
            if not self.pending:
                return None
            closes = time.monotonic() + self.window
            while len(self.pending) < MAX_BATCH and not self.stopping and (left := closes - time.monotonic()) > 0:
                self.ready.wait(left)
            batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
            return batch
