"""The delivery engine of a sender process: many sends in flight, claimed in fair batches, never waiting inline.

One dispatcher thread claims due deliveries (`claiming.claim_rows`: the claim returns each row, so a send reads
nothing more) as far as the engine has room and hands each to a pool of sender threads; a listener thread turns the
Redis wake-up signal into a claim at once; a heartbeat thread records that this sender is alive (its leases lapse as
soon as it is not); a metrics thread writes the counts the sends kept once a second; an outcome writer writes the
sends' delivered outcomes in batches (`outcomes`). Claims are at least CLAIM_GAP apart, so that a burst of wake-ups
becomes one claim of several rows rather than one claim per row. A paced or retried delivery is
handed back with its time and claimed again then, by this engine or any other. Every second the dispatcher looks
for due work anyway, so a lost signal, a Redis outage or a dead sender only delays a delivery, never loses it.
"""

import heapq
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from sqlalchemy import Row

from webapp import counters
from webapp.alerts import liveness, pacing
from webapp.alerts.claiming import claim_rows
from webapp.alerts.outcomes import OutcomeWriter
from webapp.alerts.sender import needs_slot, send_leased
from webapp.extensions import db
from webapp.liveness import sender_tick
from webapp.queues import WAKE_KEY, get_redis, wake_senders

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
BACKLOG_WAIT = 0.05
REDIS_BACKOFF_CAP = 10.0
METRICS_SECONDS = 1.0
# Wake-ups within this long of the last claim wait for the next one (which then claims them all): at 100 deliveries a
# second a claim leases three rows instead of one each time, and their outcomes share a batch. A claim and a batch
# write cost ~1.5 and ~2.5 ms of CPU whatever their size; the gap costs 15 ms of latency on average
# (bench/sender_storm.py at 200/s, load 6: 20 ms → 2.7-2.9 ms of CPU per delivery, 30 ms → 2.4, 50 ms → 2.1).
CLAIM_GAP = 0.03


