"""Which sender processes are alive: each writes a heartbeat row; a silent one's leases are free at once.

`live_senders()` is the one reading for Operations, /metrics and health ("no sender alive").
"""

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ScalarSelect, delete, select, update

from webapp.extensions import db
from webapp.models import Sender
from webapp.models.types import utcnow
from webapp.unit_of_work import rowcount

HEARTBEAT_SECONDS = 2.0
DEAD_AFTER_SECONDS = 10.0  # five missed heartbeats: the sender is dead and its leases lapse


@dataclass(frozen=True)
class SenderInfo:
    """A sender as the operations screens show it."""

    name: str
    host: str
    pid: int
    in_flight: int
    started_at: datetime
    seen_at: datetime


def new_sender_name() -> str:
    """A unique name for this sender process (host, pid and a random part: a reused pid is another sender)."""
    return f"{socket.gethostname()[:40]}.{os.getpid()}.{uuid.uuid4().hex[:8]}"


def register(name: str) -> None:
    """Record a starting sender (the caller's session commits)."""
    now = utcnow()
    db.session.add(
        Sender(name=name, host=socket.gethostname()[:255], pid=os.getpid(), in_flight=0, started_at=now, seen_at=now)
    )
    db.session.commit()


def beat(name: str, in_flight: int) -> None:
    """The sender is alive; recreates its row if a cleanup removed it while it was stalled. Commits."""
    now = utcnow()
    result = db.session.execute(update(Sender).where(Sender.name == name).values(seen_at=now, in_flight=in_flight))
    if rowcount(result) == 0:
        db.session.add(
            Sender(name=name, host=socket.gethostname()[:255], pid=os.getpid(), in_flight=in_flight, seen_at=now)
        )
    db.session.commit()


def unregister(name: str) -> None:
    """A sender that stopped cleanly (nothing in flight any more) leaves no row behind. Commits."""
    db.session.execute(delete(Sender).where(Sender.name == name))
    db.session.commit()


def dead_before() -> datetime:
    """A sender last seen before this is dead."""
    return utcnow() - timedelta(seconds=DEAD_AFTER_SECONDS)


def dead_sender_names() -> ScalarSelect[str]:
    """A subquery of the names of senders seen dead (a claim takes their leases at once)."""
    from sqlalchemy import bindparam

    return select(Sender.name).where(Sender.seen_at < bindparam("dead_before")).scalar_subquery()


def live_senders(within_seconds: float = DEAD_AFTER_SECONDS) -> list[SenderInfo]:
    """The senders that sent a heartbeat in the last `within_seconds`, oldest first."""
    since = utcnow() - timedelta(seconds=within_seconds)
    rows = db.session.scalars(select(Sender).where(Sender.seen_at >= since).order_by(Sender.started_at)).all()
    return [SenderInfo(r.name, r.host, r.pid, r.in_flight, r.started_at, r.seen_at) for r in rows]


def forget_dead(older_than_seconds: float = 3600.0) -> int:
    """Drop rows of senders dead for long (their leases have been taken over by then). Commits."""
    result = db.session.execute(delete(Sender).where(Sender.seen_at < utcnow() - timedelta(seconds=older_than_seconds)))
    db.session.commit()
    return rowcount(result)
