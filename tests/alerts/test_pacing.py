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