class DeliveryEngine:
    """Sends up to `in_flight` deliveries at once; no org has more than `org_limit` in flight across engines."""

    def __init__(self, app: Flask, in_flight: int = 32, org_limit: int = 64, name: str | None = None) -> None:
        self.app, self.capacity, self.org_limit = app, in_flight, org_limit
        self.name = name or liveness.new_sender_name()
        self.pool = ThreadPoolExecutor(in_flight, thread_name_prefix="pagerbridge-send")
        self.writer = OutcomeWriter(app)
        self.last_claim = 0.0
        self.lock = threading.Lock()
        self.sending = 0
        self.backlogged = self.claim_requested = False
        self.due_times: list[float] = []  # epoch seconds at which a delivery this engine handed back falls due
        self.kick, self.room, self.stopping = threading.Event(), threading.Event(), threading.Event()
        # Since when this engine has reached the database without a failure (None: it is failing now). Peers
        # silent longer than that may only have been cut off too: their leases are taken over once it is long.
        self.reachable_since: float | None = None
        self.threads = [
            threading.Thread(target=self._dispatch, name="pagerbridge-dispatch", daemon=True),
            threading.Thread(target=self._listen, name="pagerbridge-wake", daemon=True),
            threading.Thread(target=self._heartbeat, name="pagerbridge-heartbeat", daemon=True),
            threading.Thread(target=self._flush_metrics, name="pagerbridge-metrics", daemon=True),
        ]

    def start(self) -> "DeliveryEngine":
        """Register this sender, then start claiming and sending."""
        with self.app.app_context():
            try:
                liveness.register(self.name)
                self.reachable_since = time.monotonic()
            finally:
                db.session.remove()
        self.writer.start()
        for thread in self.threads:
            thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        """Claim nothing more and let the sends in flight finish (their leases cover a harder stop)."""
        self.stopping.set()
        self.kick.set()
        self.room.set()
        for thread in self.threads:
            thread.join(timeout)
        self.pool.shutdown(wait=True)
        self.writer.stop()  # after the sends: they wait for their outcomes' batch
        with self.app.app_context():
            counters.flush()  # what the last sends counted
            try:
                liveness.unregister(self.name)
            except Exception:  # noqa: BLE001 - the row ages out; nothing is leased by this sender any more
                log.warning("could not unregister sender %s", self.name, exc_info=True)
            finally:
                db.session.remove()

    def _heartbeat(self) -> None:
        """Say this sender is alive every HEARTBEAT_SECONDS; learn how many share the pace if Redis goes away."""
        while not self.stopping.wait(liveness.HEARTBEAT_SECONDS):
            with self.app.app_context():
                try:
                    liveness.beat(self.name, self.capacity - self.free())
                    self.reachable_since = self.reachable_since or time.monotonic()
                    pacing.set_senders_alive(len(liveness.live_senders()))
                except Exception:  # noqa: BLE001 - the database is away: beat again next time
                    log.warning("sender heartbeat failed", exc_info=True)
                    self.reachable_since = None
                    db.session.rollback()
                finally:
                    db.session.remove()

    def peers_judged(self) -> bool:
        """Whether this engine has reached the database long enough to call a silent peer dead (after a database
        outage every heartbeat is old: taking each other's leases then sent the same events again and again)."""
        since = self.reachable_since
        return since is not None and time.monotonic() - since >= liveness.DEAD_AFTER_SECONDS

    def _flush_metrics(self) -> None:
        """Write the counts this process kept (when it keeps them: `counters.keep_in_process`) every second, in one
        Redis round trip, apart from the claims and the heartbeat (a slow Redis delays neither)."""
        while not self.stopping.wait(METRICS_SECONDS):
            with self.app.app_context():
                counters.flush()

    def request_claim(self) -> None:
        """Claim a round as soon as the dispatcher can."""
        with self.lock:
            self.claim_requested = True
        self.kick.set()

    def free(self) -> int:
        """How many more sends this engine can start now."""
        with self.lock:
            return self.capacity - self.sending

    def claim_round(self) -> int:
        """Claim what is due, as far as there is room, and start sending it; returns how many were claimed."""
        free = self.free()
        if free <= 0:
            return 0
        with self.app.app_context():
            try:
                batch = claim_rows(free, self.org_limit, self.name, self.peers_judged())
            except Exception:  # noqa: BLE001 - a database hiccup: the next round tries again
                log.exception("claiming deliveries failed")
                self.reachable_since = None
                db.session.rollback()
                return 0
            finally:
                db.session.remove()
            reserved = self._reserve([row for row, _ in batch])
            with self.lock:
                self.sending += len(batch)
                self.backlogged = len(batch) == free
            for row, token in batch:
                self.pool.submit(self._send, row, token, reserved.get(row.id))
            if batch and len(batch) == free:
                wake_senders()  # more may be due than this engine has room for: another engine can help
        return len(batch)

    def _reserve(self, rows: list[Row[Any]]) -> dict[int, float]:
        """The pace slots of the claimed rows that need one, reserved in one Redis round trip: {id: wait}. Never
        raises: the rows are leased already, and a row without a reserved wait reserves its own slot when sent."""
        paced = [row for row in rows if needs_slot(row)]
        try:
            waits = pacing.reserve_slots([row.pace_group for row in paced])
        except Exception:  # noqa: BLE001 - anything but Redis failing (which paces locally): each send reserves its own
            log.exception("reserving the claim's pace slots failed")
            return {}
        return dict(zip((row.id for row in paced), waits, strict=True))

    def _dispatch(self) -> None:
        next_poll = 0.0
        while not self.stopping.is_set():
            sender_tick(self.app)  # the sender's heartbeat, from this loop (throttled inside), and PagerDuty's probe
            now = time.time()
            with self.lock:
                requested, self.claim_requested = self.claim_requested, False
            if requested or now >= next_poll or self._due(now):
                self._gather()
                try:
                    self.claim_round()
                except Exception:  # noqa: BLE001 - the dispatcher must never stop: log, and try again next round
                    log.exception("a claim round failed")
                next_poll = time.time() + POLL_SECONDS
            self.kick.wait(self._wait(next_poll))
            self.kick.clear()

    def _gather(self) -> None:
        """Wait out the rest of CLAIM_GAP since the last claim; wake-ups meanwhile are answered by this claim."""
        gap = self.last_claim + CLAIM_GAP - time.monotonic()
        if gap > 0:
            self.stopping.wait(gap)
        with self.lock:
            self.claim_requested = False
        self.last_claim = time.monotonic()

    def _due(self, now: float) -> bool:
        with self.lock:
            due = False
            while self.due_times and self.due_times[0] <= now:
                heapq.heappop(self.due_times)
                due = True
            return due

    def _wait(self, next_poll: float) -> float:
        with self.lock:
            until = min([next_poll, *self.due_times[:1]])
            backlogged = self.backlogged
        wait = max(0.0, until - time.time())
        return min(wait, BACKLOG_WAIT) if backlogged else wait

    def _listen(self) -> None:
        """Block on the wake-up list while there is room; each signal means a claim round now."""
        with self.app.app_context():
            redis = get_redis()
        backoff = 0.0
        while not self.stopping.is_set():
            if self.free() <= 0:
                self.room.wait(POLL_SECONDS)
                self.room.clear()
                continue
            try:
                if redis.blpop([WAKE_KEY], timeout=POLL_SECONDS):
                    self.request_claim()
                backoff = 0.0
            except Exception:  # noqa: BLE001 - Redis away: reconnect with backoff; the dispatcher polls meanwhile
                backoff = min(REDIS_BACKOFF_CAP, max(POLL_SECONDS / 2, backoff * 2))
                log.warning("waiting for the wake-up signal failed; polling only, again in %.1f s", backoff)
                self.stopping.wait(backoff)

    def _send(self, row: Row[Any], token: str, reserved: float | None = None) -> None:
        """Send one claimed row (the claim read it: no read here), then make room and note when it is due again."""
        due, delivery_id = None, row.id
        try:
            with self.app.app_context():
                try:
                    outcome, due = send_leased(row, token, self.writer, reserved)
                    log.log(
                        logging.DEBUG if outcome == "delivered" else logging.INFO,
                        "delivery %s: %s",
                        delivery_id,
                        outcome,
                    )
                finally:
                    db.session.remove()
        except Exception:  # noqa: BLE001 - the lease lapses and another round sends it again
            log.exception("sending delivery %s failed", delivery_id)
        finally:
            with self.lock:
                self.sending -= 1
                if due is not None:
                    heapq.heappush(self.due_times, due.timestamp())
                if self.backlogged and self.capacity - self.sending >= max(1, self.capacity // 4):
                    self.claim_requested = True
            self.room.set()
            self.kick.set()
