"""Batch claims: fair across orgs and keys, critical first, per-org limits, dedup-key order, one holder.

On PostgreSQL each test runs twice: through the server-side `claim_deliveries` (what the senders call) and through
the SQLAlchemy statement that SQLite uses, so the two spellings of the claim cannot drift apart unseen."""

from datetime import timedelta

import pytest

from tests import factories
from webapp.alerts import claiming
from webapp.alerts.claiming import claim_rows
from webapp.alerts.outbox import queue_event
from webapp.models import Delivery
from webapp.models.types import utcnow
from webapp.routing.resolve import Route


@pytest.fixture(autouse=True, params=["claim_deliveries", "statement"])
def claim_spelling(request, monkeypatch):
    """Which spelling of the claim PostgreSQL runs (SQLite always runs the statement)."""
    if request.param == "statement":
        monkeypatch.setattr(claiming, "claim_call", claiming._claim_statement)
    return request.param


def claim_batch(limit, org_limit, owner=None):
    """The sender's claim (`claim_rows`) as [(id, lease token)], in the order it would start them."""
    return [(row.id, token) for row, token in claim_rows(limit, org_limit, owner)]


def queue(db, org_id, key, count, *, severity="warning", dedup=None, action="trigger"):
    """`count` pending deliveries of one org to one key, committed; returns their ids."""
    route = Route(key, f"service {key[:4]}", "test route")
    ids = [
        queue_event(
            org_id,
            action=action,
            event_type="test",
            dedup_key=dedup or f"incident-{org_id}-{key[:4]}-{n}-{severity}",
            severity=severity,
            payload={"payload": {"summary": f"test {n}", "source": "tests", "severity": severity}},
            route=route,
        ).id
        for n in range(count)
    ]
    db.session.commit()
    return ids


def orgs_of(db, claimed):
    return [db.session.get(Delivery, delivery_id).org_id for delivery_id, _ in claimed]


def test_one_orgs_burst_does_not_push_another_org_back(db, redis):
    burst_org, quiet_org = factories.org_with_users(), factories.org_with_users()
    queue(db, burst_org.id, "c" * 32, 40)
    quiet = queue(db, quiet_org.id, "a" * 32, 2)
    claimed = claim_batch(limit=4, org_limit=100)
    assert sorted(orgs_of(db, claimed)) == [burst_org.id] * 2 + [quiet_org.id] * 2  # round-robin: one each, again
    assert set(quiet) <= {delivery_id for delivery_id, _ in claimed}


def test_one_key_takes_a_few_places_per_batch_and_keys_take_turns(db, redis):
    org = factories.org_with_users()
    queue(db, org.id, "c" * 32, 20)
    other = queue(db, org.id, "d" * 32, 20)
    claimed = {delivery_id for delivery_id, _ in claim_batch(limit=6, org_limit=100)}
    assert len(claimed & set(other)) == 3  # the keys take turns
    assert len(claim_batch(limit=20, org_limit=100)) == 8  # a key takes four places of a batch at most


def test_critical_first_within_an_org(db, redis):
    org = factories.org_with_users()
    queue(db, org.id, "c" * 32, 3, severity="info")
    critical = queue(db, org.id, "d" * 32, 1, severity="critical")
    assert claim_batch(limit=1, org_limit=100)[0][0] == critical[0]


def test_an_org_never_has_more_than_its_limit_in_flight(db, redis):
    busy, other = factories.org_with_users(), factories.org_with_users()
    for n in range(4):
        queue(db, busy.id, chr(ord("e") + n) * 32, 4)
    queue(db, other.id, "a" * 32, 2)
    first = claim_batch(limit=5, org_limit=3)
    assert orgs_of(db, first).count(busy.id) == 3
    second = claim_batch(limit=5, org_limit=3)
    assert busy.id not in orgs_of(db, second)  # its three are still leased (in flight)


def test_a_resolve_waits_for_its_trigger(db, redis):
    org = factories.org_with_users()
    trigger = queue(db, org.id, "c" * 32, 1, dedup="incident-9")[0]
    queue(db, org.id, "c" * 32, 1, dedup="incident-9", action="resolve")
    assert [delivery_id for delivery_id, _ in claim_batch(limit=10, org_limit=100)] == [trigger]
    assert claim_batch(limit=10, org_limit=100) == []


def test_a_delivery_is_leased_once_and_a_lapsed_lease_is_claimed_again(db, redis):
    org = factories.org_with_users()
    queue(db, org.id, "c" * 32, 1)
    first = claim_batch(limit=10, org_limit=100)
    assert len(first) == 1 and claim_batch(limit=10, org_limit=100) == []
    delivery = db.session.get(Delivery, first[0][0])
    delivery.lease_until = utcnow() - timedelta(seconds=1)  # its sender died mid-send
    db.session.commit()
    again = claim_batch(limit=10, org_limit=100)
    assert [delivery_id for delivery_id, _ in again] == [first[0][0]] and again[0][1] != first[0][1]


def test_a_key_waiting_for_its_slot_gives_its_places_to_others(db, redis):
    org = factories.org_with_users()
    paced = queue(db, org.id, "c" * 32, 5)
    other = queue(db, org.id, "d" * 32, 1)
    slotted = db.session.get(Delivery, paced[0])
    slotted.slot_at = slotted.next_attempt_at = utcnow() + timedelta(seconds=30)
    db.session.commit()
    assert [delivery_id for delivery_id, _ in claim_batch(limit=10, org_limit=100)] == other
