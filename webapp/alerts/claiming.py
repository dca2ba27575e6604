"""Claiming due deliveries in batches, fairly: round-robin across orgs and their keys, critical first in each.

One batch is one statement: an UPDATE that leases the candidates (a window query over what is due) that no other
engine has locked (`FOR UPDATE SKIP LOCKED`), with the claim's conditions checked again on each row, so two engines
never hold one delivery. A lease is held by a sender process (`lease_owner`): it lapses at `lease_until`, or as
soon as its sender is seen dead (no heartbeat, see `liveness`), and only live leases count against an org's cap.

On PostgreSQL the claim is one call of a server-side function (`claim_deliveries`, migration
delivery_claim_function), in autocommit: one round trip, no BEGIN or COMMIT of its own. The function takes one
transaction-level advisory lock, so claims run one after the other, and then runs the same UPDATE as
`_claim_statement`, whose fresh snapshot sees what the claim before it leased: the per-org in-flight cap holds across
any number of senders, and the lock is held only while the server runs the claim, never across a client round trip.
"""

import uuid
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    Text,
    TextualSelect,
    Update,
    and_,
    bindparam,
    column,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.sql.elements import BindParameter

from webapp.alerts.liveness import dead_before, dead_sender_names
from webapp.alerts.outbox import DUE_EARLY, SENDABLE_STATUSES, earlier_of_key_open, lease_seconds
from webapp.extensions import db
from webapp.models import Delivery
from webapp.models.types import utcnow

PER_KEY = 4  # a paced key takes at most this many places in one batch, so one burst cannot fill a batch
CLAIM_LOCK = 0x50424C4B  # the advisory lock that serialises claims ("PBLK"), taken inside claim_deliveries
# On PostgreSQL: lock and claim in one call (its columns named, in `claimed_columns` order, to read rows alike).
CLAIM_CALL = "claim_deliveries(:now, :soon, :until, :dead_before, :token, :owner, :batch, :org_limit, :per_key)"


def claim_rows(
    limit: int, org_limit: int, owner: str | None = None, take_over_silent: bool = True
) -> list[tuple[Row, str]]:
    """Lease up to `limit` due deliveries for sender `owner`, at most `org_limit` in flight per org across all
    senders; returns [(row, lease token)] in the order to start them (critical first), each row as the claim left it
    (every column, its routing key still encrypted: the claim's RETURNING is the send's read). Commits the caller's
    session.

    `take_over_silent=False` leaves the leases of senders whose heartbeat is old until they lapse: a sender that has
    itself just got the database back cannot tell a dead peer from one that could not beat meanwhile either."""
    db.session.commit()  # the caller's own work first: the claim runs in a transaction of its own
    now, token = utcnow(), uuid.uuid4().hex
    parameters = {
        "now": now,
        "soon": now + DUE_EARLY,
        "until": now + timedelta(seconds=lease_seconds()),
        "dead_before": dead_before() if take_over_silent else now - timedelta(days=3650),
        "token": token,
        "owner": owner,
        "batch": limit,
        "org_limit": org_limit,
        "per_key": PER_KEY,
    }
    # On the session's connection (Core): the ORM would rebuild the large statement's cache key on every claim.
    if db.session.get_bind().dialect.name == "postgresql":
        connection = db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        claimed = connection.execute(claim_call(), parameters).all()
    else:
        claimed = db.session.connection().execute(_claim_statement(), parameters).all()
    db.session.commit()  # gives the connection back (on PostgreSQL the call has committed already)
    return [(row, token) for row in sorted(claimed, key=lambda row: (-row.priority, row.id))]


@cache
def claim_call() -> TextualSelect:
    """The claim on PostgreSQL: one call of `claim_deliveries`, its rows typed as `_claim_statement` returns them."""
    columns = [column(claimed.name, claimed.type) for claimed in claimed_columns()]
    names = ", ".join(claimed.name for claimed in columns)
    return text(f"SELECT {names} FROM {CLAIM_CALL}").columns(*columns)


