"""Pacing per integration key across workers (kept in Redis)."""

import time_machine

from webapp.alerts.pacing import BURST, pace_key, reserve_slot


def test_burst_then_evenly_spaced_slots(app, db, redis):
    app.config["EVENTS_PER_MINUTE"] = 60
    try:
        # The clock stands still, so a busy machine's slow calls cannot shorten the waits the slots imply.
        with time_machine.travel("2026-12-01 12:00:00Z", tick=False):
            waits = [reserve_slot("k" * 32) for _ in range(BURST + 3)]
    finally:
        app.config["EVENTS_PER_MINUTE"] = 100
    assert all(w == 0 for w in waits[: BURST + 1])
    assert 0.9 <= waits[BURST + 1] <= 1.1 and 1.9 <= waits[BURST + 2] <= 2.1


def test_keys_are_paced_separately_and_never_stored_in_clear(app, db, redis):
    for _ in range(20):
        reserve_slot("a" * 32)
    assert reserve_slot("b" * 32) == 0
    assert all(b"aaaa" not in key for key in redis.keys("*"))
    assert redis.exists(pace_key("a" * 32))


def test_a_429_holds_the_key_for_every_worker(app, db, redis):
    from webapp.alerts.pacing import hold

    hold("c" * 32, 30)  # PagerDuty said Retry-After: 30
    assert 29 <= reserve_slot("c" * 32) <= 30.5
    assert reserve_slot("d" * 32) == 0


def test_a_claims_slots_are_reserved_in_one_round_trip_as_one_by_one(app, db, redis, monkeypatch):
    from webapp.alerts import pacing

    app.config["EVENTS_PER_MINUTE"] = 60
    calls = []
    real = pacing.get_redis
    monkeypatch.setattr(pacing, "get_redis", lambda: calls.append(1) or real())
    try:
        with time_machine.travel("2026-12-01 12:00:00Z", tick=False):
            group = pacing.pace_group("k" * 32)
            waits = pacing.reserve_slots([group] * (BURST + 2) + [pacing.pace_group("m" * 32)])
            after = reserve_slot("k" * 32)  # the same key's next slot, one by one, continues where they stopped
    finally:
        app.config["EVENTS_PER_MINUTE"] = 100
    assert all(w == 0 for w in waits[: BURST + 1]) and 0.9 <= waits[BURST + 1] <= 1.1 and waits[-1] == 0
    assert 1.9 <= after <= 2.1
    assert len(calls) == 2  # the claim's seven slots in one pipeline, then the single one


def test_the_engine_reserves_the_slots_of_a_claims_paced_rows_only(app, db, redis, connected):
    from tests.alerts.test_claiming import queue
    from webapp.alerts.claiming import claim_rows
    from webapp.alerts.engine import DeliveryEngine

    triggers = queue(db, connected.id, "k" * 32, 2)
    notes = queue(db, connected.id, "n" * 32, 1, action="note")
    engine = DeliveryEngine(app, in_flight=4, org_limit=10, name="me")
    try:
        reserved = engine._reserve([row for row, _ in claim_rows(10, 10, "me")])
    finally:
        engine.pool.shutdown()
    assert reserved == dict.fromkeys(triggers, 0.0) and notes[0] not in reserved


def test_a_claim_whose_slots_cannot_be_reserved_leaves_each_send_to_reserve_its_own(app, db, redis, monkeypatch):
    from tests.alerts.test_claiming import queue
    from webapp.alerts import pacing
    from webapp.alerts.claiming import claim_rows
    from webapp.alerts.engine import DeliveryEngine
    from webapp.models import Org

    org = Org(slug="o", name="O")
    db.session.add(org)
    db.session.commit()
    queue(db, org.id, "k" * 32, 2)
    monkeypatch.setattr(pacing, "reserve_slots", lambda groups: 1 / 0)  # not a Redis error: a bug
    engine = DeliveryEngine(app, in_flight=4, org_limit=10, name="me")
    try:
        assert engine._reserve([row for row, _ in claim_rows(10, 10, "me")]) == {}
    finally:
        engine.pool.shutdown()
