"""Leases: outcomes only under the lease they were claimed with, dead senders' leases free at once, notes never
posted twice, the per-org cap hard across senders, the sender's Redis client and pace apart from RQ's."""

import threading
from datetime import timedelta

import pytest

from tests import factories
from tests.alerts.test_claiming import queue
from tests.api.test_incidents import K8S
from tests.conftest import VDP_KEY
from tests.sending import claimed_ids, lease, lease_row, send_now
from webapp.alerts import liveness
from webapp.alerts.claiming import claim_rows
from webapp.alerts.sender import send_leased
from webapp.models import Delivery, Sender
from webapp.models.types import utcnow
from webapp.pagerduty import client


def _taken_over_during(monkeypatch, db, delivery_id, function="post_event", error=None):
    """While the call is at PagerDuty, another sender takes the delivery over (this one outlived its lease)."""
    real = getattr(client, function)

    def call(*args, **kwargs):
        from webapp import create_app

        with create_app().app_context():
            lease(delivery_id, owner="other-sender")
        if error is not None:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(client, function, call)


@pytest.mark.parametrize("error", [None, client.PagerDutyError("Server error", status=500)])
def test_an_outcome_after_the_lease_was_taken_over_is_dropped(api, pd, connected, db, monkeypatch, error):
    report_id = api.post("/reports", json={"title": "Late"}).json["id"]
    delivery_id = db.session.scalar(db.select(Delivery.id).filter_by(dedup_key=f"report-{report_id}"))
    row, token = lease_row(delivery_id)
    _taken_over_during(monkeypatch, db, delivery_id, error=error)
    assert send_leased(row, token) == ("late", None)
    db.session.expire_all()
    row = db.session.get(Delivery, delivery_id)
    # The other sender's lease and the pending status stand: the late "delivered" or "retrying" overwrote nothing.
    assert (row.status, row.lease_owner, row.attempts) == ("pending", "other-sender", 0)


def test_a_dead_senders_leases_are_claimed_at_once_and_only_live_leases_count(db, redis):
    org = factories.org_with_users()
    ids = queue(db, org.id, "c" * 32, 4)
    now = utcnow()
    db.session.add_all(
        [
            Sender(name="dead", host="h", pid=1, in_flight=2, started_at=now, seen_at=now - timedelta(seconds=60)),
            Sender(name="alive", host="h", pid=2, in_flight=1, started_at=now, seen_at=now),
        ]
    )
    for delivery_id, owner in zip(ids[:3], ["dead", "dead", "alive"], strict=True):
        lease(delivery_id, owner=owner)
    claimed = set(claimed_ids(limit=10, org_limit=3, owner="me"))
    # The dead sender's two are free although their leases run for another minute; the live one is not, and it
    # alone counts against the cap of three, so two more fit.
    assert claimed <= {ids[0], ids[1], ids[3]} and len(claimed) == 2
    assert [s.name for s in liveness.live_senders()] == ["alive"]


def test_a_sender_back_from_a_database_outage_leaves_silent_peers_leases_until_it_can_judge_them(db, redis, app):
    """Found by bench/faults.py (PostgreSQL restarted): every heartbeat was old when the database came back, so two
    senders took each other's (and their own) leases over and over, and sent one trigger up to 9 times."""
    import time

    from webapp.alerts.engine import DeliveryEngine

    org = factories.org_with_users()
    ids = queue(db, org.id, "c" * 32, 2)
    cut_off = utcnow() - timedelta(seconds=30)  # no sender could beat during the outage
    db.session.add(Sender(name="peer", host="h", pid=1, in_flight=1, started_at=cut_off, seen_at=cut_off))
    lease(ids[0], owner="peer")
    engine = DeliveryEngine(app, in_flight=4, org_limit=10, name="me")
    assert not engine.peers_judged()  # not reached the database yet
    engine.reachable_since = time.monotonic()  # it has just got the database back
    assert not engine.peers_judged()
    assert claimed_ids(10, 10, "me", engine.peers_judged()) == [ids[1]]  # the peer's lease stands
    engine.reachable_since = time.monotonic() - liveness.DEAD_AFTER_SECONDS  # reachable long enough: judged dead
    assert claimed_ids(10, 10, "me", engine.peers_judged()) == [ids[0]]
    engine.pool.shutdown()


def test_a_sender_registers_beats_and_unregisters(db):
    liveness.register("s1")
    liveness.beat("s1", 3)
    assert [(s.name, s.in_flight) for s in liveness.live_senders()] == [("s1", 3)]
    liveness.unregister("s1")
    assert liveness.live_senders() == []
    liveness.beat("s1", 0)  # a sender whose row was cleaned up while it stalled comes back
    assert len(liveness.live_senders()) == 1