@cache
def _claim_statement() -> Update:
    """Built once (an engine claims many times a second)."""
    lockable = (
        select(Delivery.id)
        .where(Delivery.id.in_(_candidates().scalar_subquery()), *_claimable())
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return (
        update(Delivery)
        .where(Delivery.id.in_(lockable))
        .values(lease_token=bindparam("token"), lease_until=bindparam("until"), lease_owner=bindparam("owner"))
        .returning(*claimed_columns())
    )


def claimed_columns() -> list[ColumnElement]:
    """Every column, the routing key still sealed: each send thread opens its own, so one key that cannot be
    decrypted fails that delivery's send, never the claim of every other."""
    table = Delivery.__table__
    sealed = type_coerce(table.c.routing_key, Text).label("routing_key")
    return [sealed if column.name == "routing_key" else column for column in table.columns]


def _claimable() -> tuple[ColumnElement[bool], ...]:
    return (
        Delivery.status.in_(SENDABLE_STATUSES),
        or_(
            Delivery.lease_until.is_(None),
            Delivery.lease_until < bindparam("now"),
            Delivery.lease_owner.in_(dead_sender_names()),
        ),
        or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= bindparam("soon")),
    )


def live_lease() -> ColumnElement[bool]:
    """The delivery is leased by a sender that is alive and within its lease: it counts as in flight."""
    return and_(
        Delivery.lease_until >= bindparam("now"),
        or_(Delivery.lease_owner.is_(None), Delivery.lease_owner.not_in(dead_sender_names())),
    )


def _candidates() -> Select[Any]:
    """Due, not waiting behind an earlier delivery of its dedup key, not behind a key that holds a future slot;
    ranked per org so that each org's first pick comes before any org's second."""
    now: BindParameter[datetime] = bindparam("now")
    earlier_open = earlier_of_key_open()
    slotted = db.aliased(Delivery)
    key_waits_for_slot = (
        select(slotted.id)
        .where(
            slotted.pace_group == Delivery.pace_group,
            slotted.slot_at > now,
            slotted.status.in_(SENDABLE_STATUSES),
        )
        .exists()
    )
    key_rank = func.row_number().over(
        partition_by=(Delivery.org_id, func.coalesce(Delivery.pace_group, literal(""))),
        order_by=(Delivery.slot_at.is_(None), Delivery.priority.desc(), Delivery.id),
    )
    due = (
        select(Delivery.id, Delivery.org_id, Delivery.priority, key_rank.label("key_rank"))
        .where(
            *_claimable(),
            ~earlier_open,
            or_(Delivery.slot_at.is_not(None), ~key_waits_for_slot),  # a held slot is used; others wait behind it
        )
        .subquery()
    )
    in_flight = (
        select(Delivery.org_id, func.count(Delivery.id).label("sending"))
        .where(Delivery.status.in_(SENDABLE_STATUSES), live_lease())
        .group_by(Delivery.org_id)
        .subquery()
    )
    org_rank = func.row_number().over(
        partition_by=due.c.org_id, order_by=(due.c.key_rank, due.c.priority.desc(), due.c.id)
    )
    ranked = (
        select(
            due.c.id,
            due.c.priority,
            org_rank.label("org_rank"),
            func.coalesce(in_flight.c.sending, 0).label("sending"),
        )
        .select_from(due.outerjoin(in_flight, in_flight.c.org_id == due.c.org_id))
        .where(due.c.key_rank <= bindparam("per_key"))
        .subquery()
    )
    return (
        select(ranked.c.id)
        .where(ranked.c.org_rank + ranked.c.sending <= bindparam("org_limit"))
        .order_by(ranked.c.org_rank, ranked.c.priority.desc(), ranked.c.id)
        .limit(bindparam("batch", type_=Integer))
    )
