"""Helpers for one unit of work's database session: rows read several times are read once."""

from collections.abc import Callable
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Result
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from webapp.extensions import db

ROWS_KEY = "pagerbridge_rows"
Row = TypeVar("Row")
View = TypeVar("View", bound=Callable[..., Any])
# Not READ ONLY: a page may create an org's settings row on first use (rolled back with the rest at the end).
SNAPSHOT = {"isolation_level": "REPEATABLE READ"}


def held(row):
    """Keep a strong reference to `row` for the session's life and return it.

    SQLAlchemy's identity map holds rows weakly: a settings row that three helpers read in one request would be
    garbage-collected between them and read again each time. Held, `session.get` finds it without a query.
    """
    if row is not None:
        db.session.info.setdefault(ROWS_KEY, {})[id(row)] = row
    return row


def created_on_first_use(found: Row | None, model: type[Row], org_id: int) -> Row:
    """`found`, or else the org's one row of `model` (its settings, its connection), added and flushed now."""
    if found is None:
        found = model(org_id=org_id)
        db.session.add(found)
        db.session.flush()
    return found


def remembered(kind, key, load):
    """The row this session loaded for (kind, key) while it is still in the session, else `load()` (held)."""
    memo = db.session.info.setdefault(ROWS_KEY, {})
    row = memo.get((kind, key))
    if row is None or row not in db.session:
        row = load()
        if row is not None:
            memo[(kind, key)] = row
    return row


def remember(kind: str, key: object, row: object) -> None:
    """Say that `row` is what `remembered(kind, key, ...)` would load (it was read along with something else)."""
    db.session.info.setdefault(ROWS_KEY, {})[(kind, key)] = row


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched (its result is a cursor result, which the session's typing does not say)."""
    return cast(CursorResult[Any], result).rowcount


@contextmanager
def kept_loaded():
    """Keep loaded rows loaded across commits in this block (no re-read after each commit).

    For rows this unit of work owns (a leased delivery, an incident it just created): nobody else changes them
    meanwhile, so reading them again after the commit would only cost a query.
    """
    session = db.session()
    previous, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = previous
        if previous:
            session.expire_all()  # whoever reads them after this block reads them afresh


def insert_or_nothing(model, conflict_columns, dialect=None):
    """An INSERT of `model` that does nothing when a row with the same `conflict_columns` exists (one statement)."""
    dialect = dialect or db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing(index_elements=list(conflict_columns))


def one_snapshot(view: View) -> View:
    """A view whose reads all come from one snapshot of the database, so its page never contradicts itself.

    A page reads a report, then its timeline, then its deliveries: under PostgreSQL's default READ COMMITTED a
    webhook committed between two of them would show "Priority set to P1" beside a priority still "None set".
    REPEATABLE READ takes one snapshot at the first statement (the user's own row). SQLite's driver begins a
    transaction only before a write, so each read would be its own snapshot there: an explicit BEGIN makes the reads
    one transaction, whose shared lock holds a writer's commit back until the page is done. Put it above
    `login_required`, so the snapshot is taken before the user is read.
    """

    @wraps(view)
    def in_one_snapshot(*args: Any, **kwargs: Any) -> Any:
        session, dialect = db.session(), db.engine.dialect.name
        if session.in_transaction():
            session.commit()  # only where a session outlives its request (tests): what it read came before
        if dialect == "postgresql":
            session.connection(execution_options=SNAPSHOT)
        elif dialect == "sqlite":
            session.connection().exec_driver_sql("BEGIN")
        try:
            return view(*args, **kwargs)
        finally:
            session.rollback()  # a page writes nothing; the snapshot ends with the page, not at teardown

    return cast(View, in_one_snapshot)
