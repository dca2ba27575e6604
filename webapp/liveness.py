"""Liveness PagerBridge owns: every worker, sender and scheduler beats a row in the database every few seconds.

RQ's registrations outlive a killed worker by minutes and vanish for good when Redis restarts empty; these rows do
neither. A process is live while its row is fresher than LIVE_SECONDS; a dead one's row stays behind, ageing, so
"down" is seen within LIVE_SECONDS + one scrape of the death. Periodic jobs record their last run here too, so the
scheduler's lag survives a Redis flush.
"""

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from webapp.counters import process_name as name
from webapp.extensions import db
from webapp.models import Heartbeat
from webapp.models.types import utcnow
from webapp.pagerduty import breaker

log = logging.getLogger(__name__)
BEAT_SECONDS = 5.0
LIVE_SECONDS = 15.0
FORGET_AFTER = timedelta(days=1)


class Kind(StrEnum):
    """What beats: a process, or a periodic job's last run."""

    WORKER = "worker"
    SENDER = "sender"
    SCHEDULER = "scheduler"
    PERIODIC = "periodic"


def process_name() -> str:
    """This process as Operations names it: the dyno (Heroku) or host, and the pid."""
    return name()


def beat(kind: Kind, name: str | None = None) -> bool:
    """Record that `name` (this process by default) of `kind` is alive now; False when the database failed."""
    name = (name or process_name())[:200]
    now = utcnow()
    try:
        with db.engine.begin() as connection:
            changed = connection.execute(
                update(Heartbeat).where(Heartbeat.kind == str(kind), Heartbeat.name == name).values(beat_at=now)
            ).rowcount
            if not changed:
                connection.execute(insert(Heartbeat).values(kind=str(kind), name=name, beat_at=now, started_at=now))
        return True
    except IntegrityError:
        return True  # the same name inserted at the same moment: it beat
    except Exception as error:  # noqa: BLE001 - a heartbeat never stops the process that beats
        log.warning("heartbeat of %s %s not recorded: %s", kind, name, type(error).__name__)
        return False


def forget(kind: Kind, name: str | None = None) -> None:
    """A process stopping cleanly takes its row away (a killed one leaves it to age)."""
    try:
        with db.engine.begin() as connection:
            connection.execute(
                delete(Heartbeat).where(Heartbeat.kind == str(kind), Heartbeat.name == (name or process_name()))
            )
    except Exception:  # noqa: BLE001 - best effort; the row then ages out of "live"
        log.warning("heartbeat of %s not removed", kind)


def ages(kind: Kind, now: float | None = None) -> dict[str, float]:
    """{name: seconds since its last beat} of every row of `kind` from the last day (raises if the DB is down)."""
    now = now if now is not None else time.time()
    rows = db.session.execute(
        select(Heartbeat.name, Heartbeat.beat_at).where(
            Heartbeat.kind == str(kind), Heartbeat.beat_at >= utcnow() - FORGET_AFTER
        )
    ).all()
    return {name: max(0.0, now - beat_at.timestamp()) for name, beat_at in rows}


def live(kind: Kind, within: float = LIVE_SECONDS, now: float | None = None) -> list[tuple[str, float]]:
    """[(name, age)] of the processes of `kind` that beat within `within` seconds, freshest first."""
    return sorted(((n, age) for n, age in ages(kind, now).items() if age <= within), key=lambda item: item[1])


def freshest_age(kind: Kind, now: float | None = None) -> float | None:
    """Seconds since the freshest beat of `kind` (None when none in the last day)."""
    found = ages(kind, now)
    return min(found.values()) if found else None


def ever_seen(kind: Kind) -> bool:
    """Whether any process of `kind` beat in the last day (a fresh install has none)."""
    return bool(ages(kind))


def prune() -> None:
    """Drop rows of processes gone for more than a day."""
    with db.engine.begin() as connection:
        connection.execute(delete(Heartbeat).where(Heartbeat.beat_at < utcnow() - FORGET_AFTER))


class HeartbeatThread(threading.Thread):
    """Beats for a process every BEAT_SECONDS, in the app's context; `also` runs after each beat (e.g. rejoining
    RQ's registry after Redis came back empty)."""

    def __init__(self, app, kind: Kind, name: str | None = None, also: Callable[[], object] | None = None) -> None:
        super().__init__(name=f"pagerbridge-heartbeat-{kind}", daemon=True)
        self.app, self.kind, self.beat_name, self.also = app, kind, name, also
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            with self.app.app_context():
                beat(self.kind, self.beat_name)
                if self.also is not None:
                    try:
                        self.also()
                    except Exception:  # noqa: BLE001 - the beat goes on whatever the extra step meets
                        log.warning("after the %s heartbeat: %s failed", self.kind, self.also, exc_info=True)
            self.stopping.wait(BEAT_SECONDS)

    def stop(self) -> None:
        """Stop beating and take the row away (a clean stop is not a death)."""
        self.stopping.set()
        with self.app.app_context():
            forget(self.kind, self.beat_name)


_last_sender_tick = [0.0]


def sender_tick(app) -> None:
    """Called from the delivery engine's loop each turn: beats for the sender every BEAT_SECONDS (from the loop
    itself, so a stuck loop stops beating) and lets one held delivery try PagerDuty again while it is failing."""
    now = time.monotonic()
    if now - _last_sender_tick[0] < BEAT_SECONDS:
        return
    _last_sender_tick[0] = now

    with app.app_context():
        beat(Kind.SENDER)
        try:
            breaker.probe()
        except Exception:  # noqa: BLE001 - the probe is an optimisation; backoff still brings each delivery back
            log.warning("the PagerDuty probe failed", exc_info=True)
            db.session.rollback()
        finally:
            db.session.remove()
