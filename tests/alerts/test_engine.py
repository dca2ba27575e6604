"""The delivery engine in-process: many sends in flight, paced deliveries handed back, nothing held."""

import pytest

from tests.alerts.test_claiming import queue
from tests.conftest import DEFAULT_KEY, VDP_KEY, wait_for
from webapp.alerts.engine import DeliveryEngine
from webapp.models import Delivery


@pytest.fixture()
def engine_factory(app):
    engines = []

    def start(**kwargs):
        engine = DeliveryEngine(app, **kwargs).start()
        engines.append(engine)
        return engine

    yield start
    for engine in engines:
        engine.stop()


def test_many_sends_in_flight_at_once(app, db, pd, connected, engine_factory):
    pd.state.latency_ms = 400
    keys = [VDP_KEY, DEFAULT_KEY]
    for key in keys:
        queue(db, connected.id, key, 4)
    engine_factory(in_flight=8, org_limit=8)
    wait_for(lambda: len(pd.state.received_events()) == 8, timeout=20)
    assert pd.state.most_waiting >= 2  # one worker, several calls waiting on PagerDuty together


def test_paced_deliveries_wait_in_the_database_not_in_a_worker(app, db, pd, connected, engine_factory, monkeypatch):
    from webapp.alerts.pacing import BURST

    monkeypatch.setitem(app.config, "EVENTS_PER_MINUTE", 1)  # after the burst, the next slot is a minute away
    paced = queue(db, connected.id, VDP_KEY, BURST + 3)
    engine = engine_factory(in_flight=2, org_limit=10)
    free_now = BURST + 1  # the burst, then the first paced slot is taken at once
    wait_for(lambda: len(pd.state.received_events(routing_key=VDP_KEY)) == free_now, timeout=20)

    def handed_back():
        rows = [db.session.get(Delivery, delivery_id) for delivery_id in paced]
        waiting = [row for row in rows if row.status == "pending"]
        # Each holds a slot of the key, or waits unclaimed behind one that does: none holds a sender.
        slotted = [row for row in waiting if row.slot_at]
        return len(waiting) == 2 and slotted and all(row.lease_until is None for row in waiting)

    wait_for(handed_back)
    other = queue(db, connected.id, DEFAULT_KEY, 1)
    wait_for(lambda: db.session.get(Delivery, other[0]).status == "delivered", timeout=20)
    wait_for(lambda: engine.free() == 2)
    assert len(pd.state.received_events(routing_key=VDP_KEY)) == free_now