@pytest.mark.postgres
def test_the_per_org_cap_holds_across_senders_claiming_at_once(app, db, redis):
    org = factories.org_with_users()
    for n in range(6):
        queue(db, org.id, chr(ord("e") + n) * 32, 4)
    results = []

    def claim(owner):
        with app.app_context():
            results.extend(claim_rows(limit=8, org_limit=5, owner=owner))
            db.session.remove()

    threads = [threading.Thread(target=claim, args=(f"sender-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 5


def test_a_note_posted_before_a_crash_is_not_posted_again(api, pd, connected, db, monkeypatch):
    from tests.conftest import DEFAULT_KEY

    factories.default_service(connected.id, DEFAULT_KEY)
    incident_id = api.post("/incidents", json=K8S).json["id"]
    trigger = db.session.scalar(db.select(Delivery.id).filter_by(action="trigger"))
    assert send_now(trigger) == "delivered"
    api.patch(f"/incidents/{incident_id}", json={"status": "investigating", "root_cause": "Memory leak"})
    note_id = db.session.scalar(db.select(Delivery.id).filter_by(action="note"))
    real = client.rest_response

    def accepted_then_lost(credentials, method, path, **kwargs):
        response = real(credentials, method, path, **kwargs)
        if method == "POST":  # PagerDuty took the note; its answer never came back
            raise client.PagerDutyError("Read timed out", status=None)
        return response

    monkeypatch.setattr(client, "rest_response", accepted_then_lost)
    assert send_now(note_id) == "retrying"
    assert db.session.get(Delivery, note_id).in_doubt_since is not None
    monkeypatch.setattr(client, "rest_response", real)
    assert send_now(note_id) == "delivered"
    assert len(pd.state.notes) == 1
    row = db.session.get(Delivery, note_id)
    assert row.in_doubt_since is None and "already in PagerDuty" in row.last_response


def test_rq_cannot_lengthen_the_senders_redis_timeout(app, db, redis):
    from jobs.worker import AppWorker
    from webapp.queues import SOCKET_TIMEOUT, get_redis, rq_redis

    worker = AppWorker(["default"], connection=rq_redis())
    assert rq_redis().connection_pool.connection_kwargs["socket_timeout"] > 60  # RQ raised its own client's
    assert worker.connection is rq_redis()
    assert get_redis().connection_pool.connection_kwargs["socket_timeout"] == SOCKET_TIMEOUT <= 5


def test_pacing_without_redis_is_local_and_leaves_room_for_every_sender(app, db, monkeypatch):
    from redis import Redis

    from webapp.alerts import pacing
    from webapp.queues import quick_retry

    monkeypatch.setitem(app.config, "EVENTS_PER_MINUTE", 120)  # one every 500 ms
    dead = Redis(port=1, socket_connect_timeout=0.2, retry=quick_retry())  # nothing listens there
    monkeypatch.setattr(pacing, "get_redis", lambda: dead)
    monkeypatch.setattr(pacing, "LOCAL", pacing.LocalPace())
    pacing.set_senders_alive(2)
    waits = [pacing.reserve_slot(VDP_KEY) for _ in range(3)]
    assert waits[0] == 0 and 0.7 <= waits[1] <= 1.0 and 1.7 <= waits[2] <= 2.0  # no burst, twice the interval


def test_a_claimed_send_reads_nothing_more_and_records_the_paging(api, pd, connected, db, redis):
    from tests.conftest import DEFAULT_KEY
    from tests.sql import recorded, updated
    from webapp.alerts.claiming import claim_rows
    from webapp.alerts.sender import connection_facts, send_leased
    from webapp.models import Incident

    factories.default_service(connected.id, DEFAULT_KEY)
    incident_id = api.post("/incidents", json={**K8S, "external_id": "e-claimed"}).json["id"]
    [(row, token)] = [
        claimed for claimed in claim_rows(5, 5, "me") if claimed[0].dedup_key == f"incident-{incident_id}"
    ]
    connection_facts(connected.id)
    with recorded(db.engine) as statements:
        assert send_leased(row, token) == ("delivered", None)
    # The claim's RETURNING was the read: the lease-checked delivered write and the subject's mirror, nothing else.
    assert [updated(sql) for sql in statements] == ["deliveries", "incidents"]
    db.session.expire_all()
    incident = db.session.get(Incident, incident_id)
    assert (incident.pd_status, incident.pd_paged_exact) == ("triggered", False)
    assert incident.pd_page_seconds is not None and incident.pd_page_seconds >= 0
    assert db.session.get(Delivery, row.id).status == "delivered"


def test_a_key_that_cannot_be_decrypted_fails_its_own_send_not_the_claim(api, pd, connected, db, redis):
    from sqlalchemy import Text, type_coerce

    from webapp.alerts.claiming import claim_rows
    from webapp.alerts.sender import send_leased
    from webapp.crypto import SecretUnreadable

    report_ids = [api.post("/reports", json={"title": f"Sealed {n}"}).json["id"] for n in range(2)]
    broken = db.session.scalar(db.select(Delivery.id).filter_by(dedup_key=f"report-{report_ids[0]}"))
    table = Delivery.__table__
    db.session.execute(
        table.update().where(table.c.id == broken).values(routing_key=type_coerce("not-a-fernet-token", Text))
    )
    db.session.commit()
    claimed = {row.id: (row, token) for row, token in claim_rows(5, 5, "me")}
    assert len(claimed) == 2  # the claim itself opens no key
    with pytest.raises(SecretUnreadable):
        send_leased(*claimed[broken])
    [other] = [delivery_id for delivery_id in claimed if delivery_id != broken]
    assert send_leased(*claimed[other]) == ("delivered", None)


@pytest.mark.parametrize("error", [None, client.PagerDutyError("Server error", status=500)])
def test_a_claimed_sends_outcome_after_a_takeover_is_dropped(api, pd, connected, db, redis, monkeypatch, error):
    from webapp.alerts.claiming import claim_rows
    from webapp.alerts.sender import send_leased

    report_id = api.post("/reports", json={"title": "Late"}).json["id"]
    [(row, token)] = [claimed for claimed in claim_rows(5, 5, "me") if claimed[0].dedup_key == f"report-{report_id}"]
    _taken_over_during(monkeypatch, db, row.id, error=error)
    assert send_leased(row, token) == ("late", None)
    db.session.expire_all()
    stored = db.session.get(Delivery, row.id)
    assert (stored.status, stored.lease_owner, stored.attempts) == ("pending", "other-sender", 0)


def test_a_reroute_moves_the_delivery_to_its_new_keys_pace_group_and_wakes_the_senders(db, redis):
    from webapp.alerts.outbox import make_due
    from webapp.alerts.pacing import pace_group
    from webapp.queues import WAKE_KEY

    org = factories.org_with_users()
    delivery_id = queue(db, org.id, "c" * 32, 1)[0]
    lease(delivery_id, owner="someone")
    redis.delete(WAKE_KEY)
    delivery = db.session.get(Delivery, delivery_id)
    make_due(delivery, "d" * 32)
    assert redis.llen(WAKE_KEY) == 0  # not before the commit
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(Delivery, delivery_id)
    assert row.pace_group == pace_group("d" * 32) and row.lease_owner is None and row.status == "pending"
    assert redis.llen(WAKE_KEY) == 1
    assert claimed_ids(limit=5, org_limit=5, owner="me") == [delivery_id]


def test_a_note_whose_answer_never_came_is_looked_for_only_once_a_late_post_would_have_landed(
    api, pd, connected, db, monkeypatch
):
    """Found by bench/faults.py (PagerDuty hanging): the retry looked for the note 2 s after the timeout, found
    nothing (PagerDuty still held the first call), posted it again, and then the first call landed too."""
    from tests.conftest import DEFAULT_KEY
    from webapp.alerts.sender import NOTE_IN_DOUBT_SECONDS

    factories.default_service(connected.id, DEFAULT_KEY)
    incident_id = api.post("/incidents", json=K8S).json["id"]
    assert send_now(db.session.scalar(db.select(Delivery.id).filter_by(action="trigger"))) == "delivered"
    api.patch(f"/incidents/{incident_id}", json={"root_cause": "Memory leak"})
    note_id = db.session.scalar(db.select(Delivery.id).filter_by(action="note"))
    real = client.rest_response

    def held(credentials, method, path, **kwargs):
        if method == "POST":  # PagerDuty holds the call past the client's timeout (and may still carry it out)
            raise client.PagerDutyError("PagerDuty did not answer in time", status=None)
        return real(credentials, method, path, **kwargs)

    monkeypatch.setattr(client, "rest_response", held)
    assert send_now(note_id) == "retrying"
    row = db.session.get(Delivery, note_id)
    assert row.in_doubt_since is not None
    assert row.next_attempt_at >= utcnow() + timedelta(seconds=NOTE_IN_DOUBT_SECONDS - 5)


def test_a_note_refused_with_a_500_is_retried_at_the_usual_backoff(api, pd, connected, db, monkeypatch):
    from tests.conftest import DEFAULT_KEY

    factories.default_service(connected.id, DEFAULT_KEY)
    incident_id = api.post("/incidents", json=K8S).json["id"]
    assert send_now(db.session.scalar(db.select(Delivery.id).filter_by(action="trigger"))) == "delivered"
    api.patch(f"/incidents/{incident_id}", json={"root_cause": "Memory leak"})
    note_id = db.session.scalar(db.select(Delivery.id).filter_by(action="note"))
    pd.state.add_fault("500", scope="rest")
    assert send_now(note_id) == "retrying"
    assert db.session.get(Delivery, note_id).next_attempt_at <= utcnow() + timedelta(seconds=10)
